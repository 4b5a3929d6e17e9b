"""How working time is written: weekdays, hour windows, start dates and holidays, read and spelled.

The scenario format's spellings ("mon-fri", "09:00-17:00", "2026-01-05 08:00", "2026-12-25") are
parsed here into numbers (weekday indices, minutes from midnight, datetimes), with messages that
say where a value sits and what was expected; ``calendars`` does the arithmetic with them. The
scenario reads each spelling once, at load, into a typed value (``Weekdays``, ``DailyWindow``, a
datetime, dates) that keeps its text for writing the file back; nothing later parses it again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TypeVar

from ..limits import MAX_CAPACITY

#: t = 0 when a scenario gives no ``start``: a Monday at midnight, as arrival profiles assume.
DEFAULT_START = datetime(2024, 1, 1, 0, 0)
WEEK = 168.0
DAY = 24.0
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_INDEX = {name: i for names in (DAY_NAMES, _FULL_NAMES) for i, name in enumerate(names)}
DAY_MINUTES, WEEK_MINUTES = 1440, 10080
_START_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
HOURS_EXAMPLE = '"09:00-17:00"'
_T = TypeVar("_T")


# -- typed values, read once -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Weekdays:
    """Weekdays as written ("mon-fri"), read once: ``indices`` are 0 = Monday, sorted."""

    indices: tuple[int, ...]
    spelling: str

    def __str__(self) -> str:
        return self.spelling


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """A daily window as written ("17:00-08:00"), read once: ``start`` and ``end`` in minutes from midnight,
    end > start (past 1440 it ends the next day)."""

    start: int
    end: int
    spelling: str

    def __str__(self) -> str:
        return self.spelling


def read_weekdays(value: object) -> Weekdays:
    """``parse_days``, keeping the text to write back."""
    return Weekdays(parse_days(value), value)  # type: ignore[arg-type]  # parse_days accepts text only


def read_window(value: object) -> DailyWindow:
    """``window_minutes``, keeping the text to write back."""
    return DailyWindow(*window_minutes(value), value)  # type: ignore[arg-type]  # text only, as above


def as_datetime(value: object) -> datetime:
    """A moment as a naive datetime: a naive datetime as it is and a date as its midnight (typed values, as
    a scenario holds them); anything else is read as a ``start`` is."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    return parse_start(value)


def as_dates(values: object) -> tuple[date, ...]:
    """Dates sorted and without repeats: ``date`` objects (as a scenario holds its holidays) as they are;
    anything else is read as ``holidays`` are."""
    if isinstance(values, (list, tuple)) and all(type(v) is date for v in values):
        return tuple(sorted(set(values)))
    return parse_holidays(values)


# -- parsing the spellings ------------------------------------------------------------------------
def parse_start(value: object) -> datetime:
    """The naive local date and time at t = 0, from a scenario's ``start`` (a string, date or datetime)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError(f"expected a local start without time zone such as '2026-01-05 08:00', got {value!r}")
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str):
        for pattern in _START_FORMATS:
            try:
                return datetime.strptime(value.strip(), pattern)
            except ValueError:
                pass
    raise ValueError(f"expected a start such as '2026-01-05 08:00', got {value!r}")


def parse_holidays(values: object) -> tuple[date, ...]:
    """Holiday dates ("2026-12-25" or ``date`` objects), sorted and without repeats."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise ValueError(f"expected a list of dates such as ['2026-12-25'], got {values!r}")
    days = set()
    for index, value in enumerate(values):
        if isinstance(value, date) and not isinstance(value, datetime):
            days.add(value)
            continue
        try:  # PERF: fromisoformat is 20 times faster than strptime; every change over time re-validates these
            text = value.strip()  # type: ignore[union-attr]
            days.add(date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else datetime.strptime(text, "%Y-%m-%d").date())
        except (AttributeError, TypeError, ValueError):
            raise ValueError(f"holidays[{index}]: expected a date such as '2026-12-25', got {value!r}") from None
    return tuple(sorted(days))


def parse_days(value: object) -> tuple[int, ...]:
    """Weekdays (0 = Monday) from "mon-fri", "sat", "mon,wed,fri" or a range wrapping the week, "fri-mon"."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected days such as 'mon-fri' or 'sat,sun', got {value!r}")
    days: set[int] = set()
    for part in value.split(","):
        ends = [_day(name, value) for name in part.split("-")]
        if len(ends) > 2:
            raise ValueError(f"expected days such as 'mon-fri' or 'sat,sun', got {value!r}")
        first, last = ends[0], ends[-1]
        days.update((first + step) % 7 for step in range((last - first) % 7 + 1))
    return tuple(sorted(days))


def _day(name: str, text: str) -> int:
    key = name.strip().lower()
    if key not in _DAY_INDEX:
        raise ValueError(f"unknown day {name.strip()!r} in {text!r}; expected {', '.join(DAY_NAMES)} "
                         "(or full names), e.g. 'mon-fri'")
    return _DAY_INDEX[key]


def parse_hours(value: object) -> tuple[float, float]:
    """A daily window such as "09:00-17:00" as (start, end) hours after midnight; end > start.

    An end at or before the start ends the next day ("17:00-08:00" is (17.0, 32.0)); "00:00-24:00"
    is the whole day.
    """
    start, end = window_minutes(value)
    return start / 60, end / 60


def window_minutes(value: object) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        clock = f"{value // 60:02d}:{value % 60:02d}" if 0 <= value < DAY_MINUTES else "17:00"
        raise ValueError(f"expected hours such as {HOURS_EXAMPLE}, got {value}: YAML reads an unquoted "
                         f"{clock} as a number (base 60); quote times, e.g. {HOURS_EXAMPLE}")
    match = _WINDOW.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected hours such as {HOURS_EXAMPLE} (HH:MM-HH:MM), got {value!r}")
    h0, m0, h1, m1 = map(int, match.groups())
    if h0 > 23 or m0 > 59 or h1 > 24 or m1 > 59 or (h1 == 24 and m1):
        raise ValueError(f"expected times from 00:00 to 23:59 (24:00 only as an end) such as "
                         f"{HOURS_EXAMPLE}, got {value!r}")
    start, end = h0 * 60 + m0, h1 * 60 + m1
    if start == end:
        raise ValueError(f"start equals end in {value!r}; for a whole day write \"00:00-24:00\"")
    return start, end if end > start else end + DAY_MINUTES


def located(where: str, parse: Callable[[object], _T], value: object) -> _T:
    """Run a parser, prefixing any error with where the value sits (``shifts[1].hours: ...``)."""
    try:
        return parse(value)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def check_capacity(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAPACITY:
        raise ValueError(f"{where}: expected a whole number of people from 1 to {MAX_CAPACITY:,}, got {value!r}")
    return value


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def span_text(start: int, end: int) -> str:
    """'Mon 08:00-17:00' or 'Fri 17:00-Mon 09:00' for minutes from Monday 00:00 (end may pass the week)."""
    first, last = start // DAY_MINUTES, (end - 1) // DAY_MINUTES
    head = f"{DAY_NAMES[first % 7].title()} {_clock(start - first * DAY_MINUTES)}"
    tail = _clock(end - last * DAY_MINUTES)
    return f"{head}-{tail}" if first == last else f"{head}-{DAY_NAMES[last % 7].title()} {tail}"
