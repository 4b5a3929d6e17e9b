"""What a real event log shows: each case's cycle time, completions per week and the time before each activity.

The log is the tidy frame ``eventlog.read_log`` returns (``case``, ``activity``, ``timestamp`` and, when
the log has them, ``start``, ``type``, ``priority``). A case's cycle time is measured as calibrate
measures it: from its first event (its first start where the log has starts) to its last completion.
Intervals are percentile bootstraps over cases (``results.stats.bootstrap``); completions per week
resample weeks instead, since resampling cases keeps their number fixed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..results.stats import RESAMPLES, bootstrap, bootstrap_draws

#: The time-to-value statistics a review compares, in the order they are shown.
TIME_METRICS = ("time_to_value_mean", "time_to_value_p50", "time_to_value_p85")
HOURS_PER_WEEK = 168.0


def case_table(log: pd.DataFrame) -> pd.DataFrame:
    """One row per case: ``case``, ``begin`` and ``end`` (times), ``hours`` (cycle time), ``type`` and
    ``priority`` (the case's first non-empty value, or None)."""
    first = log["timestamp"]
    if "start" in log.columns:
        first = log["start"].where(log["start"].notna() & (log["start"] < first), first)
    grouped = log.assign(first=first).groupby("case", sort=True)
    table = pd.DataFrame({"begin": grouped["first"].min(), "end": grouped["timestamp"].max()})
    for role in ("type", "priority"):
        table[role] = grouped[role].first().astype(object) if role in log.columns else None
        table[role] = table[role].where(table[role].notna(), None)
    table["hours"] = (table["end"] - table["begin"]).dt.total_seconds() / 3600.0
    return table.reset_index()


def time_figures(hours: np.ndarray, resamples: int = RESAMPLES, seed: int = 0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Mean, p50 and p85 of cycle times (hours, in TIME_METRICS order), and their bootstrap draws over cases."""
    hours = np.asarray(hours, dtype=float)

    def statistic(index: np.ndarray) -> np.ndarray:
        sample = hours[index]
        return np.column_stack([sample.mean(axis=1), *np.quantile(sample, [0.5, 0.85], axis=1)])
    return bootstrap_draws(statistic, len(hours), resamples, seed)


def attainment(hours: np.ndarray, targets: np.ndarray, resamples: int = RESAMPLES, seed: int = 0
               ) -> tuple[np.ndarray, np.ndarray]:
    """Share of cases whose cycle time is within their SLA target (cases without a target left out), and
    its bootstrap draws over those cases."""
    has = np.isfinite(targets)
    met = (np.asarray(hours)[has] <= np.asarray(targets)[has]).astype(float)
    return bootstrap_draws(lambda index: met[index].mean(axis=1), len(met), resamples, seed)


def weekly_counts(cases: pd.DataFrame, subject: np.ndarray) -> np.ndarray:
    """Cases of ``subject`` (a mask over ``cases``) completed in each whole week of the log's arrivals.

    The window runs from the first case's begin to the last case's begin, cut to whole weeks: the
    weeks after arrivals stop (a log's tail, where only old cases finish) would understate the rate.
    """
    start, weeks = cases["begin"].min(), whole_weeks(cases)
    if weeks < 1:
        return np.zeros(0)
    offset = (cases.loc[subject, "end"] - start).dt.total_seconds().to_numpy() / (HOURS_PER_WEEK * 3600)
    offset = offset[(offset >= 0) & (offset < weeks)]
    return np.bincount(offset.astype(int), minlength=weeks).astype(float)


def whole_weeks(cases: pd.DataFrame) -> int:
    """Whole weeks from the first case's begin to the last's: the window ``weekly_counts`` counts in."""
    if cases.empty:
        return 0
    return int((cases["begin"].max() - cases["begin"].min()).total_seconds() // (HOURS_PER_WEEK * 3600))


def throughput(counts: np.ndarray, resamples: int = RESAMPLES, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean completions per week and its bootstrap draws over weeks (NaN without a whole week)."""
    if counts.size == 0:
        return np.array(np.nan), np.full(resamples, np.nan)
    return bootstrap_draws(lambda index: counts[index].mean(axis=1), counts.size, resamples, seed)


def activity_gaps(log: pd.DataFrame) -> pd.DataFrame:
    """Per event after a case's first: ``case``, ``activity`` and ``hours``, the time from the case's
    previous completion to this one (what a calibrated step stands for, docs/eventlogs.md)."""
    previous = log.groupby("case", sort=False)["timestamp"].shift(1)
    gaps = log.assign(hours=(log["timestamp"] - previous).dt.total_seconds() / 3600.0)
    return gaps.loc[previous.notna(), ["case", "activity", "hours"]].reset_index(drop=True)


def gap_table(log: pd.DataFrame, resamples: int = RESAMPLES, seed: int = 0, confidence: float = 0.95
              ) -> pd.DataFrame:
    """Per activity: ``real_mean`` hours before its completion with ``real_low``/``real_high`` (bootstrap over
    cases: a case's gaps go together) and ``real_per_case``, its completions per case."""
    gaps = activity_gaps(log)
    cases = pd.Index(log["case"].unique())
    if gaps.empty:
        return pd.DataFrame(columns=["activity", "real_mean", "real_low", "real_high", "real_per_case"])
    activities = pd.Index(sorted(gaps["activity"].unique()))
    row, column = cases.get_indexer(gaps["case"]), activities.get_indexer(gaps["activity"])
    sums, counts = np.zeros((len(cases), len(activities))), np.zeros((len(cases), len(activities)))
    np.add.at(sums, (row, column), gaps["hours"].to_numpy())
    np.add.at(counts, (row, column), 1.0)

    def statistic(index: np.ndarray) -> np.ndarray:
        rows, size = index.shape
        weights = np.bincount((index + size * np.arange(rows)[:, None]).ravel(), minlength=rows * size)
        weights = weights.reshape(rows, size).astype(float)  # PERF: times each case is drawn, not a 3-d gather
        with np.errstate(invalid="ignore", divide="ignore"):
            return (weights @ sums) / (weights @ counts)
    estimate, low, high = bootstrap(statistic, len(cases), resamples, seed, confidence)
    return pd.DataFrame({"activity": activities, "real_mean": estimate, "real_low": low, "real_high": high,
                         "real_per_case": counts.sum(axis=0) / len(cases)})
