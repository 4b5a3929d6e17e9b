"""Arrival timing per demand type: Poisson (optionally time-varying by thinning) or renewal."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

import numpy as np

from ..distributions import Distribution
from .plan import DemandPlan
from ..kernel.sampling import draws, uniforms

HOURS_PER_WEEK = 168


def arrival_gaps(demand: DemandPlan, rng: np.random.Generator, until: float = float("inf"),
                 clock: Callable[[], float] = lambda: 0.0) -> Callable[[], float]:
    """A function ``gap()`` giving the time to the next arrival of ``demand`` after now (``clock()``);
    any gap reaching past ``until`` (the end of arrivals) means no more arrivals. PERF: a renewal or
    homogeneous Poisson process never reads the clock, and its gap is a draw function itself."""
    if demand.every is not None:
        return draws(demand.every, rng)
    if demand.dispersion or demand.holidays:
        general = _general(demand, rng, until)
        return lambda: general(clock())
    if demand.intensity is None:
        return draws_exponential(demand.rate, rng)  # type: ignore[arg-type]
    thinned = _thinned(demand.intensity, demand.rate, rng, demand.week_offset)  # type: ignore[arg-type]
    return lambda: thinned(clock())


def arrival_key(demand: DemandPlan) -> tuple:
    """What defines a type's arrival process: equal keys, same process (a change left it alone)."""
    intensity = None if demand.intensity is None else demand.intensity.tobytes()
    return demand.rate, demand.every, intensity, demand.week_offset, demand.dispersion, demand.holidays


def draws_exponential(rate: float, rng: np.random.Generator) -> Callable[[], float]:
    """Exponential gaps with the given rate per hour."""
    return draws(Distribution("exponential", (("mean", 1.0 / rate),)), rng)


def _thinned(intensity: np.ndarray, rate: float, rng: np.random.Generator,
             offset: float = 0.0) -> Callable[[float], float]:
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
            if keep() < acceptance[int(t + offset) % HOURS_PER_WEEK]:
                return t - now

    return gap


def _general(demand: DemandPlan, rng: np.random.Generator, until: float) -> Callable[[float], float]:
    """Poisson arrivals with a gamma-distributed factor per week (over-dispersion), a profile and
    no arrivals on holidays, by thinning with a restart at each week boundary (the process is
    memoryless, so a candidate past the boundary is drawn again from the boundary at the new rate).

    Week k's factor has mean 1 and cv ``dispersion``: weekly counts are negative binomial, with
    variance m + (cv m)^2 for mean m, as in a gamma-mixed Poisson (Greenwood & Yule 1920).
    """
    intensity = demand.intensity if demand.intensity is not None else np.ones(HOURS_PER_WEEK)
    peak = float(intensity.max())
    acceptance = (intensity / peak).tolist()
    unit = draws(Distribution("exponential", (("mean", 1.0),)), rng)
    keep = uniforms(rng)
    cv2 = demand.dispersion ** 2
    factors: list[float] = []

    def factor(week: int) -> float:
        while len(factors) <= week:  # drawn in week order: reproducible whatever the queries
            factors.append(float(rng.gamma(1.0 / cv2, cv2)) if cv2 else 1.0)
        return factors[week]

    on_holiday, offset, rate = holiday_test(demand.holidays), demand.week_offset, demand.rate * peak

    def gap(now: float) -> float:
        t = now
        while t < until:  # weeks with (almost) no arrivals are skipped to the end, not for ever
            week = int((t + offset) // HOURS_PER_WEEK)
            boundary = (week + 1) * HOURS_PER_WEEK - offset
            level = rate * factor(week)
            candidate = t + unit() / level if level > 0 else boundary
            if candidate >= boundary:
                t = boundary
                continue
            t = candidate
            if keep() < acceptance[int(t + offset) % HOURS_PER_WEEK] and not on_holiday(t):
                return t - now
        return t - now

    return gap


def holiday_test(holidays: tuple[tuple[float, float], ...]) -> Callable[[float], bool]:
    """Whether an hour lies in one of the ``[start, end)`` intervals: a bisection over them merged and
    sorted (PERF: every kept arrival candidate asks; a scan of years of holidays cost a tenth of a run)."""
    starts: list[float] = []
    ends: list[float] = []
    for start, end in sorted(holidays):
        if ends and start <= ends[-1]:  # overlapping or touching: one interval
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)

    def on_holiday(t: float) -> bool:
        i = bisect_right(starts, t) - 1
        return i >= 0 and t < ends[i]
    return on_holiday
