"""Compile a validated Scenario into an engine plan: names become int ids, routes become tables.

The plan is static and picklable; a replication builds its run-time state from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np

from ..calendars.schedule import DEFAULT_START, Schedule, WeeklyPattern
from ..distributions import Distribution
from ..scenario.forks import branch_owners
from ..scenario.patience import patience_specs
from ..scenario.schedules import Schedules
from ..scenario.skills import on_duty, skill_groups
from ..steps import JOIN
from .initial import InitialPlan, compile_initial
from .spawn import SpawnPlan, compile_spawns
from ..kernel.events import DONE_ID, DROP_ID  # noqa: F401 (re-exported: plans speak of them)
from ..steps.by_priority import PRIORITY, ItemClass, NextByPriority
from ..scenario.model import DONE, Demand, Scenario, Step, Stream



@dataclass(frozen=True)
class StepPlan:
    """One step of one stream. ``targets`` are local step positions (``DONE_ID`` ends the item);
    ``spec`` is what the step's kind compiled from its settings (steps/)."""

    id: int  # global id across all streams
    stream: str
    name: str
    activity: str
    kind: str  # a key of steps.KINDS
    team: int  # -1 when no team is held
    spec: Any
    targets: tuple[int, ...]
    cumulative: tuple[float, ...]
    realises_value: bool
    # Routing by priority: per rank (Plan.priorities order) its (targets, cumulative); None when the step's
    # routing does not depend on priority. ``targets``/``cumulative`` then hold the route of items without one.
    by_rank: tuple[tuple[tuple[int, ...], tuple[float, ...]], ...] | None = None
    # What by_rank is keyed by: "priority" (one route per rank), or an attribute's name (one route per value
    # of Plan.attributes, then one for items without it).
    route_key: str = "priority"
    spawn: tuple[SpawnPlan, ...] = ()  # the linked records the step raises (engine/spawn.py)
    branch: bool = False  # on a branch of a fork: its run-time sees the run through steps/branch.py
    # Shared staff (team: [a, b]): the ids of this step's hidden copies, one per other team; executions
    # by another team are recorded under its copy, so results attribute them to that team.
    alternates: tuple[int, ...] = ()
    escalation_copy: int = -1  # escalate to another team: the hidden copy its executions are recorded under
    # Overflow to another team (steps/work.py): (when_queue_over, that team's id, the hidden copy its executions
    # are recorded under); () without the rule.
    overflow: tuple[int, ...] = ()
    # Abandonment: (demand type, (patience, ring-back probability, time before ringing back)) for each type
    # whose callers may give up waiting in this step's queue (steps/patience.py).
    patience: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class DemandPlan:
    """One demand type: its arrival process, priorities and the global ids of its stream's steps."""

    type: str
    stream: str
    steps: tuple[int, ...]  # local position -> global step id
    rate: float | None  # Poisson rate per hour (mean, when profiled)
    every: Distribution | None
    intensity: np.ndarray | None  # 168 hourly multipliers (Monday 00:00 first), mean 1
    priority_ranks: tuple[int, ...]
    priority_probabilities: tuple[float, ...]
    prioritised: bool
    week_offset: float = 0.0  # hours from Monday 00:00 to t = 0 (profiles follow the wall clock)
    dispersion: float = 0.0  # cv of the weekly gamma factor of the rate (0: plain Poisson)
    holidays: tuple[tuple[float, float], ...] = ()  # [start, end) hours with no arrivals
    close_after: float | None = None  # hours after arrival at which an open item is closed (stream rule)
    # Attributes drawn at arrival: per declared attribute (index k in Plan.attributes), the global indices of
    # its values and their cumulative probabilities.
    attribute_draws: tuple[tuple[int, tuple[int, ...], tuple[float, ...]], ...] = ()


@dataclass(frozen=True)
class GroupPlan:
    """A group of people (scenario/people.py): ``count`` people of team ``team`` who serve its queue first,
    then the queues of ``skills`` (team ids, as listed), chosen by ``then``."""

    team: int
    name: str
    count: int
    skills: tuple[int, ...]
    then: str  # "longest_queue" or "highest_priority"
    # On a team that follows a schedule (Plan.schedules): (team headcount, people of this group on duty) for each
    # headcount the schedule shows; () for a team at a fixed headcount around the clock (``count`` always on).
    by_headcount: tuple[tuple[int, int], ...] = ()

    def people_at(self, headcount: int) -> int:
        """People of this group on duty while its team has ``headcount`` on duty."""
        return dict(self.by_headcount).get(headcount, 0) if self.by_headcount else self.count


