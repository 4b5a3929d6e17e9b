"""Overloaded teams and gates in words, and the load that ``preempt: restart`` adds (no simulation).

An overloaded team is simulated, not refused: over a finite horizon its queue grows by about
(offered - capacity) person-hours an hour, that is ``Load.growth_per_week`` pieces of work a week,
and the run reports it. With ``preempt: restart`` interrupted work is done again, so the work a
team does exceeds the offered load; ``restart_loads`` estimates by how much.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .. import readable
from ..readable import figure
from ..rng import stream as rng_stream
from .capacity import HOURS_PER_WEEK, Load, demand_flows, offered_loads, step_visits, team_shares
from .model import Scenario

#: The words every overload warning carries (a change over time re-issues the warnings that have them).
OVERLOADED = "is overloaded"

#: Efforts drawn to estimate the work a restarted item takes (a fixed seed: the check is deterministic).
RESTART_DRAWS = 4096




def growth_words(load: Load) -> str:
    """'its queue grows by about 13 items a week (mean work 2.5 h each)' for an overloaded load."""
    if load.kind == "gate":
        return f"its agenda grows by about {figure(load.growth_per_week)} items a week"
    each = load.offered / load.arrivals if load.arrivals else math.nan
    return (f"its queue grows by about {figure(load.growth_per_week)} items a week "
            f"({figure(load.offered - load.capacity)} person-hours an hour more than it has, "
            f"{figure(each)} h of work each)")


def overload_warning(load: Load, allow_overload: bool = False) -> str:
    """The warning for a team or gate whose offered load reaches its capacity: what, how much, how fast
    its queue grows, and that the run goes on (the backlog it builds is reported); for a team whose callers
    give up (``Load.abandons``), that abandonment keeps its queue finite instead."""
    what = "team" if load.kind == "team" else "gate"
    if load.abandons:
        return (f"{load.path}: {what} {load.name!r} is overloaded: offered load {figure(load.offered)} against its "
                f"capacity {figure(load.capacity)} (utilisation {readable.share(load.utilisation)}), but its callers "
                f"give up (patience): abandonment keeps the queue finite. At least "
                f"{readable.share(1 - load.capacity / load.offered)} of the work offered to it will be abandoned "
                "(the run reports the abandonment share); add capacity to serve more of it"
                + (f"; {load.note}" if load.note else "")
                + ("; allow_overload is no longer needed" if allow_overload else ""))
    text = (f"{load.path}: {what} {load.name!r} is overloaded: offered load {figure(load.offered)} against its "
            f"capacity {figure(load.capacity)} (utilisation {readable.share(load.utilisation)}); {growth_words(load)}. "
            "There is no steady state: the run simulates the growing backlog and reports it (waits grow with "
            "the horizon). Add capacity, automate, or reduce demand"
            + (f" (most of the load: {load.source})" if load.source else "")
            + (f"; {load.note}" if load.note else ""))
    return text + ("; allow_overload is no longer needed" if allow_overload else "")


def overload_drain(scenario: Scenario, arrival_window: float) -> float:
    """Hours an overloaded team needs after arrivals stop to finish the backlog it built while they came:
    (offered - capacity) x window / capacity, the largest over teams and gates (0 when none is overloaded;
    infinite for a team without people)."""
    longest = 0.0
    for load in offered_loads(scenario):
        if load.offered > load.capacity and not load.abandons:  # callers who give up leave no backlog
            excess = (load.offered - load.capacity) * arrival_window
            longest = max(longest, excess / load.capacity if load.capacity else math.inf)
    return longest


@dataclass(frozen=True)
class RestartLoad:
    """A team with ``preempt: restart``: the offered load and, with the work interrupted and done again,
    the load it actually carries (an estimate), both in person-hours an hour."""

    team: str
    path: str
    capacity: float
    offered: float
    effective: float

    @property
    def utilisation(self) -> float:
        return self.effective / self.capacity if self.capacity else math.inf


def restart_loads(scenario: Scenario) -> list[RestartLoad]:
    """Per team with ``preempt: restart``: its offered and its effective load. An item of effort S whose
    work restarts at each interruption (Poisson, rate h) takes E[(exp(hS) - 1) / h] of work (preemptive-
    repeat-identical; Kleinrock, Queueing Systems vol. 2, 1976, sec. 3.7); h is the rate of higher
    priorities arriving at the team when all are busy (about utilisation^(c-1)), spread over the items of
    this priority or lower in hand. An approximation: exact for one person, rough for several."""
    loads = {load.name: load for load in offered_loads(scenario) if load.kind == "team"}
    result = []
    for name, team in scenario.teams.items():
        if team.preempt != "restart" or not loads[name].offered:
            continue
        load = loads[name]
        pieces = _team_work(scenario, name)  # (rank, arrivals per hour, effort, manual share)
        rho = min(load.offered / load.capacity, 1.0)
        people = max(int(round(load.capacity)), 1)
        effective = 0.0
        for rank, rate, effort, manual in pieces:
            higher = sum(r * m for k, r, _, m in pieces if k < rank)
            mine_or_lower = sum(r * m * e.mean for k, r, e, m in pieces if k >= rank) / load.offered
            hazard = higher * rho ** (people - 1) / (1 + (people - 1) * mine_or_lower)
            effective += rate * manual * _restarted_work(effort, hazard)
        result.append(RestartLoad(name, load.path, load.capacity, load.offered, effective))
    return result


def _team_work(scenario: Scenario, team: str) -> list[tuple[tuple, float, object, float]]:
    """The work arriving at ``team``: (priority rank, visits per hour, effort distribution, manual share)."""
    pieces = []
    for flow in demand_flows(scenario):
        stream = scenario.streams[flow.demand.stream].for_priority(flow.label)
        for step, visits in zip(stream.steps, step_visits(stream)):
            hours = step.kind.team_hours(step)
            for who, share in team_shares(scenario, step.kind.teams(step)):
                effort = (step.effort if getattr(step, "effort", None) is not None else
                          step.release.per_item if step.release is not None else step.gate.effort)
                if who == team and hours > 0:
                    pieces.append((_rank(flow.label), flow.rate * visits * share, effort, hours / effort.mean))
    return pieces


def _rank(label) -> tuple:
    """Serving order of a priority label (natural sort, as the engine's; none: after every label)."""
    text = getattr(label, "priority", label)
    if text is None:
        return (1,)
    return (0, *[(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part])


def _restarted_work(effort, hazard: float) -> float:
    """E[(exp(hS) - 1) / h]: the work an item of effort S takes when restarted at rate h (S without)."""
    if hazard <= 0:
        return effort.mean
    draws = effort.sample(rng_stream(0, 0, "restart estimate"), RESTART_DRAWS)
    with np.errstate(over="ignore"):
        return float(np.mean(np.expm1(np.minimum(hazard * draws, 700.0)) / hazard))


def restart_warning(load: RestartLoad) -> str | None:
    """A warning when restarted work adds noticeably to a team's load (None when it adds little)."""
    if load.effective < 1.02 * load.offered and load.effective < load.capacity:
        return None
    excess = load.effective - load.capacity
    tail = (f"; it is overloaded: the queue grows by about {figure(excess * HOURS_PER_WEEK)} person-hours of work "
            "a week and the run reports the growing backlog" if excess >= 0 else
            "; queues will be longer than the offered load suggests")
    return (f"{load.path}: team {load.team!r} restarts interrupted work (preempt: restart): the work done again "
            f"raises its load from {figure(load.offered)} to about {figure(load.effective)} person-hours an hour "
            f"(utilisation about {readable.share(load.utilisation)}, an estimate){tail}")
