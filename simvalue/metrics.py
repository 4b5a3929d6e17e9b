"""Headline metrics from Results: time-to-value percentiles and time per activity, with CIs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .activities import Activity
from .stats import t_interval

#: Percentiles reported for time-to-value; p85 is the common service-level forecast in flow practice.
PERCENTILES = (50, 85, 95)

#: What a headline metric is about, as columns (NA where not applicable): an item type, a type and
#: priority, a team, or a step of a stream. ``subject`` is only a label built from them for display.
SUBJECT_COLUMNS = ("type", "priority", "team", "stream", "step")

#: Every metric name ``headline`` can produce (per item type, type and priority, or team).
METRIC_NAMES = ("time_to_value_mean", *(f"time_to_value_p{q}" for q in PERCENTILES), "sla_attainment",
                "flow_efficiency", "handoffs_per_item", "rework_rate", "automation_coverage", "wip",
                "throughput", "utilisation")


def per_replication_ttv(items: pd.DataFrame) -> pd.DataFrame:
    """Per replication and item type: completed count and time-to-value mean and percentiles."""
    realised = items[items["time_to_value"].notna()]
    grouped = realised.groupby(["type", "replication"], observed=True)["time_to_value"]
    frame = grouped.agg(completed="size", time_to_value_mean="mean")
    for q in PERCENTILES:
        frame[f"time_to_value_p{q}"] = grouped.quantile(q / 100)
    return frame.reset_index()


def per_replication_activity(items: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Per replication, item type and activity: mean hours per value-realising item (wait + work)."""
    done = items[items["time_to_value"].notna()][["replication", "item_id", "type", "value_realized"]]
    events = events.merge(done, on=["replication", "item_id", "type"])
    events = events[events["finished"] <= events["value_realized"]]
    hours = (events["wait"] + events["work"]).groupby(
        [events["type"], events["replication"], events["activity"]], observed=True).sum()
    counts = done.groupby(["type", "replication"], observed=True).size().rename("items").reset_index()
    per_item = hours.rename("hours").reset_index().merge(counts, on=["type", "replication"])
    per_item["hours"] /= per_item["items"]
    return per_item[["type", "replication", "activity", "hours"]]