@dataclass(frozen=True)
class Plan:
    """Everything a replication needs, indexed by int ids."""

    teams: tuple[str, ...]
    capacities: tuple[int, ...]  # people on duty at t = 0
    schedules: tuple[Schedule | None, ...]  # None for a fixed headcount around the clock
    pause_at_shift_end: tuple[bool, ...]
    preempt: tuple[str | None, ...]  # per team: None, "resume" or "restart" (24/7 teams only)
    steps: tuple[StepPlan, ...]
    demands: tuple[DemandPlan, ...]
    priorities: tuple[str, ...]  # rank -> label ("" for none)
    warmup: float
    horizon: float
    drain: float
    seed: int
    epochs: tuple[tuple[float, "Plan"], ...] = ()  # (time, plan in force from then on): changes over time
    initial: tuple[InitialPlan, ...] = ()  # the open items placed at t = 0 (engine/initial.py)
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # declared attributes and their values, sorted
    groups: tuple[GroupPlan, ...] = ()  # people with several skills (engine/skills.py); () when no team shares
    start: datetime = DEFAULT_START  # the local date and time at t = 0 (a release's freeze windows on the clock)
    # State-dependent team rules (engine/rules.py): per team, whether its queue is served nearest SLA breach
    # first, and its overtime (when_backlog_over, extra, until_below) or None; () when no team has a rule.
    sla_first: tuple[bool, ...] = ()
    overtime: tuple[tuple[int, int, int] | None, ...] = ()
    # sla_first's deadlines, per demand type: (SLA target in hours per rank or None, business clock or None, the
    # wait reasons its clock pauses on)
    sla_deadlines: tuple[tuple[tuple[float | None, ...], Schedule | None, frozenset[str]], ...] = ()
    @property
    def initial_count(self) -> int:
        """Open items at the start; they take item ids 0 .. initial_count - 1 in every replication."""
        return sum(entry.count for entry in self.initial)

    @property
    def arrivals_end(self) -> float:
        return self.warmup + self.horizon


def compile_plan(scenario: Scenario, seed: int | None = None, schedules: Schedules | None = None) -> Plan:
    """Build the engine plan of a checked scenario (``seed`` overrides the scenario's); the plans of its
    changes over time share ``schedules``, so a calendar they keep is built once."""
    return replace(_compiled(scenario, seed, schedules), start=scenario.start or DEFAULT_START)


def _compiled(scenario: Scenario, seed: int | None, schedules: Schedules | None) -> Plan:
    """``compile_plan``'s plan, but for the date at t = 0."""
    schedules = Schedules() if schedules is None else schedules
    teams = tuple(scenario.teams)
    team_ids = {name: i for i, name in enumerate(teams)}
    steps: list[StepPlan] = []
    first_step: dict[str, int] = {}
    labels = priority_labels(scenario)
    attributes = attribute_values(scenario)
    types = {d.type: i for i, d in enumerate(scenario.demand)}
    for stream_name, stream in scenario.streams.items():
        first = first_step[stream_name] = len(steps)
        steps += [replace(_step_plan(first + pos, stream_name, stream, pos, team_ids, labels, types, attributes),
                          patience=patience_specs(stream, stream.steps[pos],
                                                  [d for d in scenario.demand if d.stream == stream_name]))
                  for pos in range(len(stream.steps))]
    steps = _with_alternates(steps, scenario, team_ids)
    demands = tuple(replace(_demand_plan(d, scenario.streams[d.stream], first_step[d.stream], labels, scenario),
                            attribute_draws=_attribute_draws(d, attributes))
                    for d in scenario.demand)
    later = scenario.epochs
    changing = {name for _, epoch in later for name, team in epoch.teams.items() if team != scenario.teams[name]}
    clocks = tuple(None if t.always_on and not (scenario.holidays or t.holidays) and name not in changing
                   else schedules.get(scenario, name) for name, t in scenario.teams.items())
    capacities = tuple(t.capacity if s is None else s.headcount_at(0.0)
                       for t, s in zip(scenario.teams.values(), clocks))
    pauses = tuple(t.at_shift_end == "pause" for t in scenario.teams.values())
    preempt = tuple(t.preempt for t in scenario.teams.values())
    epochs = tuple((at, compile_plan(epoch, seed, schedules)) for at, epoch in later)
    plan = Plan(teams, capacities, clocks, pauses, preempt, tuple(steps), demands,
                tuple(labels) or ("",), scenario.warmup, scenario.horizon, scenario.drain_limit,
                scenario.seed if seed is None else int(seed), epochs, compile_initial(scenario, labels),
                tuple(attributes), _group_plans(scenario, team_ids, clocks))
    return _with_rules(plan, scenario, labels)


