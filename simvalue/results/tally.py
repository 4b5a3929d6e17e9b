"""Sums per replication that every headline metric is a ratio of: one home for the statistics of a run,
whether it kept every event or streamed them.

``tally(items, events, sla_target)`` reduces item and event rows to small tables of counts and sums
(per type, per type and priority, per activity, per wait reason, per step). Sums add up: a run that
keeps no rows (``record="summary"``, ``record="items"``) tallies each chunk of finished items as it
goes and adds the tallies (``Tally.merge``), and gets the same numbers as a run that kept every row.
Percentiles are the exception: exact from the rows when they are kept, else from a mergeable sketch
(sketch.py). ``metrics.py`` turns a tally into the metrics and their intervals.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .sketch import QuantileSketch

#: Time-to-value percentiles reported; p85 is the common service-level forecast in flow practice.
PERCENTILES = (50, 85, 95)
#: Sums per (replication, type[, priority]) over the reported items.
GROUP_SUMS = ("items", "done", "ttv", "work", "handoffs", "reworked", "sla_items", "sla_met", "in_flight",
              "abandoned", "abandon_time")
GROUP_KEYS = ["replication", "type", "priority"]
ACTIVITY_KEYS = ["replication", "type", "activity"]
REASON_KEYS = ["replication", "type", "wait_reason"]
EXECUTION_KEYS = ["replication", "type"]
STEP_KEYS = ["replication", "stream", "step", "activity"]
QUANTILE_COLUMNS = [f"p{q}" for q in PERCENTILES]
#: The percentile of the time to abandon reported (beside its mean), its quantile column, and the last key of
#: its sketches (a run that keeps no rows).
ABANDON_PERCENTILE = 85
ABANDON_COLUMN, ABANDON = "abandon_p85", "abandon"


@dataclass
class Tally:
    """The sums of one or more replications (priority ``""`` is the whole type):

    ``groups``: replication, type, priority, items (reported), done (realised value), ttv, work and
    handoffs (summed over done items), reworked (items re-entering a step), sla_items (items with a
    target), sla_met, in_flight, abandoned (callers who gave up for good) and abandon_time (their hours
    from arrival to giving up, summed). ``activity``: replication, type, activity, wait, work (hours before
    value, over done items). ``reasons``: replication, type, wait_reason, wait (the same, waits on
    others). ``executions``: replication, type, executions, automated. ``steps``: replication,
    stream, step, activity, executions, wait, work, on_others (executions of wait steps).
    ``quantiles``: replication, type, priority, p50, p85, p95 of time-to-value (exact or sketched), and
    abandon_p85, the 85th percentile of the time to abandon (NaN where nobody gave up).
    """

    types: list[str]
    groups: pd.DataFrame
    activity: pd.DataFrame
    reasons: pd.DataFrame
    executions: pd.DataFrame
    steps: pd.DataFrame
    quantiles: pd.DataFrame = field(default_factory=lambda: no_quantiles())

    @classmethod
    def merge(cls, parts: list["Tally"], quantiles: pd.DataFrame | None = None) -> "Tally":
        """The tally of all ``parts`` (chunks of the same or other replications): sums added by key."""
        def add(frames: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
            frame = pd.concat(frames, ignore_index=True)
            return frame.groupby(keys, sort=True, observed=True).sum().reset_index() if len(frame) else frame
        return cls(parts[0].types, add([p.groups for p in parts], GROUP_KEYS),
                   add([p.activity for p in parts], ACTIVITY_KEYS), add([p.reasons for p in parts], REASON_KEYS),
                   add([p.executions for p in parts], EXECUTION_KEYS), add([p.steps for p in parts], STEP_KEYS),
                   quantiles if quantiles is not None else parts[0].quantiles)


def tally(items: pd.DataFrame, events: pd.DataFrame, sla_target, exact_quantiles: bool = True,
          abandoned_excluded: Collection[str] = ()) -> Tally:
    """The sums of these items and events (events of other items are ignored); with
    ``exact_quantiles`` the time-to-value percentiles of the items as well. An abandoned item counts
    as an SLA miss, except for the types in ``abandoned_excluded`` (``abandoned: excluded``)."""
    types = [str(t) for t in items["type"].cat.categories]
    item_type = items["type"].astype(str).to_numpy()
    priority = items["priority"].astype(object).where(items["priority"].notna(), "").to_numpy()
    ttv = items["time_to_value"].to_numpy(dtype=float)
    done = ~np.isnan(ttv)
    targets = _targets(sla_target, item_type, priority)
    abandoned = (items["outcome"] == "abandoned").to_numpy()
    if len(abandoned_excluded):
        targets[abandoned & np.isin(item_type, list(abandoned_excluded))] = np.nan
    has_target = np.isfinite(targets)
    rows = pd.DataFrame({
        "replication": items["replication"].to_numpy(), "type": item_type, "priority": priority,
        "items": 1, "done": done.astype(np.int64), "ttv": np.where(done, ttv, 0.0),
        "work": np.where(done, items["work_time"].to_numpy(dtype=float), 0.0),
        "handoffs": np.where(done, items["handoffs"].to_numpy(), 0),
        "reworked": (items["reworks"].to_numpy() > 0).astype(np.int64), "sla_items": has_target.astype(np.int64),
        # an item that never realised value (rejected, in flight) has a NaN time: a miss
        "sla_met": (has_target & (items["sla_time"].to_numpy(dtype=float) <= targets)).astype(np.int64),
        "in_flight": (items["outcome"] == "in_flight").to_numpy().astype(np.int64),
        "abandoned": abandoned.astype(np.int64),
        "abandon_time": np.where(abandoned, items["completed"].to_numpy(dtype=float)
                                 - items["arrived"].to_numpy(dtype=float), 0.0)})
    groups = pd.concat([rows.assign(priority=""), rows[rows["priority"] != ""]], ignore_index=True)
    groups = groups.groupby(GROUP_KEYS, sort=True).sum().reset_index()
    before_value, reported = _events_before_value(items, events)
    activity = before_value.groupby(["replication", "type", "activity"], observed=True)[["wait", "work"]].sum()
    waits = before_value[before_value["wait_reason"].notna()]
    reasons = waits.groupby(["replication", "type", "wait_reason"], observed=True)[["wait"]].sum()
    executions = reported.groupby(["replication", "type"], observed=True)["automated"].agg(["size", "sum"])
    executions = executions.rename(columns={"size": "executions", "sum": "automated"})
    steps = reported.assign(on_others=reported["wait_reason"].notna()).groupby(
        ["replication", "stream", "step", "activity"], observed=True).agg(
        executions=("work", "size"), wait=("wait", "sum"), work=("work", "sum"), on_others=("on_others", "sum"))
    return Tally(types, groups, _plain(activity), _plain(reasons), _plain(executions), _plain(steps),
                 item_quantiles(items) if exact_quantiles else no_quantiles())


def no_quantiles() -> pd.DataFrame:
    """An empty ``Tally.quantiles``: percentiles still to come (from a sketch)."""
    return _quantile_frame([])


def item_quantiles(items: pd.DataFrame) -> pd.DataFrame:
    """The exact time-to-value percentiles of every type and (type, priority), per replication, and the 85th
    percentile of the time to abandon (arrival to giving up) where callers gave up."""
    done = _quantile_frame([(*key, *np.quantile(values, [q / 100 for q in PERCENTILES]).tolist())
                            for key, values in _groups(items)])
    return _with_abandon(done, [(*key, float(np.quantile(values, ABANDON_PERCENTILE / 100)))
                                for key, values in _groups(items, abandoned=True)])


def sketch_quantiles(sketches: dict[tuple, QuantileSketch]) -> pd.DataFrame:
    """The percentiles of each group's sketch, as ``Tally.quantiles`` (keys ending in ``ABANDON``: the time to
    abandon's)."""
    done = _quantile_frame([(*key, *(sketch.quantile(q / 100) for q in PERCENTILES))
                            for key, sketch in sorted(sketches.items()) if key[-1] != ABANDON])
    return _with_abandon(done, [(*key[:-1], sketch.quantile(ABANDON_PERCENTILE / 100))
                                for key, sketch in sorted(sketches.items()) if key[-1] == ABANDON])


