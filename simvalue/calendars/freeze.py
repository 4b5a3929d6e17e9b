"""Change freezes: calendar windows in which no release happens, read once, and when a freeze ends.

A freeze is a list of windows, each a span of dates ``{from: "2026-12-18", to: "2027-01-04"}`` (both
days whole: from the first's midnight to the end of the last; a date and time such as
``"2026-12-18 12:00"`` is that instant) or weekly hours in a team calendar's spelling,
``{fri: "12:00-24:00", sat-sun: "00:00-24:00"}``. They are read once at load into typed values;
``FreezeClock`` places them on the simulation clock (t = 0 at the scenario's ``start``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .schedule import Schedule
from .spelling import DEFAULT_START, parse_start
from .week import Calendar

#: Windows chained end to start (a date span ending inside a weekly window) are followed at most this often.
MAX_CHAINED_WINDOWS = 10_000
_EXAMPLE = "{from: '2026-12-18', to: '2027-01-04'} or {fri: '12:00-24:00'}"


@dataclass(frozen=True, slots=True)
class DateSpan:
    """A freeze from ``start`` to ``end`` (local datetimes, end excluded), with its spelling to write back."""

    start: datetime
    end: datetime
    spelling: dict[str, str]


@dataclass(frozen=True, slots=True)
class Freeze:
    """A step's ``freeze``: its date spans and weekly windows, typed; ``spelling`` is the list as written."""

    spans: tuple[DateSpan, ...]
    weekly: tuple[Calendar, ...]
    spelling: tuple[Any, ...]

    @classmethod
    def read(cls, value: object) -> Freeze:
        """Read a list of windows; a malformed one raises ValueError naming ``[index]`` and the example."""
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence) or not value:
            raise ValueError(f"expected a list of windows such as [{_EXAMPLE}], got {value!r}")
        spans, weekly, spelling = [], [], []
        for index, entry in enumerate(value):
            if not isinstance(entry, Mapping) or not entry:
                raise ValueError(f"[{index}]: expected a window such as {_EXAMPLE}, got {entry!r}")
            if "from" in entry or "to" in entry:
                span = _span(entry, index)
                spans.append(span)
                spelling.append(span.spelling)
            else:
                try:
                    calendar = Calendar.read(dict(entry))
                except ValueError as exc:
                    raise ValueError(f"[{index}]: {str(exc).removeprefix('calendar.')} (a weekly freeze is written "
                                     "as a calendar, e.g. {fri: '12:00-24:00'})") from None
                if len(calendar.pattern.breaks) == 1:
                    raise ValueError(f"[{index}]: a weekly freeze covering the whole week would stop every release")
                weekly.append(calendar)
                spelling.append(calendar.spelling)
        return cls(tuple(spans), tuple(weekly), tuple(spelling))

    def clock(self, start: datetime = DEFAULT_START) -> FreezeClock:
        """The windows on the simulation clock, t = 0 at ``start``."""
        return FreezeClock(self, start)


def _span(entry: Mapping, index: int) -> DateSpan:
    where = f"[{index}]"
    if set(entry) != {"from", "to"}:
        raise ValueError(f"{where}: a date window has exactly the keys from and to, e.g. "
                         f"{{from: '2026-12-18', to: '2027-01-04'}}, got keys {sorted(map(str, entry))}")
    moments = {}
    for key in ("from", "to"):
        raw = entry[key]
        try:
            moments[key] = parse_start(raw)
        except ValueError:
            raise ValueError(f"{where}.{key}: expected a date such as '2026-12-18' (or a date and time "
                             f"'2026-12-18 12:00'), got {raw!r}") from None
    start, end = moments["from"], moments["to"]
    if _whole_day(entry["to"]):  # a date names the whole day: the freeze lasts to its end
        end += timedelta(days=1)
    if end <= start:
        raise ValueError(f"{where}: 'to' ({entry['to']}) must come after 'from' ({entry['from']})")
    return DateSpan(start, end, {"from": str(entry["from"]), "to": str(entry["to"])})


def _whole_day(value: object) -> bool:
    """Whether a window's end names a day (a date, or text without a time of day)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return True
    return isinstance(value, str) and len(value.strip()) == 10


class FreezeClock:
    """A freeze on the simulation clock: ``end_of(t)`` is t outside every window, else when the freeze
    holding t ends (windows that touch or overlap are one freeze)."""

    __slots__ = ("spans", "weeks")

    def __init__(self, freeze: Freeze, start: datetime) -> None:
        hours = lambda moment: (moment - start).total_seconds() / 3600  # noqa: E731
        self.spans = tuple(sorted((hours(s.start), hours(s.end)) for s in freeze.spans))
        self.weeks = tuple(Schedule(calendar.pattern, start) for calendar in freeze.weekly)

    def frozen(self, t: float) -> bool:
        """Whether t falls in a window (its start included, its end not)."""
        return self.end_of(t) > t

    def end_of(self, t: float) -> float:
        """The first instant >= t outside every window."""
        for _ in range(MAX_CHAINED_WINDOWS):
            moved = t
            for a, b in self.spans:
                if a <= moved < b:
                    moved = b
            for week in self.weeks:
                if week.headcount_at(moved) > 0:
                    thaw = next((at for at, count in week.iter_changes(moved) if count == 0), None)
                    if thaw is None:
                        raise ValueError("the freeze windows never end (together they cover the whole week)")
                    moved = thaw
            if moved == t:
                return t
            t = moved
        raise ValueError("the freeze windows never end (together they cover the whole week)")
