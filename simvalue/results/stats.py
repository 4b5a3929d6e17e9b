"""Honest statistics across replications: each replication is one independent observation.

One home for the interval of a mean (``t_interval``), for relative change (``relative_change``) and for
the percentile bootstrap over the cases of a real log (``bootstrap``), shared by ``compare``, ``rank``,
``review`` and the reports.

Confidence intervals are Student-t intervals on per-replication statistics (Law, *Simulation
Modeling and Analysis*, 5th ed., §9.4.1: the method of independent replications).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

from ..errors import SimulationError
from ..rng import fixed

#: Resamples of ``bootstrap`` unless told: enough for 2.5% and 97.5% percentiles to settle (Efron &
#: Tibshirani 1993, §13.3 ask for 1,000 or more for a percentile interval).
RESAMPLES = 2000


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


def bootstrap(statistic: Callable[[np.ndarray], np.ndarray], size: int, resamples: int = RESAMPLES, seed: int = 0,
              confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile bootstrap over ``size`` independent units (a log's cases, or its weeks): (estimate, low, high).

    ``statistic`` maps an array of unit indices, shape (b, size), to one value per row (b,) or several
    (b, k); see ``bootstrap_draws``. The interval is the percentiles of the resampled statistics
    (Efron & Tibshirani 1993, ch. 13): the same seed gives the same interval.
    """
    estimate, draws = bootstrap_draws(statistic, size, resamples, seed)
    low, high = percentile_interval(draws, confidence)
    return estimate, low, high


def bootstrap_draws(statistic: Callable[[np.ndarray], np.ndarray], size: int, resamples: int = RESAMPLES,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The statistic of the sample itself and of ``resamples`` resamples of its ``size`` units drawn with
    replacement from ``rng.fixed(seed)``: (estimate, draws of shape (resamples, ...)). Kept apart from the
    interval so that two samples' draws can be combined (the change from a before-log to an after-log)."""
    if size < 1 or resamples < 1:
        raise SimulationError(f"a bootstrap needs at least one unit and one resample, got {size} and {resamples}")
    estimate = np.asarray(statistic(np.arange(size)[None, :]), dtype=float)[0]
    rng, rows = fixed(seed), max(1, 4_000_000 // size)  # PERF: resample in chunks of ~4M indices (32 MB)
    draws = [np.asarray(statistic(rng.integers(0, size, (min(rows, resamples - done), size))), dtype=float)
             for done in range(0, resamples, rows)]
    return estimate, np.concatenate(draws)


def percentile_interval(draws: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The two-sided percentile interval of bootstrap draws along their first axis; a draw that is NaN (a
    resample lacking what the statistic needs) is left out, and an all-NaN column gives NaN bounds."""
    if not 0 < confidence < 1:
        raise SimulationError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}")
    tail = (1 - confidence) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(np.asarray(draws, dtype=float), [tail, 1 - tail], axis=0)
    return low, high
