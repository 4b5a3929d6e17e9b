"""Results of a simulation as tidy pandas DataFrames, built once after the runs.

``items`` — one row per reported item (arrived after the warm-up, or open at the start):
    replication, item_id, parent_id (the item that raised it: ``spawn``; NA for items that arrived),
    type, priority, initial (open at the start, from ``initial:``; its
    arrived is minus its age), arrived, value_realized, completed (hours since start),
    time_to_value (value_realized - arrived), sla_time (the same on the type's SLA clock: business
    hours, less waits the SLA pauses on; time_to_value without an SLA), work_time, wait_time (both accumulated until value
    is realised, so work_time + wait_time == time_to_value for items that realise value),
    others_time (the part of wait_time spent waiting on others: wait steps), off_hours_time (the
    part of wait_time work stood still outside working hours),
    handoffs (changes of team between successive team-worked steps), reworks (re-entries of a
    step already visited), automated_steps, outcome ("done", "rejected", "in_flight").
``events`` — one row per step execution of a reported item (event-log form):
    replication, item_id, type, stream, step, activity, team (NA for CAB and automated work),
    queued, started, finished, work (hours worked, or automated), wait (finished - queued - work),
    wait_reason (the reason of a wait step; NA otherwise), automated,
    outcome ("completed", "approved", "rejected", "timed_out", "in_progress", "closed": ended by the stream's
    closing rule).
``teams`` — per replication and team, over the reporting window [warmup, warmup + horizon]:
    replication, team, capacity (people on duty on average in the window), scheduled_hours
    (person-hours on duty in the window, overtime apart), utilisation (busy_hours / (scheduled_hours +
    overtime_hours)), busy_hours (for a team whose people are in groups with several skills: its own
    people's work, whichever queue), mean_queue_length (time-averaged items waiting in the team's queue),
    overtime_hours (person-hours of people called in on overtime, ``overtime``; 0 without the rule).
``groups`` — people with several skills: each group's time split (results/groups.py).
``flow`` — per replication and item type, over the same window: wip (time-averaged items in
    flight, warm-up arrivals included), throughput (items realising value per day), backlog_mid and
    backlog_end (items in flight half-way through the window and at its end: steady.py).
All times are in hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..engine.plan import Plan
from ..errors import SimulationError
from ..kernel.recorder import ITEM_FIELDS, ITEM_OUTCOMES, STEP_OUTCOMES
from .backlog import BacklogClearing, backlog_clearing
from .chains import chain_summary, chains
from .groups import group_rows, groups_table, people_busy
from .metrics import headline, step_breakdown, summarise
from ..scenario.model import Scenario
from .sla import sla_times
from .tally import Tally, tally

#: What a run keeps (``simulate(record=...)``, ``run --record``): every step execution and item, one
#: row per item (steps tallied as they finish), or only the tallies (percentiles from a sketch).
RECORD_LEVELS = ("full", "items", "summary")

#: ``Results.summary(by=...)`` splits by a column with at most this many values (priorities, a flag).
MAX_SUMMARY_GROUPS = 50


@dataclass(frozen=True)
class Results:
    """What ``simulate`` returns: the scenario, the run settings and four tidy frames."""

    scenario: Scenario = field(repr=False)
    replications: int
    seed: int
    items: pd.DataFrame = field(repr=False)
    events: pd.DataFrame = field(repr=False)
    teams: pd.DataFrame = field(repr=False)
    flow: pd.DataFrame = field(repr=False)
    record: str = "full"
    streamed: Tally | None = field(default=None, repr=False)  # the tally of a run that kept no event rows
    #: People with several skills: each group's time split (results/groups.py); empty when no team shares people.
    groups: pd.DataFrame | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (f"Results(scenario={self.scenario.name!r}, replications={self.replications}, seed={self.seed}, "
                f"record={self.record!r}, items={len(self.items)}, events={len(self.events)})")

    @cached_property
    def tally(self) -> Tally:
        """The sums every headline metric is a ratio of (tally.py): from the rows, or as streamed."""
        if self.streamed is not None:
            return self.streamed
        return self._tally_of(self.items)

    def _tally_of(self, items: pd.DataFrame) -> Tally:
        """The tally of some of the items (abandoned ones out of the SLA where it says so)."""
        return tally(items, self.events, self.scenario.sla_target,
                     abandoned_excluded=self.scenario.sla_abandoned_excluded)

    def in_flight(self) -> int:
        """Items still in flight when the drain limit ended their replication, over all replications."""
        if self.streamed is not None:
            groups = self.streamed.groups
            return int(groups.loc[groups["priority"] == "", "in_flight"].sum())
        return int((self.items["outcome"] == "in_flight").sum())

    def _needs(self, level: str, what: str) -> None:
        if RECORD_LEVELS.index(self.record) > RECORD_LEVELS.index(level):
            raise SimulationError(f"{what} needs the rows of a run with record={level!r} or more; this run kept "
                                  f"{self.record!r}. Run it again with record={level!r} (run --record {level})")

    def summary(self, confidence: float = 0.95, initial: bool | None = None, by: str | None = None
                ) -> pd.DataFrame:
        """Per item type: completions and time-to-value mean/p50/p85/p95, time per activity, with CIs.

        ``initial``: None for every item, True for the items open at the start only (``initial:``),
        False for new arrivals only. ``by``: a column of ``items`` with a few values (``priority``,
        ``initial``) to split the summary by; it becomes a column after ``type``."""
        if not 0 < confidence < 1:
            raise SimulationError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}")
        if initial not in (None, True, False):
            raise SimulationError(f"initial must be None (every item), True or False, got {initial!r}")
        if initial is None and by is None:
            return summarise(self.tally, self.replications, confidence)
        self._needs("full", "a summary by initial or by a column")
        items = self.items if initial is None else self.items[self.items["initial"] == initial]
        if by is None:
            return summarise(self._tally_of(items), self.replications, confidence)
        if by not in items.columns or by in ("type", "item_id") or items[by].nunique() > MAX_SUMMARY_GROUPS:
            raise SimulationError(f"by must be a column of items with at most {MAX_SUMMARY_GROUPS} values, such as "
                                  f"'priority' or 'initial'; got {by!r}")
        frames = []
        for value, part in items.groupby(by, observed=True, sort=True):
            frame = summarise(self._tally_of(part), self.replications, confidence)
            frame = frame[frame["type"].isin(set(part["type"].astype(str)))]   # the types this group has
            frame.insert(1, by, value)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["type", by, "metric", "estimate", "ci_low", "ci_high"])

    def backlog_clearing(self, confidence: float = 0.95) -> BacklogClearing:
        """When the items open at the start are all done, per replication, with a t-interval (backlog.py)."""
        self._needs("items", "backlog clearing")
        return backlog_clearing(self.items, self.replications, confidence)

    def chains(self) -> pd.DataFrame:
        """One row per root item that raised others (``spawn``): its chain's size and time-to-value, from
        the root's arrival to the latest value realised along the chain (chains.py)."""
        self._needs("items", "chains of linked records")
        return chains(self.items)

    def chain_summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Per root type: chains per replication, items raised per chain and the chain's time-to-value
        (mean, p50/p85/p95), each with a t-interval over replications (chains.py)."""
        return chain_summary(self.chains(), self.replications, confidence)

    def metrics(self) -> pd.DataFrame:
        """Headline metrics per replication (long form: replication, subject, metric, value)."""
        return headline(self.tally, self.teams, self.flow)

    def steps(self) -> pd.DataFrame:
        """Per stream and step: mean wait and work per execution, wait share, and the bottleneck."""
        return step_breakdown(self.tally)


def build_results(scenario: Scenario, plan: Plan, outputs: list[tuple[dict, dict]]) -> Results:
    """Assemble the frames from per-replication column arrays (replication r = outputs[r]). PERF: each
    replication is reduced to plain arrays and every frame is built once, so many short replications
    cost little more than one long one."""
    item_columns, event_columns = zip(*(reported_columns(plan, r, steps, cols)
                                        for r, (steps, cols) in enumerate(outputs)))
    items, events = _frames(scenario, plan, _joined(item_columns), _joined(event_columns))
    teams = teams_table(plan, [row for r, (steps, _) in enumerate(outputs) for row in team_rows(plan, r, steps)])
    flow = flow_table(plan, [row for r, (_, cols) in enumerate(outputs) for row in flow_rows(plan, r, cols)])
    groups = groups_table(plan, [row for r, (steps, _) in enumerate(outputs) for row in group_rows(plan, r, steps)])
    return Results(scenario, len(outputs), plan.seed, items, events, teams, flow, groups=groups)


def item_frames(scenario: Scenario, plan: Plan, replication: int, steps: dict[str, np.ndarray],
                cols: dict[str, np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reported items of one replication (or a chunk of its finished items) with their SLA times,
    and the executions of their steps."""
    return _frames(scenario, plan, *reported_columns(plan, replication, steps, cols))


