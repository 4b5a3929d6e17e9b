"""Fit what a scenario needs from an event log: durations, queue-or-wait evidence, calendars, teams, arrivals.

Durations are fitted with scipy.stats (maximum likelihood, location 0) among the spellings a
scenario accepts: exponential, lognormal, gamma, weibull, a mixture of two lognormals (EM on the
logarithms), chosen by AIC (Akaike 1974); when even the best one is far from the data (KS distance
above its 1% critical value), or when its mean misses the sample's by more than three
standard errors, an empirical quantile table is used instead. Values near
zero form an atom of their own (``mixture(p: 0h, ...)``); a near-constant sample is a fixed duration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..readable import share
from ..units import format_hours
from .names import safe_name

#: Gaps shorter than this (hours) count as "at once" (an atom at zero).
ZERO = 1.0 / 60.0
#: A sample whose middle 80% spans less than this share of its median is fixed.
NEAR_FIXED = 0.05
#: Levels of an empirical quantile table: dense, and denser in the tail, where a straight line between
#: two points of a convex (heavy-tailed) quantile function overstates the mean.
QUANTILES = tuple(round(p, 4) for p in (*np.arange(0, 0.9, 0.025), *np.arange(0.9, 0.99, 0.01), 0.99, 0.995, 0.998,
                                        0.999, 1.0))
#: A closing limit: at most this share of the cases beyond it, at least this share just below it.
CLOSING_BEYOND, CLOSING_NEAR = 0.001, 0.005
#: On-duty hours make a calendar when they cover at most this share of the week (else: around the clock).
ON_DUTY_COVER = 0.75
#: A team's calendar is kept only when, found from half of its weeks, the other half's events fall off duty at
#: most this share as often as they would if the team worked around the clock (events spread over the week):
#: a calendar of a few scattered events (a vendor's replies, a rota seen a handful of times) predicts nothing.
OFF_DUTY_DENSITY = 0.5
#: A fitted family's mean may differ from the sample mean by at most this many standard errors.
MEAN_ERRORS = 3.0
#: Nor more than this share of its mean above the sample's largest value (a lognormal of n = 170 and log-sd 2,
#: cv 7, puts about 30% there; one of log-sd 3, cv 90, 68%).
BEYOND_SEEN = 0.5
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Fit:
    """A fitted duration: its scenario spelling, its mean (hours) and how it was chosen, in words."""

    spelling: str
    mean: float
    note: str


def duration(hours: float) -> str:
    """A fitted duration as the scenario spells it for machines ('7.433d', '35min', '0h'): ``units.format_hours``
    to four significant digits, the one home of that spelling."""
    return format_hours(hours, digits=4)


def fit_duration(values: np.ndarray) -> Fit:
    """The best supported distribution for a sample of durations in hours (see the module's docstring)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return Fit("0h", 0.0, "no observations")
    zero = values < ZERO
    p0 = float(zero.mean())
    positive = values[~zero]
    if len(positive) == 0:
        return Fit("0h", 0.0, f"all {n} gaps under a minute")
    body = _fit_positive(positive)
    if p0 < 0.01:
        return Fit(body.spelling, body.mean, f"n={n}; {body.note}")
    if len(positive) < 5 or p0 > 0.99:
        return Fit("0h" if p0 > 0.5 else body.spelling, 0.0 if p0 > 0.5 else body.mean, f"n={n}; {share(p0)} at once")
    inner = body.spelling.removeprefix('"').removesuffix('"')
    if inner.startswith("mixture("):  # components of a mixture may not be mixtures: flatten
        return _atom_with_quantiles(positive, p0, n)
    p0 = round(p0, 4)   # the weights as written must sum to 1: round one and write its complement
    spelling = f"mixture({p0:.4f}: 0h, {1 - p0:.4f}: {inner})"
    return Fit(spelling, (1 - p0) * body.mean, f"n={n}; {share(p0)} within a minute, the rest: {body.note}")


def _atom_with_quantiles(positive: np.ndarray, p0: float, n: int) -> Fit:
    table = quantile_table(positive)
    p0 = round(p0, 4)
    return Fit(f"mixture({p0:.4f}: 0h, {1 - p0:.4f}: {table})", (1 - p0) * float(positive.mean()),
               f"n={n}; {share(p0)} within a minute, the rest as empirical quantiles")


def _fit_positive(x: np.ndarray) -> Fit:
    """Fixed, a parametric family by AIC, or quantiles when the best family fails KS."""
    n, mean = len(x), float(x.mean())
    p10, p50, p90 = np.quantile(x, [0.1, 0.5, 0.9])
    if n >= 3 and (p90 - p10) <= NEAR_FIXED * p50:
        return Fit(duration(p50), float(p50), f"near-fixed: 80% within {duration(p90 - p10)} of each other")
    if n < 20:
        return Fit(f"exponential(mean={duration(mean)})", mean, "few observations: exponential with their mean")
    candidates = _candidates(x)
    # A family must also carry the sample's mean (within MEAN_ERRORS standard errors): a lognormal that fits
    # the body of a heavy-tailed sample can put a mean several times the sample's in its tail, and the mean
    # is what loads a team and sums into the cycle time.
    # Nor may it make that mean of values never seen: a lognormal of cv 90 can match the sample's mean with most
    # of it beyond the largest observation, so that simulated sums come from rare, enormous draws.
    allowed = MEAN_ERRORS * float(x.std()) / np.sqrt(n)
    largest = float(x.max())
    faithful = [c for c in candidates if abs(c[4] - mean) <= allowed and c[5](largest) <= BEYOND_SEEN]
    if not faithful:
        best = min(candidates, key=lambda c: c[1])
        return Fit(quantile_table(x), mean, f"empirical quantiles (best family {best[0]} has mean "
                                            f"{duration(best[4])} against the sample's {duration(mean)}, "
                                            f"{share(best[5](largest))} of it beyond the largest observation)")
    name, aic, spelling, cdf, own_mean, _ = min(faithful, key=lambda c: c[1])
    ks = float(np.max(np.abs(cdf(np.sort(x)) - np.arange(1, n + 1) / n)))
    limit = 1.63 / np.sqrt(n)
    if ks > limit:
        return Fit(quantile_table(x), mean, f"empirical quantiles (best family {name} has KS {ks:.3f} > {limit:.3f})")
    return Fit(spelling, own_mean, f"{name} by AIC among {len(candidates)} families (KS {ks:.3f})")


def _candidates(x: np.ndarray) -> list[tuple[str, float, str, object, float, object]]:
    """(name, AIC, spelling, cdf, mean, beyond) for each family that fits; ``beyond(m)`` is the share of the
    family's mean that lies above ``m``, E[X; X > m] / E[X], in closed form."""
    from scipy import special, stats
    mean, out = float(x.mean()), []
    logs = np.log(x)
    out.append(("exponential", 2 * (1 - stats.expon.logpdf(x, scale=mean).sum()),
                f"exponential(mean={duration(mean)})", lambda v: stats.expon.cdf(v, scale=mean), mean,
                lambda m: (m / mean + 1) * math.exp(-m / mean)))
    mu, sigma = float(logs.mean()), float(logs.std()) or 1e-3
    lmean, lsd = np.exp(mu + sigma ** 2 / 2), np.exp(mu + sigma ** 2 / 2) * np.sqrt(np.expm1(sigma ** 2))
    if 0.001 <= lsd / lmean <= 100:
        out.append(("lognormal", 2 * (2 - stats.lognorm.logpdf(x, sigma, scale=np.exp(mu)).sum()),
                    f"lognormal(mean={duration(lmean)}, cv={lsd / lmean:.4g})",
                    lambda v: stats.lognorm.cdf(v, sigma, scale=np.exp(mu)), float(lmean),
                    lambda m: float(stats.norm.sf((math.log(m) - mu - sigma ** 2) / sigma))))
    for name, dist in (("gamma", stats.gamma), ("weibull", stats.weibull_min)):
        try:
            shape, _, scale = dist.fit(x, floc=0)
        except (ValueError, RuntimeError, FloatingPointError):
            continue
        aic = 2 * (2 - dist.logpdf(x, shape, scale=scale).sum())
        if not np.isfinite(aic):
            continue
        if name == "gamma" and 0.001 <= 1 / np.sqrt(shape) <= 100:
            out.append((name, aic, f"gamma(mean={duration(shape * scale)}, cv={1 / np.sqrt(shape):.4g})",
                        lambda v, a=shape, s=scale: stats.gamma.cdf(v, a, scale=s), float(shape * scale),
                        lambda m, a=shape, s=scale: float(stats.gamma.sf(m, a + 1, scale=s))))
        elif name == "weibull" and 0.1 <= shape <= 1000:
            out.append((name, aic, f"weibull(scale={duration(scale)}, shape={shape:.4g})",
                        lambda v, k=shape, s=scale: stats.weibull_min.cdf(v, k, scale=s),
                        float(scale * math.gamma(1 + 1 / shape)),
                        lambda m, k=shape, s=scale: float(special.gammaincc(1 + 1 / k, (m / s) ** k))))
    mixture = _lognormal_mixture(logs)
    if mixture is not None:
        out.append(mixture)
    return out


def _lognormal_mixture(logs: np.ndarray, rounds: int = 60) -> tuple | None:
    """Two lognormals by EM on the logarithms; None when a component collapses."""
    from scipy import stats
    w, mu, sd = 0.5, np.quantile(logs, [0.25, 0.75]), np.full(2, logs.std() or 1.0)
    for _ in range(rounds):
        a = w * stats.norm.pdf(logs, mu[0], sd[0])
        b = (1 - w) * stats.norm.pdf(logs, mu[1], sd[1])
        r = a / np.maximum(a + b, 1e-300)
        w = float(r.mean())
        if not 0.02 < w < 0.98:
            return None
        mu = np.array([np.average(logs, weights=r), np.average(logs, weights=1 - r)])
        sd = np.sqrt([np.average((logs - mu[0]) ** 2, weights=r), np.average((logs - mu[1]) ** 2, weights=1 - r)])
        if sd.min() < 1e-3:
            return None
    loglik = np.log(w * stats.norm.pdf(logs, mu[0], sd[0]) + (1 - w) * stats.norm.pdf(logs, mu[1], sd[1])).sum()
    loglik -= logs.sum()  # densities of x, not of log x
    means = np.exp(mu + sd ** 2 / 2)
    cvs = np.sqrt(np.expm1(sd ** 2))
    if not np.all((cvs >= 0.001) & (cvs <= 100)):
        return None
    w = round(w, 4)
    spelling = (f"mixture({w:.4f}: lognormal(mean={duration(means[0])}, cv={cvs[0]:.4g}), "
                f"{1 - w:.4f}: lognormal(mean={duration(means[1])}, cv={cvs[1]:.4g}))")

    def cdf(v, w=w, mu=mu, sd=sd):
        lv = np.log(np.maximum(v, 1e-300))
        return w * stats.norm.cdf(lv, mu[0], sd[0]) + (1 - w) * stats.norm.cdf(lv, mu[1], sd[1])
    total = float(w * means[0] + (1 - w) * means[1])

    def beyond(m, w=w, mu=mu, sd=sd, means=means):
        tails = stats.norm.sf((math.log(m) - mu - sd ** 2) / sd)
        return float((w * means[0] * tails[0] + (1 - w) * means[1] * tails[1]) / total)
    return ("mixture of two lognormals", 2 * 5 - 2 * loglik, spelling, cdf, total, beyond)


def quantile_table(x: np.ndarray) -> str:
    """``empirical(quantiles: {...})`` at QUANTILES of the sample (values non-decreasing)."""
    levels = list(QUANTILES)
    n = len(x)
    if n > 200:  # the top piece is linear from its level to the maximum: keep its weight near 1/n so the mean holds
        levels = [p for p in levels if p < 1 - 2.0 / n] + [1 - 2.0 / n, 1 - 1.0 / n, 1.0]
    values = np.maximum.accumulate(np.quantile(x, levels))
    points = ", ".join(f"{p:.6g}: {duration(v)}" for p, v in zip(levels, values))
    levels = sorted(set(levels))
    return f"empirical(quantiles: {{{points}}})"


# -- working time -----------------------------------------------------------------------------------
def hour_of_week(times: pd.Series) -> np.ndarray:
    """Counts of timestamps per hour of the week (Monday 00:00 first), 168 values."""
    index = times.dt.day_of_week.to_numpy() * 24 + times.dt.hour.to_numpy()
    return np.bincount(index, minlength=168).astype(float)


def on_duty_hours(counts: np.ndarray, share: float = 0.25) -> np.ndarray:
    """Hours of the week with events at least ``share`` of the average busy hour: a boolean mask of 168."""
    busy = counts[counts > 0]
    if busy.size == 0:
        return np.ones(168, dtype=bool)
    return counts >= share * float(np.mean(np.sort(busy)[len(busy) // 2:]))


def epoch_hours(moment: pd.Timestamp) -> float:
    """Hours since 1970 of a naive time: the clock of the events' ``hours``."""
    return float(moment.to_datetime64().astype("datetime64[s]").astype(np.int64)) / 3600.0


def _weeks_and_slots(times: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each time's week (counted from a Monday) and hour of the week (Monday 00:00 is 0)."""
    hours = np.floor(times.to_numpy("datetime64[s]").astype(np.int64) / 3600.0 - 96.0).astype(np.int64)  # the epoch
    return np.floor_divide(hours, 168), np.mod(hours, 168)                                                 # was a Thursday


def on_duty_weeks(times: pd.Series, share: float = 0.25) -> np.ndarray:
    """Hours of the week in which events happen in at least ``share`` as many weeks as in the most regular
    hour: a team's calendar from its own events (a quiet afternoon of a small team is still on duty)."""
    if times.empty:
        return np.ones(168, dtype=bool)
    pairs = np.unique(np.c_[_weeks_and_slots(times)], axis=0)
    weeks = np.bincount(pairs[:, 1], minlength=168).astype(float)
    return close_breaks(weeks >= share * weeks.max())


def calendar_predicts(times: pd.Series, share: float = 0.25) -> tuple[bool, float]:
    """Whether the on-duty hours found from the even weeks hold the odd weeks' events, and the reverse: the
    worse of the two off-duty shares relative to the share of the week off duty (1.0: no better than no
    calendar). Too few weeks to split says yes (the whole-log mask stands on its own)."""
    if times.empty:
        return True, 0.0
    week, slot = _weeks_and_slots(times)
    if np.unique(week).size < 4:
        return True, 0.0
    worst = 0.0
    for parity in (0, 1):
        found, other = (week % 2 == parity), (week % 2 != parity)
        mask = on_duty_weeks(times[found], share)
        if mask.mean() > ON_DUTY_COVER:
            return False, 1.0
        worst = max(worst, float((~mask[slot[other]]).mean()) / max(1.0 - float(mask.mean()), 1e-9))
    return worst <= OFF_DUTY_DENSITY, worst


def close_breaks(mask: np.ndarray, longest: int = 2) -> np.ndarray:
    """On-duty hours with breaks of at most ``longest`` hours between them on the same day filled in."""
    out = mask.copy()
    for day in range(7):
        on = np.flatnonzero(mask[day * 24:(day + 1) * 24])
        for a, b in zip(on[:-1], on[1:]):
            if 1 < b - a <= longest + 1:
                out[day * 24 + a + 1:day * 24 + b] = True
    return out


def calendar_of(mask: np.ndarray) -> dict[str, str | list[str]]:
    """A scenario calendar (day -> windows) of the on-duty hours of the week."""
    calendar: dict[str, str | list[str]] = {}
    for day in range(7):
        hours = mask[day * 24:(day + 1) * 24]
        windows, start = [], None
        for hour in range(25):
            on = hour < 24 and hours[hour]
            if on and start is None:
                start = hour
            elif not on and start is not None:
                windows.append(f"{start:02d}:00-{hour:02d}:00")
                start = None
        if windows:
            calendar[_DAYS[day]] = windows[0] if len(windows) == 1 else windows
    return calendar


def working_hours_between(start: np.ndarray, end: np.ndarray, mask: np.ndarray, origin: float,
                          holidays: np.ndarray | None = None) -> np.ndarray:
    """Hours of the mask between two times (hours since ``origin``, a Monday 00:00): a clock that stops off duty,
    and on ``holidays`` (the hours, on the same clock, at which each holiday's midnight falls) for the whole day."""
    prefix = np.r_[0.0, np.cumsum(mask.astype(float))]
    week = prefix[-1]

    def cumulative(t: np.ndarray) -> np.ndarray:
        t = t - origin
        weeks = np.floor(t / 168.0)
        within = t - weeks * 168.0
        hour = np.minimum(within.astype(int), 167)
        return weeks * week + prefix[hour] + (within - hour) * mask[hour]
    start, end = np.asarray(start, float), np.asarray(end, float)
    hours = cumulative(end) - cumulative(start)
    if holidays is None or not len(holidays):
        return hours
    days = np.sort(np.asarray(holidays, float))
    lost_before = np.r_[0.0, np.cumsum(cumulative(days + 24.0) - cumulative(days))]

    def lost(t: np.ndarray) -> np.ndarray:   # working hours the holidays take before t
        i = np.searchsorted(days, t, side="right")
        j = np.maximum(i - 1, 0)
        inside = (i > 0) & (t < days[j] + 24.0)
        return np.where(inside, lost_before[j] + cumulative(t) - cumulative(days[j]), lost_before[i])
    return hours - (lost(end) - lost(start))


#: A day is a holiday when its events number at most HOLIDAY_SHARE of the median of the same weekday in the
#: three weeks before it and of that in the three weeks after it, both holding at least HOLIDAY_EVENTS: nobody
#: worked that day, in the middle of busy weeks (not where the log starts or winds down).
HOLIDAY_SHARE, HOLIDAY_EVENTS, HOLIDAY_WEEKS = 0.1, 20, 3
#: More holidays than this share of the days is no holiday list but a log that stops and starts: none is kept.
HOLIDAY_MOST = 0.05


def holidays_of(times: pd.Series) -> list:
    """Days on which nobody worked though the same weekday around them is busy (public holidays, a closure):
    the dates, first and last day of the log excluded (they are partial)."""
    if times.empty:
        return []
    counts, first, last = _daily(times)
    span = pd.date_range(first + pd.Timedelta(days=1), last - pd.Timedelta(days=1), freq="D")
    if len(span) < 7:
        return []
    out = [day.date() for day in span if _quiet(counts, day, first, last)]
    return out if len(out) <= HOLIDAY_MOST * len(span) else []


def quiet_on(times: pd.Series, days: list) -> bool:
    """Whether ``times`` (e.g. arrivals) stop on each of ``days`` that lies inside them, as on a holiday: a
    day with events is not quiet; one whose weekday is not busy around it is left out."""
    if times.empty:
        return False
    counts, first, last = _daily(times)
    inside = [pd.Timestamp(day) for day in days if first < pd.Timestamp(day) < last]
    return bool(inside) and all(_quiet(counts, day, first, last, busy_only=False) for day in inside)


def _daily(times: pd.Series) -> tuple[pd.Series, pd.Timestamp, pd.Timestamp]:
    """Events per calendar day (every day from the first to the last), and those two days."""
    counts = times.dt.normalize().value_counts()
    first, last = counts.index.min(), counts.index.max()
    return counts.reindex(pd.date_range(first, last, freq="D"), fill_value=0), first, last


def _quiet(counts: pd.Series, day: pd.Timestamp, first: pd.Timestamp, last: pd.Timestamp,
           busy_only: bool = True) -> bool:
    """Whether ``day`` has at most HOLIDAY_SHARE of the events of the same weekday in the HOLIDAY_WEEKS around it
    (on both sides), those being busy (HOLIDAY_EVENTS) unless ``busy_only`` is off."""
    sides = [[counts[d] for d in (day + pd.Timedelta(weeks=k * sign) for k in range(1, HOLIDAY_WEEKS + 1))
              if first < d < last] for sign in (-1, 1)]
    local = min(float(np.median(side)) if side else 0.0 for side in sides)   # busy before and after it
    return (local >= HOLIDAY_EVENTS or not busy_only) and counts[day] <= HOLIDAY_SHARE * local


def clock_dependence(elapsed: np.ndarray, working: np.ndarray, slots: np.ndarray,
                     min_group: int = 20) -> tuple[float, float]:
    """How much a gap depends on when it began, measured on the clock and in working hours.

    The mean Kolmogorov-Smirnov distance (weighted by size) between the gaps that began in each slot of
    the week (weekday, on or off duty) and all of them: a gap that stops outside working hours depends
    on its start on the clock (a Friday evening start waits out the weekend) and not in working hours;
    a wait that runs on the clock is the other way round. Returns (elapsed, working).
    """
    out = []
    for values in (np.asarray(elapsed, float), np.asarray(working, float)):
        pooled, distance = np.sort(values), 0.0
        for slot in np.unique(slots):
            part = np.sort(values[slots == slot])
            if len(part) >= min_group:
                distance += len(part) / len(values) * ks_distance(part, pooled)
        out.append(distance)
    return out[0], out[1]


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic of two sorted samples."""
    grid = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, grid, "right") / len(a) - np.searchsorted(b, grid, "right") / len(b))))


# -- queueing evidence ------------------------------------------------------------------------------
def open_cases(at: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Cases open (first event at or before, last event after) at each time in ``at``."""
    return np.searchsorted(np.sort(first), at, "right") - np.searchsorted(np.sort(last), at, "right")


def load_dependence(gaps: np.ndarray, load: np.ndarray) -> tuple[float, float]:
    """Spearman's rank correlation of gaps with the open cases when they began, and its p-value."""
    from scipy import stats
    if len(gaps) < 30 or np.ptp(load) == 0 or np.ptp(gaps) == 0:
        return 0.0, 1.0
    result = stats.spearmanr(gaps, load)
    return float(result.statistic), float(result.pvalue)


# -- teams from resources ---------------------------------------------------------------------------
#: A resource "works" an activity holding at least this share of its events.
WORKS_SHARE = 0.10


def resource_groups(resources: pd.Series, activities: pd.Series) -> dict[str, str]:
    """Resource -> team: resources that work the same activities form one team, named after its only
    resource (safely) or, for a group, ``works_<activities>``."""
    table = pd.crosstab(resources.astype(str), activities.astype(str), normalize="index")
    works = {r: tuple(sorted(a for a, share in row.items() if share >= WORKS_SHARE)) for r, row in table.iterrows()}
    groups: dict[tuple, list[str]] = {}
    for resource, acts in works.items():
        groups.setdefault(acts, []).append(str(resource))
    out, used = {}, set()
    for acts, members in sorted(groups.items(), key=lambda kv: kv[1]):
        name = safe_name(members[0]) if len(members) == 1 else "works_" + "_".join(safe_name(a) for a in acts)
        while name in used:
            name += "_"
        used.add(name)
        out.update({member: name for member in members})
    return out


def concurrency(start: np.ndarray, end: np.ndarray) -> int:
    """The most intervals [start, end) open at once (busy intervals of a team's resources)."""
    if len(start) == 0:
        return 0
    times = np.r_[np.asarray(start, float), np.asarray(end, float)]
    steps = np.r_[np.ones(len(start)), -np.ones(len(end))]
    order = np.lexsort((steps, times))  # at a tie an end comes before a start
    return int(np.max(np.cumsum(steps[order])))


def active_per_hour(hours: np.ndarray, resources: np.ndarray, mask: np.ndarray, origin: float) -> int:
    """Distinct resources with an event in a typical (median) on-duty clock hour that has events."""
    slot = np.floor((np.asarray(hours, float) - origin)).astype(np.int64)
    on = mask[np.mod(slot, 168)]
    pairs = pd.DataFrame({"slot": slot[on], "resource": np.asarray(resources, object)[on]}).drop_duplicates()
    if pairs.empty:
        return 1
    return max(1, int(round(float(pairs.groupby("slot").size().median()))))


# -- arrivals ---------------------------------------------------------------------------------------
def arrival_profile(times: pd.Series) -> tuple[list[float], list[float]]:
    """Relative intensity by hour of day and by weekday (Monday first), each with mean 1."""
    by_hour = np.bincount(times.dt.hour.to_numpy(), minlength=24).astype(float)
    by_day = np.bincount(times.dt.day_of_week.to_numpy(), minlength=7).astype(float)
    return ([round(float(v), 3) for v in by_hour / by_hour.mean()],
            [round(float(v), 3) for v in by_day / by_day.mean()])


def hour_of_week_profile(times: pd.Series) -> tuple[list[float] | None, str]:
    """Relative intensity for each of the 168 hours of the week (Monday 00:00 first, mean 1) when the
    arrivals' shape differs by weekday beyond what a day profile times an hour profile explains
    (multinomial AIC: 167 free shares against 29); else None. Returns it with the evidence, in words."""
    counts = hour_of_week(times)
    n = counts.sum()
    if n == 0:
        return None, "no arrivals"
    days, hours = counts.reshape(7, 24).sum(axis=1), counts.reshape(7, 24).sum(axis=0)
    separable = np.outer(days, hours).ravel() / n ** 2

    def loglik(shares: np.ndarray) -> float:
        seen = counts > 0
        return float((counts[seen] * np.log(np.maximum(shares[seen], 1e-300))).sum())
    aic_full, aic_separable = 2 * 167 - 2 * loglik(counts / n), 2 * 29 - 2 * loglik(separable)
    words = f"AIC {aic_full:.0f} by hour of the week against {aic_separable:.0f} by hour times weekday"
    if aic_full >= aic_separable:
        return None, words
    return [round(float(v), 3) for v in counts / counts.mean()], words


def closing_limit(cycle: np.ndarray) -> tuple[float | None, str]:
    """A limit the cycle times stop at without tapering off (a closing rule: stale cases are closed),
    or None; with the evidence in words.

    The candidate is the cycle time with at most CLOSING_BEYOND of the cases (at least two) above it.
    It is a limit when the tenth of the range just below it, [0.9 c, c], holds at least
    CLOSING_NEAR of the cases (and 20) and at least half as many as the tenth below that: a heavy
    tail thins out towards its end (for a Pareto tail with index 2, the last tenth below its
    99.9th percentile holds about 0.02% of the cases), a rule's limit piles cases up against it.
    """
    values = np.sort(np.asarray(cycle, dtype=float))
    n = len(values)
    beyond = max(2, int(CLOSING_BEYOND * n))
    if n < 200:
        return None, "too few cases to tell"
    limit = float(values[n - 1 - beyond])
    if limit <= 0:
        return None, "no cycle time"
    near = int(np.sum((values >= 0.9 * limit) & (values <= limit)))
    below = int(np.sum((values >= 0.8 * limit) & (values < 0.9 * limit)))
    after = int(np.sum(values > limit))
    words = (f"{near} cases ({share(near / n, 1)}) within the last tenth below {duration(limit)}, {below} in the tenth "
             f"before, {after} beyond")
    if near >= max(20, CLOSING_NEAR * n) and near >= 0.5 * below:
        return float(math.ceil(limit)), words
    return None, words


def weekly_counts(times: pd.Series) -> pd.Series:
    """Arrivals per Monday-to-Sunday week, whole weeks only, empty weeks included."""
    weeks = times.dt.to_period("W-SUN").dt.start_time
    counts = weeks.value_counts().sort_index()
    full = pd.date_range(counts.index.min(), counts.index.max(), freq="7D")
    return counts.reindex(full, fill_value=0)


def dispersion(counts: pd.Series) -> float:
    """Gamma-Poisson over-dispersion of weekly counts, sqrt((variance - mean) / mean^2), 0 when none."""
    if len(counts) < 3 or counts.mean() <= 0:
        return 0.0
    excess = float(counts.var(ddof=1) - counts.mean())
    return float(np.sqrt(excess) / counts.mean()) if excess > 0 else 0.0


__all__ = ["Fit", "active_per_hour", "arrival_profile", "calendar_of", "calendar_predicts", "clock_dependence", "close_breaks", "concurrency", "dispersion",
           "duration", "epoch_hours", "fit_duration", "holidays_of", "hour_of_week", "ks_distance", "load_dependence", "on_duty_hours", "on_duty_weeks", "open_cases",
           "quantile_table", "quiet_on", "resource_groups", "weekly_counts", "working_hours_between"]
