"""The only module that knows time units: parses "20min", "3h", "40/d"; inside simvalue time is hours."""

from __future__ import annotations

import math
import re
import sys

from .limits import MAX_HOURS, MAX_QUANTITY_TEXT as MAX_TEXT, MAX_RATE_PER_HOUR

#: Hours per unit. Months and years are deliberately absent: their length is ambiguous.
HOURS_PER_UNIT: dict[str, float] = {"s": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_DURATION = re.compile(rf"^\s*({_NUMBER})\s*([a-z]+)\s*$")
_RATE = re.compile(rf"^\s*({_NUMBER})\s*/\s*({_NUMBER})?\s*([a-z]+)\s*$")
_UNITS_TEXT = ", ".join(HOURS_PER_UNIT)


def parse_duration(value: object, *, allow_zero: bool = True) -> float:
    """Parse a duration such as ``"20min"`` or ``"1.5d"`` into hours.

    A bare number is refused: ``2`` could mean minutes or days, so the unit must be written.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected a duration such as '2h' or '20min', got {value!r}")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise ValueError(f"expected a duration such as '2h' or '20min', got {len(value):,} characters")
    if isinstance(value, (int, float)) or re.fullmatch(rf"\s*{_NUMBER}\s*", value):
        raise ValueError(
            f"a duration needs a unit ({_UNITS_TEXT}), got the bare number {value!r}; write e.g. '{value}h'"
        )
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"expected a duration such as '2h' or '20min' (units {_UNITS_TEXT}), got {value!r}")
    number, unit = float(match.group(1)), match.group(2)
    if unit not in HOURS_PER_UNIT:
        raise ValueError(f"unknown time unit {unit!r} in {value!r}; expected one of {_UNITS_TEXT}")
    return _checked(number * HOURS_PER_UNIT[unit], value, allow_zero)


def _checked(hours: float, text: object, allow_zero: bool) -> float:
    if not math.isfinite(hours):
        raise ValueError(f"must be a finite duration, got {text!r}")
    if hours < 0:
        raise ValueError(f"must not be negative, got {text!r}")
    if hours == 0 and not allow_zero:
        raise ValueError(f"must be greater than zero, got {text!r}")
    if hours > MAX_HOURS:
        raise ValueError(f"must be at most {MAX_HOURS / 8766:,.0f} years, got {text!r}")
    return hours


def parse_rate(value: object, *, maximum: float = MAX_RATE_PER_HOUR, what: str = "rate") -> float:
    """Parse a rate such as ``"40/d"`` or ``"2.5/h"`` into events (or money) per hour.

    The result must be a positive normal float no larger than ``maximum`` per hour: a count that
    underflows to zero after its unit (``1/1e308w``) or overflows is refused, not run.
    """
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"expected a rate such as '40/d' or '3/h', got {value!r}")
    if len(value) > MAX_TEXT:
        raise ValueError(f"expected a rate such as '40/d' or '3/h', got {len(value):,} characters")
    match = _RATE.match(value)
    if not match:
        raise ValueError(f"expected a rate such as '40/d' or '3/h' (units {_UNITS_TEXT}), got {value!r}")
    count, per, unit = float(match.group(1)), float(match.group(2) or 1), match.group(3)
    if unit not in HOURS_PER_UNIT:
        raise ValueError(f"unknown time unit {unit!r} in {value!r}; expected one of {_UNITS_TEXT}")
    if count <= 0 or per <= 0 or not math.isfinite(count) or not math.isfinite(per):
        raise ValueError(f"must be a positive {what}, got {value!r}")
    per_hour = count / (per * HOURS_PER_UNIT[unit])
    if not sys.float_info.min <= per_hour <= maximum:
        raise ValueError(f"must be a {what} between {sys.float_info.min:.3g} and {maximum:.3g} per hour, "
                         f"got {value!r} ({per_hour:.3g}/h)")
    return per_hour


def format_hours(hours: float, digits: int | None = None) -> str:
    """A duration for machines: YAML that ``parse_duration`` reads back (``"20min"``, ``"1w"``, ``"36h"``),
    no space, so a scenario file or a distribution's text can be written and read again. Exact by default:
    the largest unit giving a whole number, else hours with every digit (``"2.7182818h"``). With ``digits``,
    a fitted value rounded to that many significant digits in the unit that suits its size (days from 48 h,
    hours from 1 h, else minutes or, under 0.01 min, seconds): ``"7.433d"``, read back within half a unit of
    its last digit. People read ``readable.duration`` instead: another concept, not another spelling."""
    if not math.isfinite(hours):
        return f"{hours!r}h"
    if digits is not None:
        return _rounded(hours, digits)
    for unit in ("w", "d", "h", "min", "s"):
        value = hours / HOURS_PER_UNIT[unit]
        if value != 0 and abs(value - round(value)) <= 1e-9 * abs(value):
            return f"{round(value)}{unit}"
    return "0h" if hours == 0 else f"{hours!r}h"


def _rounded(hours: float, digits: int) -> str:
    """``format_hours`` of a fitted value: ``digits`` significant digits, whole from 10**digits on."""
    if hours <= 0:
        return "0h"
    unit = "d" if hours >= 48 else "h" if hours >= 1 else "min" if hours * 60 >= 0.01 else "s"
    value = hours / HOURS_PER_UNIT[unit]
    return f"{value:.{digits}g}{unit}" if value < 10 ** digits else f"{value:.0f}{unit}"