def _quantile_frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=GROUP_KEYS + QUANTILE_COLUMNS)
    frame = frame.astype({"replication": np.int64, "type": object, "priority": object,
                          **dict.fromkeys(QUANTILE_COLUMNS, float)})
    return frame.assign(**{ABANDON_COLUMN: np.nan})


def _with_abandon(done: pd.DataFrame, rows: list[tuple]) -> pd.DataFrame:
    """The quantile frame ``done`` with the time-to-abandon percentile of ``rows`` (key, value) in its column."""
    if not rows:
        return done
    abandon = pd.DataFrame(rows, columns=GROUP_KEYS + [ABANDON_COLUMN]).astype(
        {"replication": np.int64, "type": object, "priority": object, ABANDON_COLUMN: float})
    return done.drop(columns=ABANDON_COLUMN).merge(abandon, on=GROUP_KEYS, how="outer")


def add_to_sketches(sketches: dict[tuple, QuantileSketch], items: pd.DataFrame) -> None:
    """Count the times-to-value of ``items`` into the sketch of each of their groups (and the times to abandon
    into each group's ``ABANDON`` sketch)."""
    for key, values in _groups(items):
        sketches.setdefault(key, QuantileSketch()).add(values)
    for key, values in _groups(items, abandoned=True):
        sketches.setdefault((*key, ABANDON), QuantileSketch()).add(values)


