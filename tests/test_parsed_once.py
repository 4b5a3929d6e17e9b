"""A scenario is parsed once, at load: working time becomes typed values, and a run parses no text again.

The load reads a shift's days and hours, a calendar, ``start`` and ``holidays`` into typed values
(weekday indices, minutes from midnight, datetimes, dates) and builds each team's weekly pattern from
them; the loader reads the open items and the changes over time once. Compiling and running a
simulation reads only those: with every text parser made to fail after the load, a run still works.
"""

from __future__ import annotations

import copy
import sys
from datetime import date, datetime

import pytest

from simvalue import ScenarioError, load_scenario, load_variant, simulate
from simvalue.calendars import spelling
from simvalue.calendars.schedule import WeeklyPattern
from simvalue.calendars.spelling import DailyWindow, Weekdays
from simvalue.calendars.week import Calendar
from simvalue.engine.plan import compile_plan
from simvalue.scenario.model import Scenario
from simvalue.scenario.snapshot import open_items
from simvalue.scenario.variants import variant_of

DESK_CALENDAR = {"Mon - Fri": ["08:30-12:00", "13:00-17:00"], "sat": "10:00-14:00"}
OPS_SHIFTS = [{"days": "mon-fri", "hours": "08:00-17:00", "capacity": 2},
              {"days": "mon-sun", "hours": "17:00-08:00", "capacity": 1}]
SCENARIO = {
    "name": "working time", "horizon": "3w", "drain": "4w", "replications": 2, "seed": 3,
    "start": "2026-01-05 08:00", "holidays": ["2026-01-06", "2026-01-01", "2026-01-06"],
    "teams": {"desk": {"capacity": 2, "calendar": DESK_CALENDAR, "holidays": ["2026-01-14"]},
              "ops": {"shifts": OPS_SHIFTS}},
    "demand": [{"type": "ticket", "stream": "s", "arrivals": {"rate": "12/d", "skip_holidays": True}}],
    "streams": {"s": {"steps": [
        {"name": "triage", "activity": "engage", "team": "desk", "effort": "20min"},
        {"name": "awaiting_customer", "activity": "engage",
         "wait": {"delay": "2h", "reason": "customer", "clock": "business_hours", "calendar": "desk"}},
        {"name": "fix", "activity": "deliver_and_support", "team": "ops", "effort": "exponential(mean=1h)"}]}},
    "sla": {"ticket": {"target": "16h", "clock": "business_hours", "calendar": "desk", "pause_on": ["customer"]}},
    "initial": [{"type": "ticket", "step": "fix", "count": 3, "age": "1d"}],
    "changes": [{"at": "1w", "set": {"teams.desk.calendar": {"mon-fri": "07:00-19:00"}}}],
}
#: Every function that reads working time (or a duration, rate or distribution) from text.
TEXT_PARSERS = ("parse_days", "parse_hours", "window_minutes", "parse_start", "parse_holidays", "read_weekdays",
                "read_window", "parse_duration", "parse_rate", "parse_distribution")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(copy.deepcopy(SCENARIO))


def test_a_teams_working_time_is_held_typed_after_load(scenario):
    desk, ops = scenario.teams["desk"], scenario.teams["ops"]
    assert isinstance(desk.working_time, Calendar)
    (weekdays, windows), (saturday, ten_to_two) = desk.working_time.entries
    assert weekdays == Weekdays((0, 1, 2, 3, 4), "Mon - Fri")
    assert windows == (DailyWindow(510, 720, "08:30-12:00"), DailyWindow(780, 1020, "13:00-17:00"))
    assert (saturday.indices, (ten_to_two.start, ten_to_two.end)) == ((5,), (600, 840))
    night = ops.shifts[1]
    assert (night.weekdays.indices, night.window.start, night.window.end) == (tuple(range(7)), 1020, 1920)
    assert desk.holidays == [date(2026, 1, 14)]
    assert scenario.start == datetime(2026, 1, 5, 8)
    assert scenario.holidays == [date(2026, 1, 1), date(2026, 1, 6)]  # sorted, without repeats


