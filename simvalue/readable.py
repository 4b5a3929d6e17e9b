"""Numbers for people: the one home of how reports, the terminal and the app spell figures.

Money with thousands separators and a true minus sign, shares as percentages, changes of a share in
points, durations in the unit that suits their size, p-values as '< 0.001': never scientific notation
outside an appendix. Every function takes a float (NaN allowed: spelled '–') and returns a short string.
These are for people, and each concept has one spelling here (``duration``, ``share``): pages, the
terminal, charts and warnings call it rather than format their own. Files for machines (CSV, Parquet)
keep plain numbers; a duration a scenario file reads back is ``units.format_hours``.
"""

from __future__ import annotations

import math

#: How a missing figure is shown.
MISSING = "–"
#: The minus sign of a negative amount (U+2212: as wide as a plus, never read as a hyphen or a dash).
MINUS = "\N{MINUS SIGN}"
#: Between a duration's figure and its unit in pages and sentences: a wrapped line never splits 8.6 | d.
NO_BREAK_SPACE = "\u00a0"


def _missing(value: float) -> bool:
    return value is None or not math.isfinite(value)


def money(value: float, currency: str = "") -> str:
    """``EUR 54,740`` / ``−1,200``: whole units with thousands separators (cents for amounts under 10)
    and a true minus sign. Every sentence, table and flag spells an amount with this, so the same figure
    reads the same everywhere."""
    if _missing(value):
        return MISSING
    magnitude = abs(value)
    text = f"{magnitude:,.2f}" if magnitude < 10 and value != int(value) else f"{magnitude:,.0f}"
    if value < 0 and text.strip("0.,"):  # an amount that rounds to nothing has no sign
        text = MINUS + text
    return f"{currency} {text}".strip() if currency else text


def share(value: float, digits: int = 0) -> str:
    """A share as a percentage, the one spelling of one: ``81%``; with ``digits``, ``80.6%``; ``2,948%``
    (an ROI) with thousands separators. Values within half a unit of 0% or 100% but not equal are spelled
    ``<1%`` / ``>99%`` (so that 99.6% never reads as a flat 100%). A signed change is ``relative`` or
    ``points``."""
    if _missing(value):
        return MISSING
    percent = 100 * value
    unit = 10 ** -digits
    if 0 < percent < unit / 2:
        return f"<{unit:g}%"
    if -unit / 2 < percent < 0:
        percent = 0.0   # never "-0%"
    if 100 - unit / 2 <= percent < 100:
        return f">{100 - unit:g}%"
    return f"{percent:,.{digits}f}%"


def points(change: float) -> str:
    """A change of a share in percentage points: ``+7.9 points``, ``-0.4 points``."""
    if _missing(change):
        return MISSING
    return f"{100 * change:+.1f} points"


def relative(change: float) -> str:
    """A relative change: ``-89%``, ``+4.5%`` (one decimal under 10%), ``-0.3%``; ``×3.2`` above +200%."""
    if _missing(change):
        return MISSING
    if change > 2:
        return f"×{1 + change:.2g}" if 1 + change < 10 else f"×{1 + change:,.0f}"
    percent = 100 * change
    if abs(percent) < 0.05:
        return "0.0%"   # no sign on a change that rounds to nothing ("-0.0%" reads as a fall)
    return f"{percent:+.0f}%" if abs(percent) >= 10 else f"{percent:+.1f}%"


def duration(hours: float, space: str = NO_BREAK_SPACE) -> str:
    """How long something takes, for people: minutes, hours, days or weeks with two or three significant
    digits (``15 min``, ``22.9 h``, ``8.6 d``, ``5.95 w``; days from 48 h, weeks from 4 weeks). The one
    human spelling of a duration. ``space`` goes between figure and unit: a no-break space by default (a
    wrapped line never splits 8.6 | d); a step's description, chart labels and the terminal's summary and
    SLA columns, spelt with a plain one, pass ``" "``."""
    if _missing(hours):
        return MISSING
    magnitude = abs(hours)
    if magnitude < 1:
        value, unit = hours * 60, "min"
    elif magnitude < 48:
        value, unit = hours, "h"
    elif magnitude < 24 * 28:
        value, unit = hours / 24, "d"
    else:
        value, unit = hours / 168, "w"
    return f"{_significant(value)}{space}{unit}"


def _significant(value: float) -> str:
    """Three significant digits without scientific notation (1,234 stays whole)."""
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    if magnitude == 0:
        return "0"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def number(value: float) -> str:
    """A count or rate: ``1,234``, ``35``, ``0.32``, ``5.52``."""
    if _missing(value):
        return MISSING
    return _significant(value)


def figure(value: float, digits: int = 3) -> str:
    """``%.3g`` without its scientific notation: ``0.536``, ``38,700`` (not ``3.87e+04``), ``0.0000336``;
    under 1e-9 ``0``, from 1e15 ``>1,000 trillion``. For figures of open size (capacities, loads, events)."""
    if _missing(value):
        return MISSING
    if value == 0 or abs(value) < 1e-9:
        return "0"
    if abs(value) >= 1e15:  # a typo's figure: bounded, never 300 digits
        return ">1,000 trillion" if value > 0 else "<-1,000 trillion"
    exponent = math.floor(math.log10(abs(value)))
    if exponent >= digits:
        return f"{round(value, digits - 1 - exponent):,.0f}"
    text = f"{value:,.{max(0, digits - 1 - exponent)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def p_value(value: float) -> str:
    """``< 0.001``, ``0.03``, ``0.41``."""
    if _missing(value):
        return MISSING
    return "< 0.001" if value < 0.001 else f"{value:.2g}" if value < 0.01 else f"{value:.2f}"


def confidence_label(confidence: float) -> str:
    """``95% interval`` for column headers and figure legends: the level actually used."""
    return f"{share(confidence)} interval"


__all__ = ["MINUS", "MISSING", "NO_BREAK_SPACE", "confidence_label", "duration", "figure", "money", "number", "p_value",
           "points", "relative", "share"]
