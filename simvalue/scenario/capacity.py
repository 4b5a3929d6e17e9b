"""Offered load per team and per gate from arrival rates, routing and efforts (no simulation).

Visits per step come from the traffic equations of each stream (``theory.visit_ratios``);
a team's offered load is sum(rate x visits x mean manual effort) in Erlangs, compared with its
capacity. A CAB with a per-meeting capacity is loaded by rate x interval / capacity. A release train
adds its deployments: releases per hour x mean batch effort (``batch_loads``). Items raised
by other items (``spawn``) add to their type's rate: the traffic equations across types
(``demand_flows``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..steps.by_priority import ItemClass, priority_of
from ..steps import JOIN
from ..readable import figure
from ..theory import visit_ratios
from .forks import branch_owners
from .patience import effective
from .model import DONE, DROP, Demand, Scenario, Stream
from .spawn import INHERIT, spawns
from .skills import helpers_on_duty, pooled_capacities


#: Hours in a week: growth per week is growth per hour times this.
HOURS_PER_WEEK = 168.0


@dataclass(frozen=True)
class Load:
    """Offered load on one team or gate: ``offered`` in the units of ``capacity``."""

    name: str
    kind: str  # "team" or "gate"
    path: str  # field path of the capacity in the scenario file
    capacity: float
    offered: float
    peak_offered: float
    source: str = ""  # where most of the load comes from, e.g. "streams.s.steps[fix] for demand[t]"
    note: str = ""  # how the figure is approximated, when it is (branches a join may cancel)
    arrivals: float = 0.0  # pieces of work (team steps, or items at a gate) arriving per hour
    patient: float = 0.0  # the part of ``offered`` from steps whose callers give up (patience)

    @property
    def abandons(self) -> bool:
        """Overloaded, but callers who give up keep the queue finite: without the work whose callers have
        patience the team keeps up (what it cannot take is abandoned rather than piled up)."""
        return self.patient > 0 and self.offered - self.patient < self.capacity

    @property
    def utilisation(self) -> float:
        return self.offered / self.capacity if self.capacity else float("inf")

    @property
    def growth_per_week(self) -> float:
        """How fast the queue grows when overloaded, in pieces of work a week (0 when it keeps up): the
        excess load (offered - capacity) over the mean work per piece (offered / arrivals), per 168 h."""
        if self.offered <= self.capacity or not self.offered:
            return 0.0
        return HOURS_PER_WEEK * self.arrivals * (1.0 - self.capacity / self.offered)

    @property
    def peak_utilisation(self) -> float:
        return self.peak_offered / self.capacity


def demand_rate(demand: Demand) -> float:
    """Long-run arrivals per hour of one demand type."""
    arrivals = demand.arrivals
    return arrivals.rate if arrivals.rate is not None else 1.0 / arrivals.every.mean  # type: ignore[union-attr]


def peak_factor(demand: Demand) -> float:
    """Ratio of the busiest hour's arrival rate to the mean rate (1 without a profile)."""
    profile = demand.arrivals.profile
    if profile is None:
        return 1.0
    return float(profile.hour_of_week().max())


def routing_matrix(stream: Stream) -> np.ndarray:
    """P[i, j]: probability that step j follows step i (rejections and timeouts included); rest exits."""
    index = {step.name: i for i, step in enumerate(stream.steps)}
    size = len(stream.steps)
    matrix = np.zeros((size, size))
    for i, step in enumerate(stream.steps):
        for target, p in exits(stream, i).items():
            if target not in (DONE, DROP, JOIN):  # a branch's join: the fork itself goes on (``onward``)
                matrix[i, index[target]] += p
    return matrix


def exits(stream: Stream, position: int) -> dict[str, float]:
    """Where an item goes after step ``position``, with probabilities: its kind's diversions (a
    rejection, a timeout) first, the rest along ``next`` (or the following step); a fork also starts
    each of its branches once (probability 1 each: rows may sum to more than 1)."""
    step = stream.steps[position]
    diverted = step.kind.diversions(step)
    onward = 1.0 - sum(diverted.values())
    result: dict[str, float] = {}
    for target, p in stream.successors(position).items():
        if onward * p > 0:
            result[target] = result.get(target, 0.0) + onward * p
    for target, p in diverted.items():
        result[target] = result.get(target, 0.0) + p
    for target in step.kind.branches(step):
        result[target] = result.get(target, 0.0) + 1.0
    return result


def step_visits(stream: Stream, priority: str | None = None) -> np.ndarray:
    """Expected executions of each step per item of ``priority`` (None: without one) entering the
    stream; tables by priority are resolved for it (stream_visits averages over the demand)."""
    stream = stream.for_priority(priority)
    entry = np.zeros(len(stream.steps))
    entry[0] = 1.0
    return visit_ratios(routing_matrix(stream), entry)


