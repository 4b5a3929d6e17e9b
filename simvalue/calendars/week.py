"""The weekly pattern: who is on duty in a 168-hour week, added up from typed duties (calendar windows, shifts).

A ``Duty`` is one declaration read once (weekdays, a daily window, people); a ``WeeklyPattern`` is the
piecewise-constant headcount the duties of a team add up to, overlaps refused; a ``Calendar`` is a team's
``calendar`` read once: its entries typed and the week they make for one person. schedule.py places a
pattern on the clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from .spelling import (DAY_MINUTES, HOURS_EXAMPLE, WEEK, WEEK_MINUTES, DailyWindow, Weekdays, check_capacity, located,
                       read_weekdays, read_window, span_text)

#: A declared window in minutes from Monday 00:00: (start, end, capacity, entry index, label).
_Piece = tuple[int, int, int, int, str]


@dataclass(frozen=True, slots=True)
class Duty:
    """``capacity`` people on duty on ``days`` (0 = Monday) in a daily ``window`` (minutes from midnight; an
    end past 1440 runs into the next day). ``entry`` is its place in what was written (the windows of one
    calendar entry share it) and ``label`` names it in a message about an overlap."""

    days: tuple[int, ...]
    window: tuple[int, int]
    capacity: int
    entry: int
    label: str

    def pieces(self) -> list[_Piece]:
        """One piece per day, split at the week's end (Sunday night continues on Monday morning)."""
        out = []
        for day in self.days:
            start, end = day * DAY_MINUTES + self.window[0], day * DAY_MINUTES + self.window[1]
            out.append((start, min(end, WEEK_MINUTES), self.capacity, self.entry, self.label))
            if end > WEEK_MINUTES:
                out.append((0, end - WEEK_MINUTES, self.capacity, self.entry, self.label))
        return out


def shift_duty(index: int, days: Weekdays, hours: DailyWindow, capacity: int) -> Duty:
    """Shift ``index`` of a team as a duty, named as messages name it: 'shifts[1] (fri 16:00-20:00)'."""
    return Duty(days.indices, (hours.start, hours.end), capacity, index, f"shifts[{index}] ({days} {hours})")


def _refuse_overlaps(pieces: list[_Piece]) -> None:
    widest: _Piece | None = None
    for piece in sorted(pieces):
        if widest is not None and piece[0] < widest[1]:
            first, second = sorted((widest, piece), key=itemgetter(3))
            when = span_text(piece[0], min(piece[1], widest[1]))
            raise ValueError(f"{first[4]} and {second[4]} overlap on {when}")
        if widest is None or piece[1] > widest[1]:
            widest = piece


@dataclass(frozen=True, slots=True)
class ShiftWindow:
    """A stretch of constant headcount in the week, in hours from Monday 00:00 (end may pass 168)."""

    start: float
    end: float
    headcount: int

    @property
    def label(self) -> str:
        """The stretch as text, e.g. 'Mon 08:00-17:00' or 'Fri 17:00-Mon 09:00'."""
        return span_text(round(self.start * 60), round(self.end * 60))

    def __str__(self) -> str:
        return f"{self.label}: {self.headcount}"


