"""Working time as pure arithmetic: weekly hours, shifts and holidays placed on the simulation clock.

simvalue's clock is float hours since t = 0. A scenario's ``start`` dates t = 0 in naive local
time (no time zone, no daylight saving); without it t = 0 is ``DEFAULT_START``, Monday 2024-01-01
00:00. A ``WeeklyPattern`` (week.py) is a 168-hour periodic, piecewise-constant headcount; a ``Schedule``
places one on the clock with holidays (whole local days on which nobody works) and answers "who
works at t", "when does that change", "how many working hours or person-hours lie in [a, b]" and
"when have h working hours elapsed". No simpy here: the engine, SLA clocks and exports call this.
A scenario hands over its start and holidays typed (read once, at load); text is read only when a
caller gives text.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from operator import itemgetter

import numpy as np

from .spelling import (DAY, DAY_NAMES, DEFAULT_START, WEEK, as_dates, as_datetime, parse_days, parse_holidays,
                       parse_hours, parse_start)
from .week import ShiftWindow, WeeklyPattern

#: Most ulps a change instant is moved so that ``headcount_at`` agrees with it (float rounding).
_NUDGES = 64

#: The weekly pattern and the spellings, re-exported: the scenario format reads them from here with the arithmetic.
__all__ = ["DAY", "DAY_NAMES", "DEFAULT_START", "WEEK", "Schedule", "ShiftWindow", "WeeklyPattern", "parse_days",
           "parse_holidays", "parse_hours", "parse_start"]


# -- cumulative tables ----------------------------------------------------------------------------
class _Cumulative:
    """Integral of a weekly step function from the clock's Monday 00:00, minus what holidays remove.

    ``u`` is hours from the Monday 00:00 of the start's week. Holidays are [s, s + 24) in u.
    """

    __slots__ = ("breaks", "weights", "cum", "total", "starts", "value_at_start", "value_at_end",
                 "removed_before", "_arrays")

    def __init__(self, breaks: Sequence[float], weights: Sequence[int], holiday_starts: Sequence[float]) -> None:
        self.breaks, self.weights = list(breaks), [float(w) for w in weights]
        lengths = [b - a for a, b in zip(self.breaks, (*self.breaks[1:], WEEK))]
        self.cum = [0.0]
        for weight, length in zip(self.weights, lengths):
            self.cum.append(self.cum[-1] + weight * length)
        self.total = self.cum[-1]
        self.starts = list(holiday_starts)
        self.value_at_start = [self.value(s) for s in self.starts]
        self.value_at_end = [self.value(s + DAY) for s in self.starts]
        self.removed_before = [0.0]
        for a, b in zip(self.value_at_start, self.value_at_end):
            self.removed_before.append(self.removed_before[-1] + b - a)
        self._arrays = tuple(np.asarray(x, dtype=float) for x in (
            self.breaks, self.weights, self.cum, self.starts, self.value_at_start, self.value_at_end,
            self.removed_before))

    def value(self, u: float) -> float:
        """Integral of the weekly pattern over [0, u], holidays ignored."""
        k = math.floor(u / WEEK)
        r = u - k * WEEK
        i = max(bisect_right(self.breaks, r) - 1, 0)
        return k * self.total + self.cum[i] + (r - self.breaks[i]) * self.weights[i]

    def integral(self, u: float) -> float:
        """Integral over [0, u] with holidays removed (a holiday removes min(u, its end) - its start)."""
        value = self.value(u)
        j = bisect_right(self.starts, u) - 1
        if j < 0:
            return value
        return value - self.removed_before[j] - (min(value, self.value_at_end[j]) - self.value_at_start[j])

    def integrals(self, u: np.ndarray) -> np.ndarray:
        """``integral`` for an array of u (NaN in, NaN out)."""
        breaks, weights, cum, starts, at_start, at_end, removed = self._arrays
        k = np.floor(u / WEEK)
        r = u - k * WEEK
        i = np.maximum(np.searchsorted(breaks, r, side="right") - 1, 0)
        value = k * self.total + cum[i] + (r - breaks[i]) * weights[i]
        if not len(starts):
            return value
        j = np.searchsorted(starts, u, side="right") - 1
        jj = np.maximum(j, 0)
        removed_here = removed[jj] + np.minimum(value, at_end[jj]) - at_start[jj]
        return value - np.where(j >= 0, removed_here, 0.0)

    def inverse(self, x: float) -> float:
        """The smallest u with ``value(u) == x``: where x hours of the pattern have accrued."""
        k = math.ceil(x / self.total) - 1
        rest = x - k * self.total
        if rest <= 0:
            k, rest = k - 1, rest + self.total
        elif rest > self.total:
            k, rest = k + 1, rest - self.total
        i = bisect_left(self.cum, rest) - 1  # cum[i] < rest <= cum[i + 1]: a segment with weight
        return k * WEEK + self.breaks[i] + (rest - self.cum[i]) / self.weights[i]

    def advance(self, u: float, amount: float) -> float:
        """The smallest v > u with ``integral(v) - integral(u) == amount`` (> 0), stepping over holidays."""
        starts = self.starts
        j = bisect_right(starts, u) - 1
        if j >= 0 and u < starts[j] + DAY:
            u = starts[j] + DAY
        j += 1  # the next holiday starting after u
        while True:
            v = self.inverse(self.value(u) + amount)
            if j >= len(starts) or v <= starts[j]:
                return v
            amount -= self.value(starts[j]) - self.value(u)
            if amount <= 0:
                return starts[j]
            u, j = starts[j] + DAY, j + 1


# -- the schedule on the clock --------------------------------------------------------------------
class Schedule:
    """A WeeklyPattern on the simulation clock: t hours after ``start``, with holidays at headcount 0.

    A holiday is a whole local day, midnight to midnight, whatever the pattern (it cuts the end of
    the previous night's shift; its own night shift still covers the next morning).
    """

    __slots__ = ("pattern", "start", "holidays", "_offset", "_edges_of_holidays", "_work", "_people")

    def __init__(self, pattern: WeeklyPattern, start: datetime = DEFAULT_START, holidays: Iterable[date] = ()) -> None:
        self.pattern = pattern
        self.start = as_datetime(start)
        self.holidays = as_dates(holidays)
        monday = datetime.combine(self.start.date() - timedelta(days=self.start.weekday()), time())
        self._offset = (self.start - monday).total_seconds() / 3600  # u = t + offset, u = 0 on that Monday
        starts = [(day - monday.date()).days * DAY for day in self.holidays]
        self._edges_of_holidays = sorted({edge for s in starts for edge in (s, s + DAY)})
        self._work = _Cumulative(pattern.breaks, [1 if c else 0 for c in pattern.headcounts], starts)
        self._people = _Cumulative(pattern.breaks, pattern.headcounts, starts)

    def __repr__(self) -> str:
        return f"Schedule({self.pattern!r}, start={self.start!r}, holidays={self.holidays!r})"

    def wall_clock(self, t: float) -> datetime:
        """The local date and time at t (for event-log export)."""
        return self.start + timedelta(hours=t)

    def hours_since_start(self, moment: datetime | date) -> float:
        """t for a local date and time (a date means its midnight)."""
        return (as_datetime(moment) - self.start).total_seconds() / 3600

    def headcount_at(self, t: float) -> int:
        """People on duty at t (a change at t already counts)."""
        u = t + self._offset
        j = bisect_right(self._work.starts, u) - 1
        if j >= 0 and u < self._work.starts[j] + DAY:
            return 0
        return self.pattern.headcounts[max(bisect_right(self.pattern.breaks, u % WEEK) - 1, 0)]

    def iter_changes(self, t0: float = 0.0) -> Iterator[tuple[float, int]]:
        """Each (t, new headcount) with t > t0 where the headcount changes, in order.

        Endless unless the pattern is constant (then it ends after the last holiday).
        """
        current = self.headcount_at(t0)
        for u, after in self._edges(t0 + self._offset):
            if after != current:
                current = after
                yield self._settle(u - self._offset, after), after

    def changes(self, t0: float, t1: float) -> list[tuple[float, int]]:
        """Every (t, new headcount) with t0 < t <= t1 where the headcount changes, in order."""
        out = []
        for t, headcount in self.iter_changes(t0):
            if t > t1:
                break
            out.append((t, headcount))
        return out

    def _edges(self, u0: float) -> Iterator[tuple[float, int]]:
        """Every candidate change after u0 (pattern breaks, holiday edges) with the headcount from it on."""
        holidays = ((u, None) for u in self._edges_of_holidays[bisect_right(self._edges_of_holidays, u0):])
        constant = len(self.pattern.breaks) == 1  # then only holidays change the headcount
        merged = holidays if constant else heapq.merge(self._pattern_edges(u0), holidays, key=itemgetter(0))
        previous = None
        for u, segment in merged:
            if u == previous:
                continue
            previous = u
            j = bisect_right(self._work.starts, u) - 1
            if j >= 0 and u < self._work.starts[j] + DAY:
                yield u, 0
            else:  # a holiday edge is a whole number of days, so u % WEEK is exact
                index = segment if segment is not None else bisect_right(self.pattern.breaks, u % WEEK) - 1
                yield u, self.pattern.headcounts[index]

    def _pattern_edges(self, u0: float) -> Iterator[tuple[float, int]]:
        week = math.floor(u0 / WEEK)
        while True:
            for index, b in enumerate(self.pattern.breaks):
                if week * WEEK + b > u0:
                    yield week * WEEK + b, index
            week += 1

    def _settle(self, t: float, value: int) -> float:
        """t, or the next float at which ``headcount_at`` gives ``value``: t - offset may round a change
        instant an ulp early, and the engine must see the new headcount at the instant it is told."""
        for _ in range(_NUDGES):
            if self.headcount_at(t) == value:
                break
            t = math.nextafter(t, math.inf)
        return t

    def next_working(self, t: float) -> float:
        """The first instant >= t with someone on duty."""
        if self.headcount_at(t) > 0:
            return t
        for u, after in self._edges(t + self._offset):
            if after > 0:
                return self._settle(u - self._offset, after)
        raise ValueError("the schedule never works")  # unreachable: WeeklyPattern refuses that

    def working_hours(self, a: float, b: float) -> float:
        """Hours in [a, b] with someone on duty (a business-hours clock)."""
        _check_order(a, b)
        return self._work.integral(b + self._offset) - self._work.integral(a + self._offset)

    def working_hours_array(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``working_hours`` element-wise over arrays (exact; NaN gives NaN, e.g. for unfinished items)."""
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if np.any(b < a):
            raise ValueError("every end must be at or after its start (b >= a)")
        return self._work.integrals(b + self._offset) - self._work.integrals(a + self._offset)

    def person_hours(self, a: float, b: float) -> float:
        """Scheduled person-hours in [a, b]: the integral of the headcount (utilisation's denominator)."""
        _check_order(a, b)
        return self._people.integral(b + self._offset) - self._people.integral(a + self._offset)

    def add_working_hours(self, t: float, hours: float) -> float:
        """The first instant at which ``hours`` of working time have passed since t (work paused off duty).

        E.g. Friday 16:30 plus 2 h in a Monday-Friday 09:00-17:00 calendar is Monday 10:30.
        """
        if not (math.isfinite(hours) and hours >= 0):
            raise ValueError(f"hours must be a finite number >= 0, got {hours!r}")
        if hours == 0:
            return t
        begin = self.next_working(t)  # work accrues from here; max() guards amounts below float resolution
        return max(self._work.advance(begin + self._offset, hours) - self._offset, begin)


def _check_order(a: float, b: float) -> None:
    if not b >= a:
        raise ValueError(f"the end must be at or after the start, got a={a!r}, b={b!r}")
