"""Honest statistics across replications: each replication is one independent observation.

Confidence intervals are Student-t intervals on per-replication statistics (Law, *Simulation
Modeling and Analysis*, 5th ed., §9.4.1: the method of independent replications).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as _scipy_stats

from .errors import SimulationError


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
    half = float(_scipy_stats.t.ppf(0.5 + confidence / 2, data.size - 1) * data.std(ddof=1) / math.sqrt(data.size))
    return mean, mean - half, mean + half