def priority_mix(demand: Demand) -> list[tuple[Any, float]]:
    """The classes of a demand type's items with their shares: its priorities ([(None, 1.0)] without),
    and with declared attributes every combination as an ItemClass (attributes drawn independently)."""
    labels = list(demand.priority.items()) if isinstance(demand.priority, dict) else [(demand.priority, 1.0)]
    if not demand.attributes:
        return labels
    combos: list[tuple[tuple[tuple[str, str], ...], float]] = [((), 1.0)]
    for name in sorted(demand.attributes):
        combos = [((*attrs, (name, value)), share * p) for attrs, share in combos
                  for value, p in demand.attributes[name].items()]
    return [(ItemClass(label, attrs), share * p) for label, share in labels for attrs, p in combos]


def attribute_share(demand: Demand, item_class: Any) -> float:
    """The share of a demand type's items of one priority that have the class's attribute values."""
    if not isinstance(item_class, ItemClass):
        return 1.0
    share = 1.0
    for name, value in item_class.attributes:
        share *= demand.attributes[name][value]
    return share


def demand_visits(scenario: Scenario, demand: Demand) -> np.ndarray:
    """Expected executions of each step of a demand type's stream per item, over its priority mix."""
    stream = scenario.streams[demand.stream]
    return sum(share * step_visits(stream, label) for label, share in priority_mix(demand))


@dataclass(frozen=True)
class DemandFlow:
    """Items of one demand type and priority entering its stream: its own arrivals plus the items
    other items raise (``spawn``). ``label`` is the priority (None: items without one)."""

    demand: Demand
    label: str | None
    rate: float  # items per hour, on average
    hourly: np.ndarray  # items per hour in each hour of the week, Monday 00:00 first

    @property
    def peak(self) -> float:
        """The busiest hour's rate."""
        return float(self.hourly.max())


def spawn_matrix(scenario: Scenario) -> tuple[list[tuple[Demand, str | None]], np.ndarray]:
    """Classes of items (demand type, priority: every type's own mix) and ``M[i, j]``, the expected
    items of class j that one item of class i raises itself: the sum over its stream's steps of
    visits x p x count (x the share of the child's priority)."""
    classes = [(d, label) for d in scenario.demand for label, _ in priority_mix(d)]
    index = {(d.type, label): k for k, (d, label) in enumerate(classes)}
    types = {d.type: d for d in scenario.demand}
    matrix = np.zeros((len(classes), len(classes)))
    for k, (demand, label) in enumerate(classes):
        stream = scenario.streams[demand.stream]
        if not any(spawns(step) for step in stream.steps):
            continue
        for step, visits in zip(stream.steps, step_visits(stream, label)):
            for entry in spawns(step):
                for child_label, share in spawned_priorities(entry, label, types[entry.type]):
                    matrix[k, index[entry.type, child_label]] += visits * entry.p * entry.count * share
    return classes, matrix


def spawned_priorities(entry, parent: Any, child: Demand) -> list[tuple[Any, float]]:
    """The classes an item raised by ``entry`` takes, with their shares: a fixed priority, the parent's
    (``inherit``; a parent without one leaves it to the mix), or the child type's own mix; the child's
    attributes are drawn from its own type's declaration."""
    fixed = priority_of(parent) if entry.priority == INHERIT else entry.priority
    if fixed is None:
        return priority_mix(child)
    return priority_mix(child.model_copy(update={"priority": fixed}))   # that priority, the child's attributes


def demand_flows(scenario: Scenario) -> list[DemandFlow]:
    """Per demand type and priority, the items entering its stream: own arrivals plus spawned ones,
    from the traffic equations across types, lambda = lambda_0 + M^T lambda (solved hour by hour of
    the week, so spawned items follow their parents' profile). Needs a checked scenario (spawn_checks:
    M's spectral radius is below 1, so the series of generations converges)."""
    classes, matrix = spawn_matrix(scenario)
    own = np.array([share * demand_rate(d) for d in scenario.demand for _, share in priority_mix(d)])
    hourly = np.array([rate * (d.arrivals.profile.hour_of_week() if d.arrivals.profile is not None else np.ones(168))
                       for rate, (d, _) in zip(own, classes)])
    if matrix.any():
        system = np.eye(len(classes)) - matrix.T
        own, hourly = np.linalg.solve(system, own), np.linalg.solve(system, hourly.reshape(len(classes), 168))
    return [DemandFlow(d, label, float(rate), hours) for (d, label), rate, hours in zip(classes, own, hourly)]