def _group_plans(scenario: Scenario, team_ids: dict[str, int], clocks: tuple[Schedule | None, ...]
                 ) -> tuple[GroupPlan, ...]:
    """The groups of people with several skills; on a team with a schedule, how many of each are on duty at each
    headcount the schedule shows (holidays: 0)."""
    groups = skill_groups(scenario)
    plans = []
    for group in groups:
        team = team_ids[group.team]
        clock = clocks[team]
        by_headcount = () if clock is None else tuple(
            (h, on_duty(group, groups, h)) for h in sorted({0, *clock.pattern.headcounts}))
        plans.append(GroupPlan(team, group.name, group.count, tuple(team_ids[t] for t in group.skills), group.then,
                               by_headcount))
    return tuple(plans)


def _with_rules(plan: Plan, scenario: Scenario, labels: list[str]) -> Plan:
    """The plan with its teams' rules (queue order, overtime) and, for sla_first, each type's deadlines."""
    teams = scenario.teams.values()
    if all(t.queue == "priority" and t.overtime is None for t in teams):
        return plan
    ranks = labels or [""]
    deadlines = []
    for demand in scenario.demand:
        clock = scenario.sla_clock(demand.type)
        prioritised = demand.priority is not None
        targets = tuple(scenario.sla_target(demand.type, label if prioritised and label else None) for label in ranks)
        business = clock is not None and clock.clock == "business_hours"
        deadlines.append((targets, scenario.schedule(scenario.sla_team(demand.type)) if business else None,
                          frozenset(clock.pause_on) if clock is not None and any(t.queue == "sla_first" for t in teams)
                          else frozenset()))
    return replace(plan, sla_first=tuple(t.queue == "sla_first" for t in teams),
                   overtime=tuple((t.overtime.when_backlog_over, t.overtime.extra, t.overtime.until_below)
                                  if t.overtime is not None else None for t in teams),
                   sla_deadlines=tuple(deadlines))


def attribute_values(scenario: Scenario) -> list[tuple[str, tuple[str, ...]]]:
    """Every declared attribute (sorted by name) with the values any demand type gives it."""
    found: dict[str, dict[str, None]] = {}
    for demand in scenario.demand:
        for name, values in (demand.attributes or {}).items():
            found.setdefault(name, {}).update(dict.fromkeys(values))
    return [(name, tuple(found[name])) for name in sorted(found)]


def _attribute_draws(demand: Demand, attributes: list[tuple[str, tuple[str, ...]]]) -> tuple:
    names = [name for name, _ in attributes]
    draws = []
    for name, values in sorted((demand.attributes or {}).items()):
        k = names.index(name)
        draws.append((k, tuple(attributes[k][1].index(v) for v in values),
                      tuple(np.cumsum(list(values.values())))[:-1] + (1.0,)))
    return tuple(draws)


def priority_labels(scenario: Scenario) -> list[str]:
    """All priority labels in serving order: natural sort, so P2 comes before P10."""
    labels: set[str] = set()
    for demand in scenario.demand:
        if isinstance(demand.priority, str):
            labels.add(demand.priority)
        elif isinstance(demand.priority, dict):
            labels.update(demand.priority)
    natural = lambda s: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]  # noqa: E731
    return sorted(labels, key=natural)


def _demand_plan(demand: Demand, stream: Stream, first: int, labels: list[str], scenario: Scenario) -> DemandPlan:
    arrivals = demand.arrivals
    if isinstance(demand.priority, dict):
        ordered = sorted(demand.priority.items(), key=lambda kv: labels.index(kv[0]))  # canonical: by rank
        ranks = tuple(labels.index(label) for label, _ in ordered)
        probabilities = tuple(p for _, p in ordered)
    else:
        # A fixed label, or none: items without a priority share the lowest priority's place.
        ranks = (labels.index(demand.priority) if demand.priority else max(len(labels) - 1, 0),)
        probabilities = (1.0,)
    clock = Schedule(WeeklyPattern.always(1), scenario.start or DEFAULT_START)
    holidays = tuple((h, h + 24.0) for h in (clock.hours_since_start(day) for day in scenario.holidays)
                     ) if arrivals.skip_holidays else ()
    return DemandPlan(demand.type, demand.stream, tuple(range(first, first + len(stream.steps))),
                      arrivals.rate, arrivals.every, (arrivals.profile.hour_of_week() if arrivals.profile is not None else None), ranks, probabilities,
                      demand.priority is not None, week_offset=-clock.hours_since_start(_monday(clock.start)),
                      dispersion=arrivals.dispersion or 0.0, holidays=holidays, close_after=stream.close_after)