def _groups(items: pd.DataFrame, abandoned: bool = False) -> list[tuple[tuple, np.ndarray]]:
    """((replication, type, priority), times-to-value of the done items) for every type and (type, priority)
    with done items; with ``abandoned``, the times from arrival to giving up of the abandoned items instead.
    PERF: segments of one sort by category codes, not a pandas group-by."""
    if abandoned:
        done = (items["outcome"] == "abandoned").to_numpy()
        ttv = items["completed"].to_numpy(dtype=float) - items["arrived"].to_numpy(dtype=float)
    else:
        ttv = items["time_to_value"].to_numpy(dtype=float)
        done = ~np.isnan(ttv)
    replication = items["replication"].to_numpy()[done]
    kind, priority = items["type"].cat.codes.to_numpy()[done], items["priority"].cat.codes.to_numpy()[done]
    types, priorities = [str(t) for t in items["type"].cat.categories], [str(p) for p in items["priority"].cat.categories]
    ttv = ttv[done]
    out = [((int(r), types[t], ""), values) for (r, t), values in _segments([replication, kind], ttv)]
    labelled = priority >= 0
    out += [((int(r), types[t], priorities[p]), values)
            for (r, t, p), values in _segments([replication[labelled], kind[labelled], priority[labelled]],
                                               ttv[labelled])]
    return out


def _segments(keys: list[np.ndarray], values: np.ndarray) -> list[tuple[tuple, np.ndarray]]:
    """(key values, values) for each run of equal keys once sorted by them (the first key first)."""
    if values.size == 0:
        return []
    order = np.lexsort(keys[::-1])
    keys, values = [k[order] for k in keys], values[order]
    change = np.zeros(values.size, dtype=bool)
    change[0] = True
    for key in keys:
        change[1:] |= key[1:] != key[:-1]
    starts = np.flatnonzero(change)
    return [(tuple(key[start] for key in keys), values[start:end])
            for start, end in zip(starts, [*starts[1:], values.size])]


def _events_before_value(items: pd.DataFrame, events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events of done items up to their value, every event of these items), each with the item's
    ``value_realized``. PERF: items found by a sorted (replication, item_id) key, not a merge."""
    item_ids, event_ids = items["item_id"].to_numpy(dtype=np.int64), events["item_id"].to_numpy(dtype=np.int64)
    if item_ids.size == 0 or event_ids.size == 0:
        reported = events.iloc[:0].assign(value_realized=np.empty(0))
        return reported, reported
    span = int(max(item_ids.max(), event_ids.max())) + 1
    item_keys = items["replication"].to_numpy(dtype=np.int64) * span + item_ids
    event_keys = events["replication"].to_numpy(dtype=np.int64) * span + event_ids
    order = np.argsort(item_keys, kind="stable")
    position = np.minimum(np.searchsorted(item_keys[order], event_keys), item_keys.size - 1)
    found = item_keys[order][position] == event_keys
    value = items["value_realized"].to_numpy(dtype=float)[order][position]
    reported = events[found].assign(value_realized=value[found])
    before = reported[reported["value_realized"].notna() & (reported["finished"] <= reported["value_realized"])]
    return before, reported


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A grouped frame with its keys as columns. They stay categorical (the plan's order: flow order for
    steps), and tallies of the same plan share the categories, so their rows add up by key."""
    return frame.reset_index()


def _targets(sla_target, item_type: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Each item's SLA target in hours (NaN where it has none)."""
    out = np.full(item_type.size, np.nan)
    if sla_target is None or item_type.size == 0:
        return out
    pairs = pd.DataFrame({"type": item_type, "priority": priority})
    for (type_, label), index in pairs.groupby(["type", "priority"], sort=False).indices.items():
        target = sla_target(type_, label or None)
        if target is not None:
            out[index] = target
    return out
