"""What a simulation forecast, measured as a review measures a real log: per replication, and step by step.

Each replication is one independent forecast of the period (results/stats.py): the measures below are
taken per replication and the interval is the Student-t interval across them. They are measured the
way ``observed`` measures a log, so the two sides compare like with like: time-to-value of items that
realised value, SLA attainment on an elapsed clock (time-to-value against the target), completions
per week in the reported window, and the time from an item's previous logged event to each completion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..results.frames import Results
from ..scenario import Scenario
from .observed import HOURS_PER_WEEK, TIME_METRICS


def item_targets(scenario: Scenario, types: pd.Series, priorities: pd.Series) -> np.ndarray:
    """Each item's SLA target in hours (NaN where its type, or its priority, has none)."""
    keys = [(None if t is None or pd.isna(t) else str(t), None if p is None or pd.isna(p) else str(p))
            for t, p in zip(types, priorities)]
    targets = {}
    for item_type, priority in set(keys):  # PERF: one look-up per type and priority, not per item
        value = scenario.sla_target(item_type, priority) if item_type in scenario.sla else None
        targets[item_type, priority] = float(value) if isinstance(value, (int, float)) else np.nan
    return np.array([targets[key] for key in keys], dtype=float)


def per_replication(results: Results, item_type: str | None) -> pd.DataFrame:
    """Rows of replication, metric, value: TIME_METRICS, ``sla_attainment`` (elapsed clock; only where some
    item has a target) and ``throughput`` (items realising value per week in the reported window), for the
    items of ``item_type`` (every item when None)."""
    items = results.items
    scenario = results.scenario
    if item_type is not None:
        items = items[items["type"].astype(str) == item_type]
    done = items[items["outcome"].astype(str) == "done"]
    targets = item_targets(scenario, done["type"].astype(str), done["priority"].astype(object))
    done = done.assign(target=targets)
    begin, end = scenario.warmup, scenario.warmup + scenario.horizon
    rows = []
    for replication in range(results.replications):
        mine = done[done["replication"] == replication]
        hours = mine["time_to_value"].to_numpy(dtype=float)
        values = ([hours.mean(), *np.quantile(hours, [0.5, 0.85])] if hours.size else [np.nan] * 3)
        rows += [(replication, metric, float(v)) for metric, v in zip(TIME_METRICS, values)]
        has = np.isfinite(mine["target"].to_numpy())
        if np.isfinite(done["target"]).any():
            met = hours[has] <= mine["target"].to_numpy()[has]
            rows.append((replication, "sla_attainment", float(met.mean()) if met.size else np.nan))
        delivered = mine["value_realized"].between(begin, end, inclusive="left").sum()
        rows.append((replication, "throughput", float(delivered) / (scenario.horizon / HOURS_PER_WEEK)))
    return pd.DataFrame(rows, columns=["replication", "metric", "value"])


def step_labels(scenario: Scenario) -> dict[tuple[str, str], str]:
    """(stream, step) -> the activity its events carry in an exported log: the step's ``label`` (a calibrated
    step keeps the log's activity there), else its name; "" for a step that writes no event."""
    return {(stream, step.name): (step.label if step.label is not None else step.name)
            for stream, spec in scenario.streams.items() for step in spec.steps}


def simulated_gaps(results: Results) -> pd.DataFrame:
    """Per activity (step label): ``simulated_mean`` hours from the item's previous logged completion (or its
    arrival) to this step's completion, ``simulated_per_case`` completions per reported item, and the
    ``steps`` that carry the label; over every replication."""
    labels = step_labels(results.scenario)
    events = results.events
    label = pd.Series([labels.get(k, "") for k in zip(events["stream"].astype(str), events["step"].astype(str))],
                      index=events.index, dtype=object)
    keep = (label != "") & events["finished"].notna()
    logged = events.loc[keep, ["replication", "item_id", "step", "finished"]].assign(activity=label[keep])
    logged = logged.merge(results.items[["replication", "item_id", "arrived"]], on=["replication", "item_id"])
    logged = logged.sort_values(["replication", "item_id", "finished"], kind="stable")
    previous = logged.groupby(["replication", "item_id"], sort=False)["finished"].shift(1)
    logged["hours"] = logged["finished"] - previous.fillna(logged["arrived"])
    grouped = logged.groupby("activity", sort=True)
    return pd.DataFrame({"simulated_mean": grouped["hours"].mean(),
                         "simulated_per_case": grouped.size() / max(len(results.items), 1),
                         "steps": grouped["step"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))}
                        ).reset_index()