def entering_rates(scenario: Scenario) -> dict[str, float]:
    """Items per hour entering each demand type's stream: its own arrivals plus the items others raise."""
    rates = {d.type: 0.0 for d in scenario.demand}
    for flow in demand_flows(scenario):
        rates[flow.demand.type] += flow.rate
    return rates


def stream_visits(scenario: Scenario, name: str) -> np.ndarray:
    """Expected executions of each step of stream ``name`` per item entering it, over the demand types
    that flow into it weighted by their rates (their priority mixes and spawned items included)."""
    flows = [(f.rate, step_visits(scenario.streams[name], f.label)) for f in demand_flows(scenario)
             if f.demand.stream == name]
    total = sum(rate for rate, _ in flows)
    if not total:
        return step_visits(scenario.streams[name])
    return sum(rate * visits for rate, visits in flows) / total


def team_shares(scenario: Scenario, teams: list[str]) -> list[tuple[str, float]]:
    """How a step's work splits over the teams that may do it: one team takes it all; shared staff
    (several teams) in proportion to their average people on duty -- an approximation of "first free,
    else the shortest queue" that is exact for identical teams."""
    if len(teams) <= 1:
        return [(team, 1.0) for team in teams]
    people = [scenario.teams[t].pattern().average_headcount for t in teams]
    total = sum(people) or 1.0
    return [(team, p / total) for team, p in zip(teams, people)]


def offered_loads(scenario: Scenario) -> list[Load]:
    """Offered load for every team and every capacity-limited CAB, in scenario order."""
    team_load = {name: [0.0, 0.0] for name in scenario.teams}
    team_arrivals = {name: 0.0 for name in scenario.teams}
    team_patient = {name: 0.0 for name in scenario.teams}
    sources: dict[str, dict[str, float]] = {name: {} for name in scenario.teams}
    cut, approximate = cancelled_branches(scenario), set()
    gate_load: dict[tuple[str, str], list[float]] = {}
    for flow in demand_flows(scenario):
        demand, rate, peak = flow.demand, flow.rate, flow.peak
        stream = scenario.streams[demand.stream].for_priority(flow.label)
        for step, visits in zip(stream.steps, step_visits(stream)):
            kind = step.kind
            for team, share in team_shares(scenario, kind.teams(step)):
                load = share * rate * visits * kind.team_hours(step)
                team_load[team][0] += load
                team_load[team][1] += share * peak * visits * kind.team_hours(step)
                team_arrivals[team] += share * rate * visits if kind.team_hours(step) > 0 else 0.0
                if kind.name == "work" and effective(step, demand)[0] is not None:
                    team_patient[team] += load
                key = f"streams.{demand.stream}.steps[{step.name}] for demand[{demand.type}]"
                if (demand.stream, step.name) in cut:
                    approximate.add(team)
                sources[team][key] = sources[team].get(key, 0.0) + load
            batch = kind.batch(step)
            if batch is not None:
                interval, capacity = batch
                entry = gate_load.setdefault((demand.stream, step.name), [0.0, 0.0, capacity, 0.0])
                entry[0] += rate * visits * interval
                entry[1] += peak * visits * interval
                entry[3] += rate * visits
    for team, (load, peak_load, key) in batch_loads(scenario).items():
        team_load[team][0] += load
        team_load[team][1] += peak_load
        sources[team][key] = sources[team].get(key, 0.0) + load
    pooled = pooled_capacities(scenario, {name: load[0] for name, load in team_load.items()})
    loads = [Load(name, "team", f"teams.{name}.{'capacity' if team.shifts is None else 'shifts'}",
                  pooled[name][0] if name in pooled else team.pattern().average_headcount, *team_load[name],
                  max(sources[name], key=sources[name].get) if sources[name] else "",
                  "; ".join(n for n in (CUT_NOTE if name in approximate else "",
                                        pooled[name][1] if name in pooled else "") if n), team_arrivals[name],
                  team_patient[name])
             for name, team in scenario.teams.items()]
    for (stream_name, step_name), (load, peak_load, capacity, arrivals) in gate_load.items():
        path = f"streams.{stream_name}.steps[{step_name}].gate.capacity"
        loads.append(Load(f"{stream_name}.{step_name}", "gate", path, capacity, load, peak_load, arrivals=arrivals))
    return loads


