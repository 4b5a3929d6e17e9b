"""Honest statistics across replications: each replication is one independent observation.

One home for the interval of a mean (``t_interval``) and for relative change (``relative_change``),
shared by ``compare``, ``rank`` and the reports.

Confidence intervals are Student-t intervals on per-replication statistics (Law, *Simulation
Modeling and Analysis*, 5th ed., §9.4.1: the method of independent replications).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import SimulationError


def t_interval(values: np.ndarray | list[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided Student-t interval of per-replication values: (mean, low, high).

    NaN values are ignored; with fewer than two values the interval is (NaN, NaN).
    """
    if not 0 < confidence < 1:
        raise SimulationError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}")
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    if data.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if data.size < 2:
        return mean, math.nan, math.nan
    from scipy import stats as _scipy_stats  # PERF: scipy.stats loads only when an interval is computed
    half = float(_scipy_stats.t.ppf(0.5 + confidence / 2, data.size - 1) * data.std(ddof=1) / math.sqrt(data.size))
    return mean, mean - half, mean + half


def relative_change(baseline: np.ndarray, variant: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Relative change and interval: the geometric mean of per-replication ratios variant / baseline,
    minus 1, from a t-interval on log ratios — it stays above -100%. Falls back to the change over
    the baseline mean when a value is zero or negative."""
    ok = np.isfinite(baseline) & np.isfinite(variant)
    b, v = baseline[ok], variant[ok]
    if b.size and (b > 0).all() and (v > 0).all():
        mean, low, high = t_interval(np.log(v / b), confidence)
        return float(np.expm1(mean)), float(np.expm1(low)), float(np.expm1(high))
    base = _finite_mean(baseline)
    change, low, high = t_interval(v - b, confidence)
    return (change / base, low / base, high / base) if base else (np.nan, np.nan, np.nan)


def _finite_mean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan
