"""Headline metrics from Results: time-to-value percentiles and time per activity, with CIs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .activities import Activity
from .stats import t_interval

#: Percentiles reported for time-to-value; p85 is the common service-level forecast in flow practice.
PERCENTILES = (50, 85, 95)


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


def summarise(items: pd.DataFrame, events: pd.DataFrame, replications: int,
              confidence: float = 0.95) -> pd.DataFrame:
    """Tidy summary: type, metric, estimate, ci_low, ci_high (times in hours).

    Metrics: ``completed`` (items realising value per replication), ``time_to_value_mean``,
    ``time_to_value_p50/p85/p95`` and ``time_in_<activity>`` (mean hours per item spent waiting
    for or working in steps of that value-chain activity, until value is realised).
    """
    rows = []
    ttv = per_replication_ttv(items)
    activity = per_replication_activity(items, events)
    index = np.arange(replications)
    for item_type in items["type"].cat.categories:
        mine = ttv[ttv["type"] == item_type].set_index("replication").reindex(index)
        mine["completed"] = mine["completed"].fillna(0)
        for metric in ["completed", "time_to_value_mean"] + [f"time_to_value_p{q}" for q in PERCENTILES]:
            rows.append((item_type, metric, *t_interval(mine[metric], confidence)))
        for act in Activity:
            values = activity[(activity["type"] == item_type) & (activity["activity"] == act.value)]
            if len(values):
                per_rep = values.set_index("replication")["hours"].reindex(index).fillna(0.0)
                rows.append((item_type, f"time_in_{act.value}", *t_interval(per_rep, confidence)))
    return pd.DataFrame(rows, columns=["type", "metric", "estimate", "ci_low", "ci_high"])