def batch_loads(scenario: Scenario) -> dict[str, tuple[float, float, str]]:
    """Per team, the load of work done once per batch whatever its size (a release's deployment effort):
    (average, at the busiest hour's rate, the step's path). The kind turns the items per hour reaching the
    step, over every demand type and priority, into team hours per hour (steps/release.py: batch_hours)."""
    reaching: dict[tuple[str, str], list] = {}
    for flow in demand_flows(scenario):
        stream = scenario.streams[flow.demand.stream].for_priority(flow.label)
        for step, visits in zip(stream.steps, step_visits(stream)):
            if step.kind.batch_hours(step, 1.0) > 0:
                entry = reaching.setdefault((flow.demand.stream, step.name), [step, 0.0, 0.0])
                entry[1] += flow.rate * visits
                entry[2] += flow.peak * visits
    loads: dict[str, tuple[float, float, str]] = {}
    for (stream_name, name), (step, rate, peak) in reaching.items():
        for team, share in team_shares(scenario, step.kind.teams(step)):
            load, peak_load, _ = loads.get(team, (0.0, 0.0, ""))
            loads[team] = (load + share * step.kind.batch_hours(step, rate),
                           peak_load + share * step.kind.batch_hours(step, peak),
                           f"streams.{stream_name}.steps[{name}]")
    return loads


#: How the offered load counts branches that a join of ``any`` or ``k`` cancels.
CUT_NOTE = ("branches that a fork's join (any or k of n) may cancel are counted as if they ran in full: "
            "an upper bound")


def cancelled_branches(scenario: Scenario) -> set[tuple[str, str]]:
    """(stream, step) of every step on a branch that a join of ``any`` or ``k`` may cancel."""
    cut: set[tuple[str, str]] = set()
    for name, stream in scenario.streams.items():
        forks = {s.name: s.fork for s in stream.steps if s.fork is not None}
        for step, (fork, _) in branch_owners(stream).items() if forks else ():
            if forks[fork].need < len(forks[fork].branches):
                cut.add((name, step))
    return cut


@dataclass(frozen=True)
class ShiftLoad:
    """Offered load while one stretch of a team's week is on duty (a shift, or hours off duty)."""

    team: str
    window: str  # e.g. "Mon 08:00-17:00"
    headcount: int
    average: float  # Erlangs arriving per hour, averaged over the window
    peak: float  # the busiest hour of the window

    @property
    def utilisation(self) -> float:
        """Average offered load over the people on duty (inf when nobody is: the work waits)."""
        return self.average / self.headcount if self.headcount else float("inf")


def team_hourly_loads(scenario: Scenario) -> dict[str, np.ndarray]:
    """Per team, the work arriving in each hour of the week (people busy on average): rate x visits x mean
    manual effort, profiles included; release deployments come on their own timetable, spread over the week."""
    hourly = {name: np.zeros(168) for name in scenario.teams}
    for flow in demand_flows(scenario):
        stream = scenario.streams[flow.demand.stream].for_priority(flow.label)
        for step, visits in zip(stream.steps, step_visits(stream)):
            for team, share in team_shares(scenario, step.kind.teams(step)):
                hourly[team] += share * flow.hourly * visits * step.kind.team_hours(step)
    for team, (load, _, _) in batch_loads(scenario).items():
        hourly[team] += load
    return hourly


def shift_loads(scenario: Scenario) -> list[ShiftLoad]:
    """For each team with working hours: offered load per stretch of its week, from the arrival
    rate in each hour of the week (profiles included) times the team's work per arrival. Work
    arriving off duty waits for the next shift: a shift's load may exceed its people on average
    only if quieter shifts make up for it (the week's total is checked against the average)."""
    hourly = team_hourly_loads(scenario)
    for name in hourly:  # helpers of other teams on duty carry part of it (at most their hours): theirs
        hourly[name] = np.maximum(hourly[name] - helpers_on_duty(scenario, name), 0.0)
    loads = []
    for name, team in scenario.teams.items():
        if team.always_on:
            continue
        groups: dict[tuple, list[int]] = {}  # the same hours, people and load on several days: one row
        for window in team.pattern().shifts_summary():
            hours = [int(h) % 168 for h in np.arange(np.floor(window.start), np.ceil(window.end))]
            values = hourly[name][hours]
            key = (window.start % 24, window.end - window.start, window.headcount, round(float(values.mean()), 9),
                   round(float(values.max()), 9))
            groups.setdefault(key, []).append(int(window.start // 24) % 7)
        for (start, length, headcount, average, peak), days in groups.items():
            loads.append(ShiftLoad(name, f"{_days_text(days)} {_clock(start)}-{_clock((start + length) % 24)}"
                                   + (f" (+{figure(length / 24)} d)" if length > 24 else ""), headcount, average, peak))
    return loads


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _days_text(days: list[int]) -> str:
    """Days as runs: [0, 1, 2, 3, 4] -> 'Mon-Fri', [5] -> 'Sat', [0, 2] -> 'Mon,Wed'."""
    runs: list[list[int]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(_DAYS[r[0]] if len(r) == 1 else f"{_DAYS[r[0]]}-{_DAYS[r[-1]]}" for r in runs)


def _clock(hours: float) -> str:
    minutes = round(hours * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


