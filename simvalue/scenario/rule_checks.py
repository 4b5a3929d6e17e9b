"""Checks of the state-dependent rules: a team's ``queue`` and ``overtime``, a work step's ``overflow``.

Refuses (ScenarioError naming the field) what the engine cannot honour; notes, on an overloaded team whose
work may overflow, the pooled bound of the teams sharing that load.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import ScenarioError, unknown
from ..readable import figure, share
from .capacity import Load
from .model import Scenario
from .skills import skill_groups


def check_rules(scenario: Scenario) -> None:
    """Refuse rules the engine cannot honour, naming the field: see each check."""
    desks = {group.team for group in skill_groups(scenario)}
    for name, team in scenario.teams.items():
        if team.queue != "priority" or team.overtime is not None:
            _check_team_rules(scenario, name, desks)
    for stream_name, stream in scenario.streams.items():
        for step in stream.steps:
            if getattr(step, "overflow", None) is not None:
                _check_overflow(scenario, f"streams.{stream_name}.steps[{step.name}].overflow", step)


def _check_team_rules(scenario: Scenario, name: str, desks: set[str]) -> None:
    """A rule's team must run on a plain pool: not people with several skills, not preemption (which has
    its own order); overtime also needs a headcount fixed around the clock."""
    team = scenario.teams[name]
    rule = "overtime" if team.overtime is not None else "queue"
    if name in desks:
        raise ScenarioError(f"{rule} is not supported on a team whose people have several skills (people, "
                            "shared_with, or helpers from another team): their queues follow the skills' rule",
                            path=f"teams.{name}.{rule}")
    if team.preempt is not None:
        raise ScenarioError(f"{rule} is not supported with preempt (preemption has its own order of work); "
                            "remove one of them", path=f"teams.{name}.{rule}")
    if team.overtime is not None:
        changed = any(epoch.teams.get(name) != team for _, epoch in scenario.epochs)
        if not team.always_on or scenario.holidays or team.holidays or changed:
            raise ScenarioError(
                "overtime needs a team on duty around the clock with a fixed headcount (capacity without calendar, "
                "shifts, holidays or changes over time); a calendar team's overtime is at_shift_end: finish",
                path=f"teams.{name}.overtime")


def _check_overflow(scenario: Scenario, path: str, step) -> None:
    """Overflow goes to another known team, from a step worked by one team, without other queue rules."""
    target, own = step.overflow.to, step.kind.teams(step)
    if target not in scenario.teams:
        raise ScenarioError(unknown("team", target, list(scenario.teams)), path=f"{path}.to")
    if len(own) != 1:
        raise ScenarioError("overflow needs a step worked by one team (a list of teams already shares the "
                            "work: it joins the shortest queue)", path=path)
    if target == own[0]:
        raise ScenarioError(f"overflow to the step's own team {target!r}: name another team", path=f"{path}.to")
    for other in ("escalate", "patience"):
        if getattr(step, other, None) is not None:
            raise ScenarioError(f"overflow is not supported together with {other} on one step; keep one of them",
                                path=path)


def with_overflow_notes(scenario: Scenario, loads: list[Load]) -> list[Load]:
    """Each team load with a note when its work may overflow: overflow moves load to the other team, so
    the pooled bound of both (their load over their people together) says whether they keep up between them."""
    targets: dict[str, set[str]] = {}
    for stream in scenario.streams.values():
        for step in stream.steps:
            if getattr(step, "overflow", None) is not None:
                targets.setdefault(step.kind.team(step), set()).add(step.overflow.to)
    if not targets:
        return loads
    by_name = {load.name: load for load in loads if load.kind == "team"}
    out = []
    for load in loads:
        others = [by_name[t] for t in sorted(targets.get(load.name, ())) if t in by_name] if load.kind == "team" else []
        if others:
            offered = load.offered + sum(o.offered for o in others)
            capacity = load.capacity + sum(o.capacity for o in others)
            pooled = (f"overflow moves part of it to {', '.join(o.name for o in others)}: together they offer "
                      f"{figure(offered)} against {figure(capacity)} people (pooled utilisation "
                      f"{share(offered / capacity) if capacity else 'unbounded'})")
            load = replace(load, note=f"{load.note}; {pooled}" if load.note else pooled)
        out.append(load)
    return out
