"""The best and the worst point of a sweep for each metric: what a reader looks for first.

Each metric is averaged over replications at every point (infeasible points, without figures, are
left out), then the point with the best mean and the one with the worst are kept. Better is lower
for times, work in progress, handoffs and rework, higher for SLA attainment, flow efficiency,
throughput and automation coverage; utilisation has no better side, so its lowest and highest
points are given. Rows are ordered by how far the metric moves across the design (the spread of the
point means over their mean), largest first: the metrics the parameters matter most for lead.
"""

from __future__ import annotations

import math

import pandas as pd

#: Metrics (the part of a column after its subject) whose lower values are better; higher for the rest
#: of BETTER's keys, none for those in NEITHER.
LOWER_BETTER = ("time_to_value", "wip", "handoffs_per_item", "rework_rate")
HIGHER_BETTER = ("sla_attainment", "flow_efficiency", "throughput", "automation_coverage")
NEITHER = ("utilisation",)

#: Columns of a sweep frame that are neither parameters nor metrics.
BOOKKEEPING = ("point", "replication", "in_flight_items", "infeasible")


def better(column: str) -> str:
    """'lower', 'higher' or '' (neither) for a metric column such as ``normal_change.time_to_value_p85``."""
    metric = column.rsplit(".", 1)[-1]
    if metric.startswith(LOWER_BETTER):
        return "lower"
    if metric.startswith(HIGHER_BETTER):
        return "higher"
    return ""


def metric_columns(frame: pd.DataFrame, parameters: list[str]) -> list[str]:
    """The metric columns of a sweep frame, in their order."""
    return [c for c in frame.columns if c not in BOOKKEEPING and c not in parameters]


def extremes(frame: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """Per metric column: better ('lower', 'higher' or ''), the best and worst point (for a metric with
    no better side, the lowest and highest) with their means over replications, and the spread.

    Columns: metric, better, best_point, best, worst_point, worst, spread (max - min of the point
    means over the absolute mean of them; NaN when that mean is 0). Metrics with no figure at any
    point are left out; rows go by spread, largest first."""
    rows = []
    for column in metric_columns(frame, parameters):
        means = frame.groupby("point")[column].mean().dropna()
        if means.empty:
            continue
        side = better(column)
        best_point = means.idxmax() if side == "higher" else means.idxmin()
        worst_point = means.idxmin() if side == "higher" else means.idxmax()
        centre = abs(float(means.mean()))
        spread = (float(means.max() - means.min()) / centre) if centre else math.nan
        rows.append((column, side, int(best_point), float(means[best_point]), int(worst_point),
                     float(means[worst_point]), spread))
    table = pd.DataFrame(rows, columns=["metric", "better", "best_point", "best", "worst_point", "worst", "spread"])
    order = table["spread"].fillna(-1.0).sort_values(ascending=False, kind="stable").index
    return table.loc[order].reset_index(drop=True)


def point_values(frame: pd.DataFrame, parameters: list[str]) -> dict[int, dict[str, object]]:
    """Point -> its parameter values, from the first row of each point."""
    first = frame.drop_duplicates("point").set_index("point")
    return {int(point): {p: first.loc[point, p] for p in parameters} for point in first.index}


__all__ = ["better", "extremes", "metric_columns", "point_values"]