def _monday(moment):
    """Monday 00:00 of the week holding ``moment``."""
    return datetime.combine(moment.date() - timedelta(days=moment.weekday()), time())


def _step_plan(global_id: int, stream_name: str, stream: Stream, position: int,
               team_ids: dict[str, int], labels: list[str], types: dict[str, int],
               attributes: list[tuple[str, tuple[str, ...]]]) -> StepPlan:
    step: Step = stream.steps[position]
    local = {s.name: i for i, s in enumerate(stream.steps)}
    targets, cumulative = _routes(stream.for_priority(None), position, local)
    by_rank, route_key = None, PRIORITY
    if isinstance(step.next, NextByPriority) and step.next.by == PRIORITY:
        by_rank = tuple(_routes(stream.for_priority(label), position, local) for label in labels)
    elif isinstance(step.next, NextByPriority):  # by an attribute: one route per value, then 'other'
        route_key = step.next.by
        values = dict(attributes).get(route_key, ())
        by_rank = tuple(_routes(stream.for_priority(ItemClass(None, ((route_key, v),))), position, local)
                        for v in values) + (_routes(stream.for_priority(None), position, local),)
    kind = step.kind
    team = kind.team(step)
    return StepPlan(
        id=global_id, stream=stream_name, name=step.name, activity=str(step.activity), kind=kind.name,
        team=team_ids[team] if team is not None else -1, spec=kind.compile(step, local, team_ids),
        targets=targets, cumulative=cumulative, realises_value=stream.value_at == step.name, by_rank=by_rank,
        route_key=route_key,
        spawn=compile_spawns(step, types, labels), branch=step.name in branch_owners(stream),
    )


def _with_alternates(steps: list[StepPlan], scenario: Scenario, team_ids: dict[str, int]) -> list[StepPlan]:
    """Append a hidden copy of each shared-staff step per other team (same name, spec and routes; that
    team's id), and give the step the copies' ids; likewise one copy for a step escalating or overflowing
    to another team. The copies belong to no demand's step list."""
    out = list(steps)
    for stream_name, stream in scenario.streams.items():
        for step in stream.steps:
            teams = step.kind.teams(step)
            if len(teams) < 2:
                continue
            index = next(i for i, s in enumerate(out) if s.stream == stream_name and s.name == step.name
                         and not s.alternates)
            ids = tuple(range(len(out), len(out) + len(teams) - 1))
            out += [replace(out[index], id=new_id, team=team_ids[team]) for new_id, team in zip(ids, teams[1:])]
            out[index] = replace(out[index], alternates=ids)
    for stream_name, stream in scenario.streams.items():
        for step in stream.steps:
            escalation = getattr(step, "escalate", None)
            if escalation is None or escalation.team is None:
                continue
            index = next(i for i, s in enumerate(out) if s.stream == stream_name and s.name == step.name)
            out.append(replace(out[index], id=len(out), team=team_ids[escalation.team], alternates=()))
            out[index] = replace(out[index], escalation_copy=len(out) - 1)
    for stream_name, stream in scenario.streams.items():
        for step in stream.steps:
            overflow = getattr(step, "overflow", None)
            if overflow is None:
                continue
            index = next(i for i, s in enumerate(out) if s.stream == stream_name and s.name == step.name)
            out.append(replace(out[index], id=len(out), team=team_ids[overflow.to], alternates=()))
            out[index] = replace(out[index], overflow=(overflow.when_queue_over, team_ids[overflow.to], len(out) - 1))
    return out


def _routes(stream: Stream, position: int, local: dict[str, int]) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Targets (step positions, DONE_ID) and cumulative probabilities after step ``position``."""
    # Canonical order (stream order, then done) so that the order of keys in `next` never changes
    # which item goes where: equal scenarios give equal results, and variants keep their pairing.
    routes = sorted(stream.successors(position).items(), key=lambda kv: local.get(kv[0], len(local)))
    targets = tuple(DONE_ID if t in (DONE, JOIN) else local[t] for t, _ in routes)  # join: a branch's end
    cumulative = tuple(np.cumsum([p for _, p in routes]))[:-1] + (1.0,)
    return targets, tuple(float(c) for c in cumulative)
