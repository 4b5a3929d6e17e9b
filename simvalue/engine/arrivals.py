"""Arrival timing per demand type: Poisson (optionally time-varying by thinning) or renewal."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..distributions import Distribution
from .plan import DemandPlan
from .sampling import draws, uniforms

HOURS_PER_WEEK = 168


def arrival_gaps(demand: DemandPlan, rng: np.random.Generator) -> Callable[[float], float]:
    """A function ``gap(now)`` giving the time to the next arrival of ``demand`` after ``now``."""
    if demand.every is not None:
        renewal = draws(demand.every, rng)
        return lambda now: renewal()
    exponential = draws_exponential(demand.rate, rng)  # type: ignore[arg-type]
    if demand.intensity is None:
        return lambda now: exponential()
    return _thinned(demand.intensity, demand.rate, rng)  # type: ignore[arg-type]


def draws_exponential(rate: float, rng: np.random.Generator) -> Callable[[], float]:
    """Exponential gaps with the given rate per hour."""
    return draws(Distribution("exponential", (("mean", 1.0 / rate),)), rng)


def _thinned(intensity: np.ndarray, rate: float, rng: np.random.Generator) -> Callable[[float], float]:
    """Non-homogeneous Poisson arrivals by thinning (Lewis & Shedler 1979).

    Candidates come at the peak rate; one at time t is kept with probability
    intensity(t) / peak intensity, where t is read on an hour-of-week clock (Monday 00:00 = 0).
    """
    peak = float(intensity.max())
    acceptance = (intensity / peak).tolist()
    candidate = draws_exponential(rate * peak, rng)
    keep = uniforms(rng)

    def gap(now: float) -> float:
        t = now
        while True:
            t += candidate()
            if keep() < acceptance[int(t) % HOURS_PER_WEEK]:
                return t - now

    return gap