def test_the_weekly_pattern_is_built_once_from_the_typed_values(scenario):
    desk, ops = scenario.teams["desk"], scenario.teams["ops"]
    assert desk.pattern() is desk.pattern()
    assert desk.pattern() == WeeklyPattern.from_calendar(DESK_CALENDAR, 2)  # the same as read from text
    assert ops.pattern() == WeeklyPattern.from_shifts(OPS_SHIFTS)
    assert desk.pattern().person_hours_per_week == 2 * (5 * 7.5 + 4)


def test_the_file_spelling_is_written_back_as_written(scenario):
    data = scenario.model_dump(mode="json")
    assert data["teams"]["desk"]["calendar"] == DESK_CALENDAR
    assert data["teams"]["ops"]["shifts"] == OPS_SHIFTS
    assert data["start"] == "2026-01-05T08:00:00" and data["holidays"] == ["2026-01-01", "2026-01-06"]
    assert scenario.teams["ops"].shifts[0].model_dump() == OPS_SHIFTS[0]
    assert (scenario.teams["ops"].shifts[1].days, scenario.teams["ops"].shifts[1].hours) == ("mon-sun", "17:00-08:00")
    assert scenario.teams["desk"].calendar == DESK_CALENDAR
    assert load_scenario(data) == scenario  # the written scenario reads back equal


def test_a_variant_editing_working_time_reads_its_new_text_once(scenario):
    variant = load_variant(scenario, {"name": "longer", "set": {"teams.ops.shifts": [
        {**OPS_SHIFTS[0], "hours": "07:00-17:00"}, {**OPS_SHIFTS[1], "hours": "17:00-07:00"}]}})
    assert variant.teams["ops"].shifts[0].window == DailyWindow(420, 1020, "07:00-17:00")
    assert variant.teams["desk"] == scenario.teams["desk"]
    assert variant_of(variant).name == "longer" and variant_of(scenario) is None


def test_compiling_and_running_parse_no_text_again(scenario, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"text parsed again after the load: {args!r}")

    originals = {name: getattr(module, name) for module in (spelling, sys.modules["simvalue.units"],
                                                            sys.modules["simvalue.distributions"])
                 for name in TEXT_PARSERS if hasattr(module, name)}
    assert set(originals) == set(TEXT_PARSERS)
    for module in [m for name, m in sys.modules.items() if name.startswith("simvalue") and m is not None]:
        for name, original in originals.items():
            if getattr(module, name, None) is original:
                monkeypatch.setattr(module, name, refuse)
    for owner, name in ((WeeklyPattern, "from_calendar"), (WeeklyPattern, "from_shifts"), (Calendar, "read")):
        monkeypatch.setattr(owner, name, refuse)

    plan = compile_plan(scenario)
    assert plan.schedules[0].holidays == (date(2026, 1, 1), date(2026, 1, 6), date(2026, 1, 14))
    assert plan.epochs[0][1].schedules[0].pattern.headcounts == (0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0)
    results = simulate(scenario)
    assert len(results.items) > 100 and results.items["initial"].sum() == 2 * 3
    assert set(results.metrics()["metric"]) >= {"sla_attainment", "time_to_value_mean"}
    assert scenario.schedule("desk").working_hours(0.0, 48.0) == 7.5  # Monday from 08:00: 3.5 h + 4 h; Tuesday off


def test_what_the_loader_reads_once_is_never_rebuilt(scenario):
    assert open_items(scenario)[0].count == 3 and [at for at, _ in scenario.epochs] == [168.0]
    made_elsewhere = Scenario.model_validate(copy.deepcopy(SCENARIO))  # not through load_scenario
    with pytest.raises(ScenarioError, match=r"initial: the open items are read when the scenario is loaded"):
        open_items(made_elsewhere)
    with pytest.raises(ScenarioError, match=r"changes: the changes over time are built when the scenario is loaded"):
        made_elsewhere.epochs
    plain = Scenario.model_validate({**copy.deepcopy(SCENARIO), "initial": None, "changes": []})
    assert open_items(plain) == () and plain.epochs == []