@dataclass(frozen=True, slots=True)
class WeeklyPattern:
    """A 168-hour periodic headcount: segment i runs from ``breaks[i]`` to the next break (or 168).

    Breaks are hours from Monday 00:00, the first 0.0; equal neighbouring segments are merged.
    """

    breaks: tuple[float, ...]
    headcounts: tuple[int, ...]

    def __post_init__(self) -> None:
        breaks, counts = tuple(float(b) for b in self.breaks), tuple(self.headcounts)
        if not breaks or breaks[0] != 0.0 or breaks[-1] >= WEEK or any(b >= c for b, c in zip(breaks, breaks[1:])):
            raise ValueError(f"breaks must start at 0.0 and rise strictly below 168, got {self.breaks!r}")
        if len(counts) != len(breaks) or any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in counts):
            raise ValueError(f"expected one whole headcount >= 0 per break, got {self.headcounts!r}")
        keep = [i for i in range(len(counts)) if i == 0 or counts[i] != counts[i - 1]]
        object.__setattr__(self, "breaks", tuple(breaks[i] for i in keep))
        object.__setattr__(self, "headcounts", tuple(counts[i] for i in keep))
        if not any(counts):
            raise ValueError("the working time never works: no hour of the week has anyone on duty; "
                             "expected e.g. {'mon-fri': '09:00-17:00'}")

    @classmethod
    def from_duties(cls, duties: Sequence[Duty]) -> WeeklyPattern:
        """The headcount the duties add up to, nobody outside them; overlapping duties are refused."""
        pieces = [piece for duty in duties for piece in duty.pieces()]
        _refuse_overlaps(pieces)
        delta: defaultdict[int, int] = defaultdict(int)
        for start, end, capacity, _, _ in pieces:
            delta[start] += capacity
            delta[end] -= capacity
        breaks, counts, level = [], [], 0
        for minute in sorted(set(delta) | {0}):
            if minute < WEEK_MINUTES:
                level += delta[minute]
                breaks.append(minute / 60)
                counts.append(level)
        return cls(tuple(breaks), tuple(counts))

    @classmethod
    def from_calendar(cls, mapping: Mapping[str, str | Sequence[str]], capacity: int = 1) -> WeeklyPattern:
        """``capacity`` people during the windows of e.g. {"mon-fri": "09:00-17:00"}, nobody outside them.

        A value may list windows (["08:00-12:00", "13:00-17:00"] for a lunch break).
        """
        check_capacity(capacity, "capacity")
        return Calendar.read(mapping).pattern.times(capacity)

    @classmethod
    def from_shifts(cls, shifts: Sequence[Mapping[str, object]]) -> WeeklyPattern:
        """Shifts such as [{"days": "mon-fri", "hours": "08:00-17:00", "capacity": 2}]; gaps have nobody.

        An overnight shift covers the early hours of the next day (Sunday's covers Monday morning).
        """
        if isinstance(shifts, (str, bytes)) or not isinstance(shifts, Sequence) or not shifts:
            raise ValueError("expected a list of shifts such as [{'days': 'mon-fri', 'hours': '08:00-17:00', "
                             f"'capacity': 2}}], got {shifts!r}")
        duties = []
        for index, shift in enumerate(shifts):
            where = f"shifts[{index}]"
            if not isinstance(shift, Mapping) or set(shift) != {"days", "hours", "capacity"}:
                raise ValueError(f"{where}: expected keys days, hours and capacity, got {shift!r}")
            days = located(f"{where}.days", read_weekdays, shift["days"])
            hours = located(f"{where}.hours", read_window, shift["hours"])
            duties.append(shift_duty(index, days, hours, check_capacity(shift["capacity"], f"{where}.capacity")))
        return cls.from_duties(duties)

    @classmethod
    def always(cls, capacity: int) -> WeeklyPattern:
        """``capacity`` people around the clock (today's teams)."""
        return cls((0.0,), (check_capacity(capacity, "capacity"),))

    def times(self, people: int) -> WeeklyPattern:
        """This pattern with ``people`` times the headcount (a calendar's week for one person, for a team)."""
        return WeeklyPattern(self.breaks, tuple(count * people for count in self.headcounts))

    def _lengths(self) -> list[float]:
        return [b - a for a, b in zip(self.breaks, (*self.breaks[1:], WEEK))]

    @property
    def person_hours_per_week(self) -> float:
        """Scheduled person-hours in one week (the utilisation denominator per week)."""
        return sum(c * length for c, length in zip(self.headcounts, self._lengths()))

    @property
    def working_hours_per_week(self) -> float:
        """Hours per week with at least one person on duty."""
        return sum(length for c, length in zip(self.headcounts, self._lengths()) if c)

    @property
    def average_headcount(self) -> float:
        """Person-hours per week / 168: the capacity a 24/7 team would need for the same hours."""
        return self.person_hours_per_week / WEEK

    @property
    def peak_headcount(self) -> int:
        """The most people on duty at once."""
        return max(self.headcounts)

    def shifts_summary(self) -> list[ShiftWindow]:
        """Every stretch of constant headcount (zero included), a stretch over Sunday midnight joined."""
        ends = (*self.breaks[1:], WEEK)
        windows = [ShiftWindow(a, b, c) for a, b, c in zip(self.breaks, ends, self.headcounts)]
        if len(windows) > 1 and windows[0].headcount == windows[-1].headcount:
            last = windows.pop()
            windows[0] = ShiftWindow(last.start, WEEK + windows[0].end, last.headcount)
            windows.append(windows.pop(0))
        return windows


#: A calendar entry's hours: one window, or a list of them (written back as written).
EntryHours = DailyWindow | tuple[DailyWindow, ...]


@dataclass(frozen=True, slots=True)
class Calendar:
    """A team's ``calendar`` read once: each entry's weekdays and window(s), typed, and the week they make
    with one person on duty (a team's weekly pattern is that times its capacity)."""

    entries: tuple[tuple[Weekdays, EntryHours], ...]
    pattern: WeeklyPattern

    @classmethod
    def read(cls, mapping: object) -> Calendar:
        """Read e.g. {"mon-fri": "09:00-17:00"} (a value may list windows); errors name ``calendar.<days>``."""
        if not isinstance(mapping, Mapping):
            raise ValueError(f"expected a calendar such as {{'mon-fri': '09:00-17:00'}}, got {mapping!r}")
        entries: list[tuple[Weekdays, EntryHours]] = []
        duties: list[Duty] = []
        for index, (key, value) in enumerate(mapping.items()):
            where = f"calendar.{key}"
            days = located(where, read_weekdays, key)
            listed = isinstance(value, (list, tuple))
            if listed and not value:
                raise ValueError(f"{where}: expected hours such as {HOURS_EXAMPLE} or a list of them, got []")
            windows = tuple(located(where, read_window, text) for text in (value if listed else [value]))
            entries.append((days, windows if listed else windows[0]))
            duties += [Duty(days.indices, (w.start, w.end), 1, index, f"{where} {w.spelling!r}" if listed else where)
                       for w in windows]
        return cls(tuple(entries), WeeklyPattern.from_duties(duties))

    @property
    def spelling(self) -> dict[str, str | list[str]]:
        """The calendar as written: {"mon-fri": "09:00-17:00", "sat": ["10:00-12:00", "13:00-15:00"]}."""
        return {days.spelling: [w.spelling for w in hours] if isinstance(hours, tuple) else hours.spelling
                for days, hours in self.entries}
