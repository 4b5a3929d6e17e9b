"""How much work one replication of a scenario is, estimated before running it.

From the arrival rates and the traffic equations (``capacity.step_visits``): items, step
executions (each one event and one record) and CAB meetings and release departures (one event
each) per replication.
Items raised by other items (``spawn``) count with their type (``capacity.demand_flows``).
The simulation's work budget compares these with its event and memory limits; ``check`` shows them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..limits import BYTES_PER_ITEM_RECORD, BYTES_PER_STEP_RECORD, FOLD_ITEMS
import numpy as np

from ..steps.by_priority import priority_of
from .capacity import (attribute_share, demand_flows, demand_rate, offered_loads, peak_factor, priority_mix,
                       spawn_matrix, step_visits)
from .snapshot import open_items
from .model import Scenario
from .overload import overload_drain


@dataclass(frozen=True)
class Workload:
    """Expected counts per replication; ``largest`` names the biggest contributor and its field."""

    items: float
    step_executions: float
    meetings: float  # events whatever the demand: CAB meetings and changes of headcount
    largest: str  # in words, e.g. "CAB meetings of normal_change.approve (every 1s)"
    largest_path: str  # field path to change, e.g. "streams.normal_change.steps[approve].gate.meets"

    @property
    def events(self) -> float:
        """Scheduled events: an arrival per item, a completion per step execution, a meeting each."""
        return self.items + self.step_executions + self.meetings

    @property
    def record_bytes(self) -> float:
        """Memory the records and result frames of one replication take."""
        return self.step_executions * BYTES_PER_STEP_RECORD + self.items * BYTES_PER_ITEM_RECORD

    def kept_bytes(self, record: str = "full") -> float:
        """Memory one replication holds at a record level: every record, the item rows, or (summary) a
        chunk of finished items at a time, whatever the horizon (engine/recorder.py: FOLD_ITEMS)."""
        if record == "full":
            return self.record_bytes
        if record == "items":
            return self.items * BYTES_PER_ITEM_RECORD
        return min(self.items, FOLD_ITEMS) * (BYTES_PER_ITEM_RECORD + BYTES_PER_STEP_RECORD * self.steps_per_item)

    @property
    def steps_per_item(self) -> float:
        return self.step_executions / self.items if self.items else 0.0


def workload(scenario: Scenario) -> Workload:
    """Expected items, step executions and other events in one replication of ``scenario``, with
    its changes over time (each period counted with the values then in force)."""
    arrival_window = scenario.warmup + scenario.horizon
    run_window = arrival_window + _drain_estimate(scenario, arrival_window)
    periods = [(0.0, scenario), *scenario.epochs]
    parts = []
    for (begin, period), (end, _) in zip(periods, [*periods[1:], (float("inf"), None)]):
        arriving = max(min(end, arrival_window) - begin, 0.0)
        running = max(min(end, run_window) - begin, 0.0)
        if running > 0:
            parts.append(_period(period, arriving, running))
    if scenario.initial is not None:
        parts.append(_backlog(scenario))
    items = sum(p.items for p in parts)
    executions = sum(p.step_executions for p in parts)
    meetings = sum(p.meetings for p in parts)
    largest = max(parts, key=lambda p: p.events)
    return Workload(items, executions, meetings, largest.largest, largest.largest_path)


def _backlog(scenario: Scenario) -> Workload:
    """The open items placed at the start (``initial:``), each counted like an arrival of its type: one
    event to place it and the step executions of a whole pass (at most that for one part-way through)."""
    streams = {d.type: d.stream for d in scenario.demand}
    visits: dict[str, float] = {}
    items = executions = 0.0
    for entry in open_items(scenario):
        if entry.type not in visits:
            visits[entry.type] = float(step_visits(scenario.streams[streams[entry.type]]).sum())
        items += entry.count
        executions += entry.count * visits[entry.type]
    spawned = _spawned_by(scenario, open_items(scenario))
    return Workload(items + spawned.items, executions + spawned.step_executions, 0.0, "the open items at the start",
                    "initial")


def _spawned_by(scenario: Scenario, entries) -> Workload:
    """The items the open items at the start raise (``spawn``), generation after generation:
    (I - M^T)^-1 placed - placed, with M the expected children per item (capacity.spawn_matrix)."""
    classes, matrix = spawn_matrix(scenario)
    if not matrix.any():
        return Workload(0.0, 0.0, 0.0, "", "")
    placed = np.zeros(len(classes))
    for entry in entries:
        for k, (demand, label) in enumerate(classes):
            if demand.type == entry.type:
                share = dict(priority_mix(demand))[label]
                placed[k] += entry.count * (share if entry.priority is None else
                                            float(entry.priority == priority_of(label)) * attribute_share(demand, label))
    raised = np.linalg.solve(np.eye(len(classes)) - matrix.T, placed) - placed
    visits = [float(step_visits(scenario.streams[d.stream], label).sum()) for d, label in classes]
    return Workload(float(raised.sum()), float(raised @ visits), 0.0, "", "")


def _drain_estimate(scenario: Scenario, arrival_window: float) -> float:
    """How long the run goes on after arrivals stop: until items finish, at most the drain limit.
    An item takes at least its steps' mean durations (stretched by the shortest working week); an
    overloaded team first works off the backlog it built (``overload.overload_drain``, infinite for a
    team without people): the drain limit caps it, so the estimate stays finite (``check`` says so)."""
    longest = 0.0
    for demand, label, _ in ((d, label, share) for d in scenario.demand for label, share in priority_mix(d)):
        stream = scenario.streams[demand.stream].for_priority(label)
        path = sum(visits * _mean_hours(step) for step, visits in zip(stream.steps, step_visits(stream)))
        longest = max(longest, path)
    weeks = [t.pattern().working_hours_per_week for t in scenario.teams.values()]
    stretch = 168.0 / min(weeks) if weeks else 1.0
    needed = max(arrival_window, 3.0 * longest * stretch, overload_drain(scenario, arrival_window))
    return min(scenario.drain_limit, needed)


def _mean_hours(step) -> float:
    """Mean duration of one execution of a step, queueing left out (the load check bounds that)."""
    kind = step.kind
    if kind.field == "wait":
        return step.wait.delay.mean
    if kind.name == "cab":
        return step.gate.meets
    if kind.name == "release":  # the cadence bounds the wait for the train; then the deployment
        release = step.release
        return (release.every or 0.0) + release.effort.mean + release.per_item.mean
    if kind.name == "auto":
        return step.gate.delay.mean
    return kind.team_hours(step) if kind.team(step) is not None else 0.0


def _period(scenario: Scenario, arriving: float, running: float) -> Workload:
    """The workload of ``scenario``'s values over ``arriving`` hours of arrivals and ``running``
    hours of run (meetings and shift changes go on while items are in flight)."""
    contributions: list[tuple[float, str, str]] = []
    items = executions = meetings = 0.0
    flows = demand_flows(scenario)
    for demand in scenario.demand:
        arrivals = demand_rate(demand) * arriving
        stream = scenario.streams[demand.stream]
        mine = [f for f in flows if f.demand.type == demand.type]
        entering = sum(f.rate for f in mine) * arriving  # its own arrivals and the items others raise
        passes = sum(f.rate * float(step_visits(stream, f.label).sum()) for f in mine) * arriving
        items += entering
        executions += passes
        # Profiled arrivals are drawn at the busiest hour's rate and thinned: candidates cost too.
        candidates = arrivals * (peak_factor(demand) - 1.0)
        # A closing rule schedules one more event per item (its closing, whether or not it comes to pass).
        candidates += entering if stream.close_after is not None else 0.0
        meetings += candidates
        contributions.append((entering + passes + candidates, f"arrivals of {demand.type}",
                              f"demand[{demand.type}].arrivals"))
    for stream_name, stream in scenario.streams.items():
        for step in stream.steps:
            count = running * step.kind.events_per_hour(step)
            if count:
                meetings += count
                train = step.kind.field == "release"
                contributions.append((count, f"{'departures of the release train' if train else 'meetings of the CAB'} "
                                      f"at {stream_name}.{step.name}", f"streams.{stream_name}.steps[{step.name}]."
                                      f"{'release.every' if train else 'gate.meets'}"))
    busiest = {load.name: load.peak_offered for load in offered_loads(scenario) if load.kind == "team"}
    for name, team in scenario.teams.items():
        if not team.always_on:  # one event per change of headcount, and a resumption per paused item
            pattern = team.pattern()
            # Work in hand at a change is at most the people on duty, and about the people busy on duty at the
            # busiest hour (its offered load over the share of the week on duty): a team of hundreds with little
            # work pauses little.
            on_duty = pattern.average_headcount / pattern.peak_headcount
            paused = min(pattern.peak_headcount, math.ceil(busiest.get(name, 0.0) / on_duty) + 1)
            per_change = 1 + (paused if team.at_shift_end == "pause" else 0)
            count = running / 168.0 * len(pattern.breaks) * per_change
            meetings += count
            contributions.append((count, f"shift changes (and paused work) of team {name}", f"teams.{name}"))
    _, largest, path = max(contributions, default=(0.0, "nothing", ""))
    return Workload(items, executions, meetings, largest, path)
