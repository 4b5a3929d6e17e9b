"""One definition per concept: a duration for people, a share as a percentage, a duration for machines.

``readable.duration`` and ``readable.share`` are the only human spellings; ``units.format_hours`` is the
machine's (YAML that ``units.parse_duration`` reads back). The examples are worked by hand.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

import simvalue
from simvalue import readable
from simvalue.scenario import overload
from simvalue.units import format_hours, parse_duration

NBSP = "\u00a0"


@pytest.mark.parametrize("hours, spelt", [
    (22.9, "22.9 h"),
    (1.0, "1 h"),
    (47.5, "47.5 h"),            # under 48 h: still hours
    (48.0, "2 d"),
    (8.6 * 24, "8.6 d"),
    (168.0, "7 d"),              # a week is 7 d: weeks start at 4 weeks (672 h)
    (1000.0, "5.95 w"),          # 1000 / 168 = 5.952...
    (1e6, "5,952 w"),
    (0.25, "15 min"),
    (0.999, "59.9 min"),         # 59.94 min, three significant digits
    (2.0576, "2.06 h"),
    (0.0, "0 min"),
    (-3.0, "-3 h"),
])
def test_the_one_duration_for_people(hours, spelt):
    assert readable.duration(hours) == spelt.replace(" ", NBSP)  # pages and sentences: never split 8.6 | d
    assert readable.duration(hours, space=" ") == spelt  # table cells, chart labels, a step's description


@pytest.mark.parametrize("hours", [math.nan, math.inf, -math.inf])
def test_a_missing_duration_is_a_dash(hours):
    assert readable.duration(hours) == readable.MISSING == "–"


def test_the_duration_and_percentage_spellings_have_one_home_each():
    from simvalue import units
    assert not hasattr(units, "humanize") and not hasattr(overload, "percent")   # the old second names are gone


@pytest.mark.parametrize("value, digits, spelt", [
    (0.806, 0, "81%"),
    (0.806, 1, "80.6%"),
    (1.0, 0, "100%"),
    (1.5, 0, "150%"),
    (29.48, 0, "2,948%"),        # an ROI: thousands separators
    (0.0, 0, "0%"),
    (0.004, 0, "<1%"),           # not a flat 0%
    (0.996, 0, ">99%"),          # not a flat 100%
    (-0.001, 0, "0%"),           # never -0%
    (0.035, 1, "3.5%"),
    (math.nan, 0, "–"),
])
def test_the_one_percentage(value, digits, spelt):
    assert readable.share(value, digits) == spelt


@pytest.mark.parametrize("hours, spelt", [
    (1 / 3, "20min"),            # the largest unit giving a whole number
    (168.0, "1w"),
    (72.0, "3d"),
    (2.5, "150min"),
    (0.025, "90s"),
    (0.0, "0h"),
    (2.7182818, "2.7182818h"),   # no whole number in any unit: hours, every digit kept
])
def test_the_machine_spelling(hours, spelt):
    assert format_hours(hours) == spelt
    assert parse_duration(spelt) == pytest.approx(hours, rel=1e-12, abs=0)


@pytest.mark.parametrize("hours", [1 / 3, 2.5, 0.1, 1e-4, 7.123456789, 168.0, 8765.8, 1234.5678, 1e-9, 3e6])
def test_the_machine_spelling_round_trips_through_parse_duration(hours):
    assert parse_duration(format_hours(hours)) == pytest.approx(hours, rel=1e-12, abs=0)


@pytest.mark.parametrize("hours, spelt", [
    (178.4, "7.433d"),           # from 48 h: days, four significant digits (7.4333 d)
    (7.43 * 24, "7.43d"),
    (47.99, "47.99h"),
    (2.5, "2.5h"),
    (35 / 60, "35min"),
    (0.5 / 3600, "0.5s"),        # under 0.01 min: seconds
    (0.0, "0h"),
    (-1.0, "0h"),
])
def test_the_rounded_machine_spelling(hours, spelt):
    assert format_hours(hours, digits=4) == spelt


@pytest.mark.parametrize("hours", [1 / 3, 2.5, 0.1, 1e-4, 7.123456789, 168.0, 8765.8, 1234.5678, 1e-7, 3e6])
def test_the_rounded_machine_spelling_round_trips_to_its_digits(hours):
    assert parse_duration(format_hours(hours, digits=4)) == pytest.approx(hours, rel=5e-4, abs=0)


#: Packages that speak to people and spell their figures through readable.py only.
SPEAKING = ("reports", "decisions", "charts", "steps", "eventlog", "cli")


def test_no_ad_hoc_duration_or_percentage_spellings_where_people_read():
    """``f"{x:.0%}"``, ``f"{100 * x:.0f}%"`` or ``humanize`` in these packages would be a second spelling."""
    package = Path(simvalue.__file__).parent
    # a signed ``{x:+.0%}`` is a relative change (readable.relative), not a share
    ad_hoc = re.compile(r"\{[^{}:+]+:[,_]?\.\d+%\}|\{[^{}:+]+:[,_]?\.\d+f\}%|\bhumanize\b")
    found = [f"{path.relative_to(package)}:{number}: {line.strip()}"
             for name in SPEAKING for path in sorted((package / name).rglob("*.py"))
             for number, line in enumerate(path.read_text().splitlines(), 1) if ad_hoc.search(line)]
    assert found == []