def _frames(scenario: Scenario, plan: Plan, item_columns: dict[str, np.ndarray],
            event_columns: dict[str, np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame]:
    items, events = items_frame(plan, item_columns), events_frame(plan, event_columns)
    items.insert(items.columns.get_loc("time_to_value") + 1, "sla_time", sla_times(scenario, items, events))
    return items, events


def reported_columns(plan: Plan, replication: int, steps: dict[str, np.ndarray], cols: dict[str, np.ndarray]
                     ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One replication's reported items (by id) and the executions of their steps, as the plain arrays
    ``items_frame`` and ``events_frame`` take (codes for what becomes a category)."""
    kept = reported_items(plan, cols)
    return item_columns(plan, replication, kept), event_columns(plan, replication, steps, kept["item_id"])


def _joined(parts: tuple[dict[str, np.ndarray], ...]) -> dict[str, np.ndarray]:
    """Column arrays of several replications, one after another."""
    return parts[0] if len(parts) == 1 else {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def reported_items(plan: Plan, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Only items that arrived after the warm-up are reported, and the items open at the start; in order
    of id (the engine records them as they finish)."""
    keep = np.flatnonzero((cols["arrived"] >= plan.warmup) | (cols["item_id"] < plan.initial_count))
    keep = keep[_id_order(cols["item_id"][keep].astype(np.int64))]
    # attribute_rows is keyed by item id, not aligned with the items: looked up, never filtered
    return {name: values if name == "attribute_rows" else np.take(values, keep) for name, values in cols.items()}


def _id_order(ids: np.ndarray) -> np.ndarray:
    """The order that sorts unique non-negative ids. PERF: one pass through a lookup table, not a sort."""
    if ids.size == 0:
        return np.arange(0)
    lookup = np.full(int(ids.max()) + 1, -1, dtype=np.int64)
    lookup[ids] = np.arange(ids.size)
    return lookup[lookup >= 0]


def _among(ids: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Whether each of ``ids`` is one of ``chosen`` (non-negative whole numbers). PERF: a lookup table
    rather than np.isin's sort."""
    ids, chosen = ids.astype(np.int64), chosen.astype(np.int64)
    if ids.size == 0 or chosen.size == 0:
        return np.zeros(ids.size, dtype=bool)
    member = np.zeros(max(int(ids.max()), int(chosen.max())) + 1, dtype=bool)
    member[chosen] = True
    return member[ids]


def flow_frame(plan: Plan, replication: int, cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per type: time-averaged items in flight (WIP) and value deliveries per day in the window."""
    return flow_table(plan, flow_rows(plan, replication, cols))


def flow_rows(plan: Plan, replication: int, cols: dict[str, np.ndarray]) -> list[dict]:
    """``flow_frame``'s rows of one replication."""
    start, end = plan.warmup, plan.arrivals_end
    left = np.where(np.isnan(cols["completed"]), np.inf, cols["completed"])
    in_window = _overlap(cols["arrived"], left, start, end)
    delivered = (cols["value_realized"] >= start) & (cols["value_realized"] < end)
    demand, types = cols["demand"].astype(np.int64), len(plan.demands)
    wip = np.bincount(demand, weights=in_window, minlength=types) / plan.horizon
    throughput = np.bincount(demand, weights=delivered, minlength=types) / (plan.horizon / 24.0)
    middle = (start + end) / 2  # the backlog half-way and at the end: does it still grow? (steady.py)
    backlog = [np.bincount(demand, weights=(cols["arrived"] <= t) & (left > t), minlength=types) for t in (middle, end)]
    return [{"replication": replication, "type": d.type, "wip": float(wip[i]), "throughput": float(throughput[i]),
             "backlog_mid": float(backlog[0][i]), "backlog_end": float(backlog[1][i])}
            for i, d in enumerate(plan.demands)]


def flow_table(plan: Plan, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["replication", "type", "wip", "throughput", "backlog_mid", "backlog_end"])
    frame["type"] = pd.Categorical(frame["type"], categories=[d.type for d in plan.demands])
    return frame


def _categorical(codes: np.ndarray, names: tuple[str, ...] | list[str]) -> pd.Categorical:
    """Categorical of ``names[code]`` for each code; repeated names share one category."""
    categories = list(dict.fromkeys(names))
    codes = codes.astype(np.int64, copy=False)
    if len(categories) < len(names):  # PERF: only repeated names need their codes mapped
        lookup = np.array([categories.index(n) for n in names], dtype=np.int64)
        codes = lookup[codes] if codes.size else codes
    return pd.Categorical.from_codes(codes, categories=categories)


def item_columns(plan: Plan, replication: int, kept: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``items_frame``'s columns of one replication's reported items (``reported_items``): plain arrays,
    with codes for the categories (type, priority, outcome, attributes)."""
    demand = kept["demand"].astype(np.int64)
    prioritised = np.array([d.prioritised for d in plan.demands])
    rank = np.where(prioritised[demand], kept["rank"], -1).astype(np.int64) if demand.size else demand
    return {"replication": np.full(demand.size, replication, dtype=np.int64), "demand": demand, "rank": rank,
            **{name: kept[name] for name in ITEM_FIELDS if name not in ("demand", "rank")},
            "parent_id": kept["parent_id"], **_attribute_codes(plan, kept)}


def items_frame(plan: Plan, cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per item, in the order of ``cols`` (``item_columns``, replication by replication, each by
    id); the open items at the start are ids 0 .. initial_count - 1 (engine/flow.py)."""
    return pd.DataFrame({
        "replication": cols["replication"],
        "item_id": cols["item_id"].astype(np.int64),
        "parent_id": _nullable_ints(cols["parent_id"]),
        "type": _categorical(cols["demand"], [d.type for d in plan.demands]),
        "priority": pd.Categorical.from_codes(cols["rank"], categories=[p for p in plan.priorities if p]),
        "initial": cols["item_id"] < plan.initial_count,
        "arrived": cols["arrived"],
        "value_realized": cols["value_realized"],
        "completed": cols["completed"],
        "time_to_value": cols["value_realized"] - cols["arrived"],
        "work_time": cols["work_time"],
        "wait_time": cols["wait_time"],
        "others_time": cols["others_time"],
        "off_hours_time": cols["off_hours_time"],
        "handoffs": cols["handoffs"].astype(np.int64),
        "reworks": cols["reworks"].astype(np.int64),
        "automated_steps": cols["automated_steps"].astype(np.int64),
        "outcome": _categorical(cols["outcome"], ITEM_OUTCOMES),
        **{name: pd.Categorical.from_codes(cols[_ATTRIBUTE + name], categories=list(values))
           for name, values in plan.attributes},
    }, copy=False)  # PERF: fresh arrays, or views of records that are dropped once the results are built


def _nullable_ints(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers held as floats, NaN for none, as pandas' nullable Int64."""
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 0.0, values).astype(np.int64), missing)


#: Prefix of an attribute's codes among ``item_columns`` (apart from the record fields).
_ATTRIBUTE = "attribute:"


def _attribute_codes(plan: Plan, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per declared attribute, each item's value index (-1, shown as NA, for types that do not declare it)."""
    out = {}
    rows = cols.get("attribute_rows", np.empty((0, 1)))
    for k, (name, _) in enumerate(plan.attributes):
        codes = np.full(cols["item_id"].size, -1, dtype=np.int64)
        if rows.size:
            position = np.searchsorted(rows[:, 0], cols["item_id"].astype(np.int64))
            position = np.minimum(position, rows.shape[0] - 1)
            found = rows[position, 0] == cols["item_id"]
            codes[found] = rows[position[found], 1 + k]
        out[_ATTRIBUTE + name] = codes
    return out


def event_columns(plan: Plan, replication: int, steps: dict[str, np.ndarray], reported: np.ndarray
                  ) -> dict[str, np.ndarray]:
    """``events_frame``'s columns for the executions of one replication's ``reported`` items: plain arrays,
    with codes for the categories (type, step, team, outcome)."""
    keep = _among(steps["item_id"], reported)
    if keep.all():
        keep = slice(None)  # PERF: every step is reported (no warm-up): views, not copies
    step = steps["step"][keep].astype(np.int64)
    automated = steps["automated"][keep].astype(bool)
    step_team = np.array([s.team for s in plan.steps], dtype=np.int64)
    return {"replication": np.full(step.size, replication, dtype=np.int64), "item_id": steps["item_id"][keep],
            "demand": steps["demand"][keep], "step": step,
            "team": np.where(automated, -1, step_team[step] if step.size else step),
            **{name: steps[name][keep] for name in ("queued", "started", "finished", "work", "outcome")},
            "automated": automated}


def events_frame(plan: Plan, cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per step execution (``event_columns``, replication by replication)."""
    step, work = cols["step"], cols["work"]
    reasons = [getattr(s.spec, "reason", None) if s.kind == "wait" else None for s in plan.steps]
    known = sorted({r for r in reasons if r is not None})
    reason_code = np.array([known.index(r) if r is not None else -1 for r in reasons], dtype=np.int64)
    return pd.DataFrame({
        "replication": cols["replication"],
        "item_id": cols["item_id"].astype(np.int64),
        "type": _categorical(cols["demand"], [d.type for d in plan.demands]),
        "stream": _categorical(step, [s.stream for s in plan.steps]),
        "step": _categorical(step, [s.name for s in plan.steps]),
        "activity": _categorical(step, [s.activity for s in plan.steps]),
        "team": pd.Categorical.from_codes(cols["team"], categories=list(plan.teams)),
        "queued": cols["queued"], "started": cols["started"], "finished": cols["finished"],
        "wait": cols["finished"] - cols["queued"] - work, "work": work,
        "wait_reason": pd.Categorical.from_codes(reason_code[step] if step.size else step, categories=known),
        "automated": cols["automated"],
        "outcome": _categorical(cols["outcome"], STEP_OUTCOMES),
    }, copy=False)  # PERF: fresh arrays, or views of step records that are dropped once the results are built


def teams_frame(plan: Plan, replication: int, steps: dict[str, np.ndarray]) -> pd.DataFrame:
    """Busy and queue time integrated over the reporting window from every step record.

    Utilisation is busy hours over the person-hours scheduled in the window (capacity x horizon for
    a team on duty around the clock); work paused while its people were off duty is not busy time, nor is
    the span a release's deployment adds to every item of its batch beyond the first (steps/release.py).
    """
    return teams_table(plan, team_rows(plan, replication, steps))


def team_rows(plan: Plan, replication: int, steps: dict[str, np.ndarray]) -> list[dict]:
    """``teams_frame``'s rows of one replication."""
    start, end = plan.warmup, plan.arrivals_end
    step_team = np.array([s.team for s in plan.steps], dtype=np.int64)
    step = steps["step"].astype(np.int64)
    team = np.where(steps["automated"].astype(bool), -1, step_team[step] if step.size else step)
    busy = _overlap(steps["started"], steps["finished"], start, end)
    waiting = _overlap(steps["queued"], steps["started"], start, end)
    pause_step = steps["pause_step"].astype(np.int64)
    paused_team = step_team[pause_step] if pause_step.size else pause_step
    paused = _overlap(steps["pause_since"], steps["pause_until"], start, end)
    teams = len(plan.teams)  # per team (an automated step's team is -1: counted apart, then dropped)
    busy_per_team = (np.bincount(team + 1, weights=busy, minlength=teams + 1)[1:]
                     - np.bincount(paused_team + 1, weights=paused, minlength=teams + 1)[1:])
    # Items waiting for a release train wait for the train, not for the team's people: not its queue.
    train = np.array([s.kind == "release" for s in plan.steps], dtype=bool)
    queued_team = np.where(train[step], -1, team) if step.size else team
    waiting_per_team = np.bincount(queued_team + 1, weights=waiting, minlength=teams + 1)[1:]
    if plan.groups:  # people with several skills: a team is busy with its own people's work (results/groups.py)
        for index, hours in people_busy(plan, steps).items():
            busy_per_team[index] = hours
    overtime = _overtime_hours(plan, steps, start, end)
    rows = []
    for index, name in enumerate(plan.teams):
        busy_hours = float(busy_per_team[index])
        scheduled = scheduled_hours(plan, index, start, end)
        on_duty = scheduled + overtime[index]
        rows.append({"replication": replication, "team": name, "capacity": scheduled / plan.horizon,
                     "scheduled_hours": scheduled, "utilisation": busy_hours / on_duty if on_duty else np.nan,
                     "busy_hours": busy_hours, "mean_queue_length": float(waiting_per_team[index]) / plan.horizon,
                     "overtime_hours": float(overtime[index])})
    return rows


def _overtime_hours(plan: Plan, steps: dict[str, np.ndarray], start: float, end: float) -> np.ndarray:
    """Per team: the extra people's person-hours on overtime inside the window (engine/rules.py)."""
    if "overtime_team" not in steps or not steps["overtime_team"].size:
        return np.zeros(len(plan.teams))
    hours = _overlap(steps["overtime_start"], steps["overtime_end"], start, end)
    return np.bincount(steps["overtime_team"].astype(np.int64), weights=hours, minlength=len(plan.teams))


def teams_table(plan: Plan, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["replication", "team", "capacity", "scheduled_hours", "utilisation",
                                        "busy_hours", "mean_queue_length", "overtime_hours"])
    frame["team"] = pd.Categorical(frame["team"], categories=list(plan.teams))
    return frame


def scheduled_hours(plan: Plan, team: int, start: float, end: float) -> float:
    """Person-hours a team is on duty in [start, end], following changes over time."""
    periods = [(0.0, plan), *plan.epochs]
    total = 0.0
    for (begin, period), (finish, _) in zip(periods, [*periods[1:], (float("inf"), None)]):
        a, b = max(begin, start), min(finish, end)
        if b > a:
            schedule = period.schedules[team]
            total += period.capacities[team] * (b - a) if schedule is None else schedule.person_hours(a, b)
    return total


def _overlap(begin: np.ndarray, finish: np.ndarray, start: float, end: float) -> np.ndarray:
    """Length of each interval [begin, finish] that lies inside [start, end]."""
    inside = np.minimum(finish, end)
    inside -= np.maximum(begin, start)
    return np.maximum(inside, 0.0, out=inside)