def per_replication_reasons(items: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Per replication, item type and wait reason: mean hours per value-realising item waiting on others."""
    done = items[items["time_to_value"].notna()][["replication", "item_id", "type", "value_realized"]]
    waits = events[events["wait_reason"].notna()].merge(done, on=["replication", "item_id", "type"])
    waits = waits[waits["finished"] <= waits["value_realized"]]
    hours = waits["wait"].groupby([waits["type"], waits["replication"], waits["wait_reason"]], observed=True).sum()
    counts = done.groupby(["type", "replication"], observed=True).size().rename("items").reset_index()
    per_item = hours.rename("hours").reset_index().merge(counts, on=["type", "replication"])
    per_item["hours"] /= per_item["items"]
    return per_item[["type", "replication", "wait_reason", "hours"]]


def per_replication_sla(items: pd.DataFrame, sla_target) -> pd.DataFrame:
    """Per replication and item type with an SLA: the share of items meeting it on its own clock."""
    rows = []
    for (item_type, replication), group in items.groupby(["type", "replication"], observed=True):
        targets = _targets(sla_target, str(item_type), group["priority"])
        has = np.isfinite(targets)
        if has.any():
            rows.append((item_type, replication, float((group["sla_time"].to_numpy()[has] <= targets[has]).mean())))
    return pd.DataFrame(rows, columns=["type", "replication", "sla_attainment"])


def summarise(items: pd.DataFrame, events: pd.DataFrame, replications: int,
              confidence: float = 0.95, sla_target=None) -> pd.DataFrame:
    """Tidy summary: type, metric, estimate, ci_low, ci_high (times in hours).

    Metrics: ``completed`` (items realising value per replication), ``time_to_value_mean``,
    ``time_to_value_p50/p85/p95``, ``sla_attainment`` (with ``sla_target``, on each SLA's clock),
    ``time_in_<activity>`` (mean hours per item spent waiting for or working in steps of that
    value-chain activity, until value is realised) and ``waiting_on_<reason>`` (mean hours per item
    in wait steps of that reason).
    """
    rows = []
    ttv = per_replication_ttv(items)
    activity = per_replication_activity(items, events)
    reasons = per_replication_reasons(items, events)
    sla = per_replication_sla(items, sla_target) if sla_target is not None else None
    index = np.arange(replications)
    for item_type in items["type"].cat.categories:
        mine = ttv[ttv["type"] == item_type].set_index("replication").reindex(index)
        mine["completed"] = mine["completed"].fillna(0)
        for metric in ["completed", "time_to_value_mean"] + [f"time_to_value_p{q}" for q in PERCENTILES]:
            rows.append((item_type, metric, *t_interval(mine[metric], confidence)))
        if sla is not None and (sla["type"] == item_type).any():
            per_rep = sla[sla["type"] == item_type].set_index("replication")["sla_attainment"].reindex(index)
            rows.append((item_type, "sla_attainment", *t_interval(per_rep, confidence)))
        for act in Activity:
            values = activity[(activity["type"] == item_type) & (activity["activity"] == act.value)]
            if len(values):
                per_rep = values.set_index("replication")["hours"].reindex(index).fillna(0.0)
                rows.append((item_type, f"time_in_{act.value}", *t_interval(per_rep, confidence)))
        mine = reasons[reasons["type"] == item_type]
        for reason in sorted(mine["wait_reason"].astype(str).unique()):
            per_rep = mine[mine["wait_reason"] == reason].set_index("replication")["hours"].reindex(index).fillna(0.0)
            rows.append((item_type, f"waiting_on_{reason}", *t_interval(per_rep, confidence)))
    return pd.DataFrame(rows, columns=["type", "metric", "estimate", "ci_low", "ci_high"])


def headline(items: pd.DataFrame, events: pd.DataFrame, teams: pd.DataFrame, flow: pd.DataFrame,
             sla_target) -> pd.DataFrame:
    """Every headline metric per replication, long form: replication, the subject columns (type,
    priority, team, stream, step; NA where not applicable), subject (a display label: ``change``,
    ``incident P1``, ``team platform``, ``step s.review``), metric, value.
    ``sla_target(type, priority)`` gives a target in hours or None.
    """
    frames = [_item_metrics(items, events, sla_target, by_priority=False)]
    if items["priority"].notna().any():
        frames.append(_item_metrics(items[items["priority"].notna()], events, sla_target, by_priority=True))
    frames.append(_activity_metrics(items, events))
    frames.append(_step_metrics(events))
    frames.append(_melt(flow.assign(type=flow["type"].astype(str)), ["wip", "throughput"]))
    frames.append(_melt(teams.assign(team=teams["team"].astype(str)), ["utilisation"]))
    long = pd.concat(frames, ignore_index=True)
    for column in SUBJECT_COLUMNS:
        long[column] = long[column].astype(object).where(long[column].notna(), None) if column in long else None
    long["subject"] = subject_labels(long)
    return long[["replication", *SUBJECT_COLUMNS, "subject", "metric", "value"]]


def subject_labels(frame: pd.DataFrame) -> pd.Series:
    """Display labels of subject columns: ``change``, ``incident P1``, ``team platform``, ``step s.review``."""
    def label(type_, priority, team, stream, step) -> str:
        if team is not None:
            return f"team {team}"
        if step is not None:
            return f"step {stream}.{step}"
        return f"{type_} {priority}" if priority is not None else str(type_)
    return pd.Series([label(*row) for row in frame[list(SUBJECT_COLUMNS)].itertuples(index=False, name=None)],
                     index=frame.index, dtype=object)


def _activity_metrics(items: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Per type and activity: hours waiting and working per value-realising item."""
    done = items[items["time_to_value"].notna()][["replication", "item_id", "type", "value_realized"]]
    joined = events.merge(done, on=["replication", "item_id", "type"])
    joined = joined[joined["finished"] <= joined["value_realized"]]
    sums = joined.groupby(["replication", "type", "activity"], observed=True)[["wait", "work"]].sum().reset_index()
    counts = done.groupby(["replication", "type"], observed=True).size().rename("n").reset_index()
    sums = sums.merge(counts, on=["replication", "type"])
    return pd.concat([
        pd.DataFrame({"replication": sums["replication"], "type": sums["type"].astype(str),
                      "metric": kind + "_in_" + sums["activity"].astype(str), "value": sums[kind] / sums["n"]})
        for kind in ("wait", "work")], ignore_index=True)


def _step_metrics(events: pd.DataFrame) -> pd.DataFrame:
    """Per step: mean hours waiting and working per execution."""
    means = events.groupby(["replication", "stream", "step"], observed=True)[["wait", "work"]].mean().reset_index()
    means = means.assign(stream=means["stream"].astype(str), step=means["step"].astype(str))
    return _melt(means, ["wait", "work"])


def _melt(frame: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    keys = ["replication", *(c for c in SUBJECT_COLUMNS if c in frame.columns)]
    return frame.melt(id_vars=keys, value_vars=metrics, var_name="metric")


def _item_metrics(items: pd.DataFrame, events: pd.DataFrame, sla_target, by_priority: bool) -> pd.DataFrame:
    keys = ["type", "priority"] if by_priority else ["type"]
    rows = []
    automated = events.groupby(["replication", "type"], observed=True)["automated"].mean()
    for key, group in items.groupby(keys + ["replication"], observed=True):
        *labels, replication = key
        item_type, priority = labels[0], labels[1] if by_priority else None
        done = group[group["time_to_value"].notna()]
        ttv = done["time_to_value"]
        values = {"time_to_value_mean": ttv.mean(), "flow_efficiency": done["work_time"].sum() / ttv.sum()
                  if ttv.sum() > 0 else np.nan, "handoffs_per_item": done["handoffs"].mean(),
                  "rework_rate": (group["reworks"] > 0).mean()}
        values.update({f"time_to_value_p{q}": ttv.quantile(q / 100) for q in PERCENTILES})
        if not by_priority:
            values["automation_coverage"] = automated.get((replication, item_type), np.nan)
        targets = _targets(sla_target, str(item_type), group["priority"])
        if np.isfinite(targets).any():
            # Each item against its own target (per priority where given); items never realising
            # value (rejected, still in flight) count as misses.
            has = np.isfinite(targets)
            values["sla_attainment"] = float((group["sla_time"].to_numpy()[has] <= targets[has]).mean())
        rows += [(replication, str(item_type), None if priority is None else str(priority), metric, float(value))
                 for metric, value in values.items()]
    return pd.DataFrame(rows, columns=["replication", "type", "priority", "metric", "value"])


def _targets(sla_target, item_type: str, priorities: pd.Series) -> np.ndarray:
    """Each item's SLA target in hours (NaN where it has none)."""
    cache: dict = {}
    out = np.empty(len(priorities))
    for i, label in enumerate(priorities.astype(object)):
        key = label if isinstance(label, str) else None
        if key not in cache:
            target = sla_target(item_type, key)
            cache[key] = np.nan if target is None else target
        out[i] = cache[key]
    return out


def step_breakdown(events: pd.DataFrame) -> pd.DataFrame:
    """Per stream and step: mean wait and work per execution, and share of all waiting.

    The bottleneck is the step holding the largest share of waiting in its stream, among steps
    whose waiting is the process's own (queues, meetings, paused work): a wait on others (a
    customer, a vendor) is never the bottleneck, whatever its length.
    """
    events = events.assign(on_others=events["wait_reason"].notna())
    grouped = events.groupby(["stream", "step", "activity"], observed=True, sort=False)
    frame = grouped.agg(executions=("work", "size"), wait=("wait", "mean"), work=("work", "mean"),
                        total_wait=("wait", "sum"), on_others=("on_others", "any")).reset_index()
    stream_wait = frame.groupby("stream", observed=True)["total_wait"].transform("sum")
    frame["wait_share"] = np.where(stream_wait > 0, frame["total_wait"] / stream_wait, 0.0)
    frame["bottleneck"] = False
    own = frame[~frame["on_others"]]
    for _, group in own.groupby("stream", observed=True):
        if group["total_wait"].max() > 0:
            frame.loc[group["total_wait"].idxmax(), "bottleneck"] = True
    return frame.drop(columns=["total_wait", "on_others"])
