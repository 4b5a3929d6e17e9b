"""Working-time arithmetic: exact hand-computed traces, a minute-by-minute reference, and properties."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simvalue.calendars.schedule import (
    DEFAULT_START,
    Schedule,
    WeeklyPattern,
    parse_days,
    parse_holidays,
    parse_hours,
    parse_start,
)

NINE_TO_FIVE = WeeklyPattern.from_calendar({"mon-fri": "09:00-17:00"})
DESK_SHIFTS = [
    {"days": "mon-fri", "hours": "08:00-17:00", "capacity": 2},
    {"days": "mon-sun", "hours": "17:00-08:00", "capacity": 1},
]
DESK = WeeklyPattern.from_shifts(DESK_SHIFTS)
FRIDAY_1630 = 4 * 24 + 16.5
MONDAY_1030_NEXT_WEEK = 7 * 24 + 10.5


# -- exact traces ---------------------------------------------------------------------------------
def test_friday_afternoon_work_pauses_over_the_weekend():
    schedule = Schedule(NINE_TO_FIVE)
    assert schedule.add_working_hours(FRIDAY_1630, 2.0) == MONDAY_1030_NEXT_WEEK
    assert schedule.add_working_hours(FRIDAY_1630, 0.5) == 4 * 24 + 17  # ends at 17:00, not Monday 09:00
    assert schedule.working_hours(FRIDAY_1630, MONDAY_1030_NEXT_WEEK) == 2.0
    assert schedule.wall_clock(MONDAY_1030_NEXT_WEEK) == datetime(2024, 1, 8, 10, 30)


def test_zero_hours_of_work_finish_where_they_start_even_off_duty():
    saturday_noon = 5 * 24 + 12.0
    assert Schedule(NINE_TO_FIVE).add_working_hours(saturday_noon, 0.0) == saturday_noon


def test_overnight_shifts_wrap_the_week():
    schedule = Schedule(DESK)
    expected = {0.0: 1, 7.5: 1, 8.0: 2, 16.99: 2, 17.0: 1, 127.5: 1, 128.0: 0, 136.5: 0, 137.0: 1,
                151.5: 1, 152.0: 0, 161.0: 1, 167.99: 1, 168.0: 1, 176.0: 2}
    assert {t: schedule.headcount_at(t) for t in expected} == expected
    sunday_night = Schedule(WeeklyPattern.from_shifts([{"days": "sun", "hours": "17:00-08:00", "capacity": 1}]))
    assert sunday_night.pattern.person_hours_per_week == 15.0
    assert [sunday_night.headcount_at(t) for t in (0.0, 7.9, 8.0, 160.9, 161.0, 167.9)] == [1, 1, 0, 0, 1, 1]
    assert sunday_night.changes(0, 200) == [(8.0, 0), (161.0, 1), (176.0, 0)]
    assert sunday_night.working_hours(160.0, 178.0) == 15.0


def test_desk_pattern_and_its_summary():
    assert DESK.person_hours_per_week == 5 * 9 * 2 + 7 * 15
    assert DESK.average_headcount == pytest.approx(195 / 168)
    assert DESK.peak_headcount == 2
    summary = DESK.shifts_summary()
    assert len(summary) == 14 and str(summary[0]) == "Mon 08:00-17:00: 2"
    assert [str(window) for window in summary[-5:]] == [
        "Fri 17:00-Sat 08:00: 1", "Sat 08:00-17:00: 0", "Sat 17:00-Sun 08:00: 1", "Sun 08:00-17:00: 0",
        "Sun 17:00-Mon 08:00: 1"]
    assert (summary[-1].start, summary[-1].end) == (161.0, 168.0 + 8.0)
    assert [str(window) for window in NINE_TO_FIVE.shifts_summary()][:2] == ["Mon 09:00-17:00: 1",
                                                                            "Mon 17:00-Tue 09:00: 0"]
    assert str(NINE_TO_FIVE.shifts_summary()[-1]) == "Fri 17:00-Mon 09:00: 0"


def test_headcount_changes_over_two_weeks_with_a_holiday():
    schedule = Schedule(DESK, DEFAULT_START, [date(2024, 1, 10)])  # Wednesday of week two
    week = [(8, 2), (17, 1), (32, 2), (41, 1), (56, 2), (65, 1), (80, 2), (89, 1), (104, 2), (113, 1),
            (128, 0), (137, 1), (152, 0), (161, 1)]
    # Wednesday 00:00 (216) to Thursday 00:00 (240) is off; Wednesday's night shift still covers Thursday.
    second = [(176, 2), (185, 1), (200, 2), (209, 1), (216, 0), (240, 1), (248, 2), (257, 1), (272, 2),
              (281, 1), (296, 0), (305, 1), (320, 0), (329, 1)]
    assert schedule.changes(0, 336) == [(float(t), h) for t, h in week + second]
    assert schedule.changes(8, 17) == [(17.0, 1)]  # (t0, t1]: a change at t0 is not repeated


def test_round_the_clock_teams_never_change_unless_a_holiday_intervenes():
    assert Schedule(WeeklyPattern.always(3)).changes(0, 10_000) == []
    assert list(Schedule(WeeklyPattern.always(3)).iter_changes(0)) == []
    with_holiday = Schedule(WeeklyPattern.always(3), holidays=["2024-01-03"])
    assert list(with_holiday.iter_changes(0)) == [(48.0, 0), (72.0, 3)]
    assert with_holiday.person_hours(0, 168) == 3 * 144
    assert with_holiday.next_working(50.0) == 72.0


def test_holiday_zeroes_a_whole_local_day_from_a_monday_0800_start():
    schedule = Schedule(NINE_TO_FIVE, parse_start("2026-01-05 08:00"), ["2026-01-06"])
    assert schedule.hours_since_start(date(2026, 1, 6)) == 16.0
    assert schedule.wall_clock(16.0) == datetime(2026, 1, 6)
    assert [schedule.headcount_at(t) for t in (0.5, 1.0, 8.9, 9.0, 26.0, 49.0)] == [0, 1, 1, 0, 0, 1]
    assert schedule.working_hours(0, 48) == 8.0
    assert schedule.working_hours(0, 72) == 16.0
    assert schedule.next_working(10.0) == 49.0  # Monday 18:00 -> Wednesday 09:00
    assert schedule.add_working_hours(8.0, 2.0) == 50.0  # Monday 16:00 + 2 h -> Wednesday 10:00
    assert schedule.changes(0, 60) == [(1.0, 1), (9.0, 0), (49.0, 1), (57.0, 0)]


def test_person_hours_across_a_holiday():
    schedule = Schedule(DESK, DEFAULT_START, [date(2024, 1, 3)])
    wednesday = 8 * 1 + 9 * 2 + 7 * 1
    assert schedule.person_hours(0, 168) == 195 - wednesday
    assert schedule.person_hours(50, 60) == 0.0
    assert schedule.person_hours(0, 24) == 8 + 18 + 7


def test_a_start_in_mid_week():
    schedule = Schedule(NINE_TO_FIVE, datetime(2026, 1, 7, 12, 0))  # a Wednesday noon
    assert schedule.headcount_at(0.0) == 1
    assert schedule.changes(0, 30) == [(5.0, 0), (21.0, 1), (29.0, 0)]
    assert schedule.next_working(5.0) == 21.0
    assert schedule.add_working_hours(0.0, 5.0 + 8.0 + 8.0 + 1.0) == 24 * 4 + 22.0  # Monday 10:00


def test_lunch_breaks_and_short_fridays():
    pattern = WeeklyPattern.from_calendar({"mon-thu": ["08:30-12:15", "13:00-16:00"], "fri": "08:00-12:00"}, 2)
    assert pattern.breaks[:5] == (0.0, 8.5, 12.25, 13.0, 16.0)
    assert pattern.headcounts[:5] == (0, 2, 0, 2, 0)
    assert pattern.person_hours_per_week == 2 * (4 * 6.75 + 4)
    assert pattern.working_hours_per_week == 4 * 6.75 + 4


def test_start_spellings():
    expected = datetime(2026, 1, 5, 8, 0)
    assert parse_start("2026-01-05 08:00") == expected
    assert parse_start("2026-01-05T08:00") == expected
    assert parse_start(expected) == expected
    assert parse_start("2026-01-05") == datetime(2026, 1, 5)
    assert parse_start(date(2026, 1, 5)) == datetime(2026, 1, 5)
    assert DEFAULT_START.weekday() == 0 and DEFAULT_START == datetime(2024, 1, 1)


@pytest.mark.parametrize("value", ["2026-13-01 08:00", "tomorrow", "08:00", 5, None, True])
def test_bad_starts_are_refused(value):
    with pytest.raises(ValueError, match=r"expected a start such as '2026-01-05 08:00', got "):
        parse_start(value)


def test_a_start_with_a_time_zone_is_refused():
    with pytest.raises(ValueError, match="without time zone"):
        parse_start(datetime(2026, 1, 5, 8, tzinfo=timezone.utc))


@pytest.mark.parametrize("text, days", [
    ("mon-fri", (0, 1, 2, 3, 4)), ("MON-Sun", (0, 1, 2, 3, 4, 5, 6)), ("sat", (5,)), ("sat-sun", (5, 6)),
    ("mon,wed,fri", (0, 2, 4)), ("fri-mon", (0, 4, 5, 6)), ("Monday", (0,)), ("mon - wed, fri", (0, 1, 2, 4)),
])
def test_day_spellings(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize("text, hours", [
    ("09:00-17:00", (9.0, 17.0)), ("17:00-08:00", (17.0, 32.0)), ("00:00-24:00", (0.0, 24.0)),
    ("08:30-12:15", (8.5, 12.25)), ("08:00-00:00", (8.0, 24.0)), ("9:00 - 17:00", (9.0, 17.0)),
])
def test_hour_spellings(text, hours):
    assert parse_hours(text) == hours


def test_holiday_spellings():
    assert parse_holidays(["2026-12-25", date(2026, 1, 1), "2026-12-25"]) == (date(2026, 1, 1), date(2026, 12, 25))


# -- errors name what was expected and what was got -----------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: parse_days("mon-fry"), r"unknown day 'fry' in 'mon-fry'; expected mon, tue, wed, thu, fri, sat, sun"),
    (lambda: parse_days(5), r"expected days such as 'mon-fri' or 'sat,sun', got 5"),
    (lambda: parse_days("mon-tue-wed"), r"expected days such as 'mon-fri'.*got 'mon-tue-wed'"),
    (lambda: parse_hours("25:00-26:00"), r"24:00 only as an end.*got '25:00-26:00'"),
    (lambda: parse_hours("24:00-08:00"), r"24:00 only as an end"),
    (lambda: parse_hours("08:60-09:00"), r"from 00:00 to 23:59"),
    (lambda: parse_hours("09:00-24:30"), r"24:00 only as an end"),
    (lambda: parse_hours("09:00-09:00"), r"start equals end in '09:00-09:00'; for a whole day write \"00:00-24:00\""),
    (lambda: parse_hours("9-17"), r'expected hours such as "09:00-17:00" \(HH:MM-HH:MM\), got \'9-17\''),
    (lambda: parse_hours(1020), r'got 1020: YAML reads an unquoted 17:00 as a number \(base 60\); '
                                r'quote times, e.g. "09:00-17:00"'),
    (lambda: parse_hours(540), r"got 540: YAML reads an unquoted 09:00 as a number"),
    (lambda: parse_holidays("2026-12-25"), r"expected a list of dates such as \['2026-12-25'\], got '2026-12-25'"),
    (lambda: parse_holidays(["2026-12-32"]), r"holidays\[0\]: expected a date such as '2026-12-25', got '2026-12-32'"),
    (lambda: parse_holidays([datetime(2026, 12, 25)]), r"holidays\[0\]: expected a date"),
])
def test_spelling_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("shifts, message", [
    ([DESK_SHIFTS[0], {"days": "fri", "hours": "16:00-20:00", "capacity": 1}],
     r"shifts\[0\] \(mon-fri 08:00-17:00\) and shifts\[1\] \(fri 16:00-20:00\) overlap on Fri 16:00-17:00"),
    ([{"days": "mon", "hours": "08:00-12:00", "capacity": 1}, {"days": "sun", "hours": "20:00-09:00", "capacity": 1}],
     r"shifts\[0\] \(mon 08:00-12:00\) and shifts\[1\] \(sun 20:00-09:00\) overlap on Mon 08:00-09:00"),
    ([{"days": "mon-sun", "hours": "17:00-09:00", "capacity": 1}, {"days": "tue", "hours": "08:00-10:00", "capacity": 1}],
     r"shifts\[0\] .* and shifts\[1\] \(tue 08:00-10:00\) overlap on Tue 08:00-09:00"),
    ([{"days": "mon", "hours": 1020, "capacity": 1}], r"shifts\[0\]\.hours: .*got 1020: YAML reads an unquoted 17:00"),
    ([{"days": "mon", "hours": "09:00-17:00", "capacity": True}],
     r"shifts\[0\]\.capacity: expected a whole number of people from 1 to .*, got True"),
    ([{"days": "mon", "hours": "09:00-17:00", "capacity": 0}], r"shifts\[0\]\.capacity: .*got 0"),
    ([{"days": "mon", "hours": "09:00-17:00", "capacity": 1.5}], r"shifts\[0\]\.capacity: .*got 1.5"),
    ([{"days": "mun", "hours": "09:00-17:00", "capacity": 1}], r"shifts\[0\]\.days: unknown day 'mun'"),
    ([{"days": "mon", "hours": "09:00-17:00"}], r"shifts\[0\]: expected keys days, hours and capacity"),
    ([], r"expected a list of shifts"),
])
def test_bad_shifts_are_refused(shifts, message):
    with pytest.raises(ValueError, match=message):
        WeeklyPattern.from_shifts(shifts)


@pytest.mark.parametrize("mapping, capacity, message", [
    ({"mon-fri": "09:00-17:00", "fri": "08:00-12:00"}, 1,
     r"calendar\.mon-fri and calendar\.fri overlap on Fri 09:00-12:00"),
    ({"mon": ["08:00-12:00", "11:00-13:00"]}, 1,
     r"calendar\.mon '08:00-12:00' and calendar\.mon '11:00-13:00' overlap on Mon 11:00-12:00"),
    ({"mon-fri": 1020}, 1, r"calendar\.mon-fri: .*unquoted 17:00 as a number"),
    ({"weekdays": "09:00-17:00"}, 1, r"calendar\.weekdays: unknown day 'weekdays'"),
    ({"mon": []}, 1, r"calendar\.mon: expected hours"),
    ({"mon-fri": "09:00-17:00"}, True, r"capacity: expected a whole number of people"),
    ({}, 1, r"never works"),
    ("mon-fri", 1, r"expected a calendar such as"),
])
def test_bad_calendars_are_refused(mapping, capacity, message):
    with pytest.raises(ValueError, match=message):
        WeeklyPattern.from_calendar(mapping, capacity)


def test_a_pattern_that_never_works_or_is_malformed_is_refused():
    with pytest.raises(ValueError, match="never works"):
        WeeklyPattern((0.0,), (0,))
    with pytest.raises(ValueError, match="breaks must start at 0.0"):
        WeeklyPattern((1.0, 5.0), (1, 0))
    with pytest.raises(ValueError, match="one whole headcount >= 0 per break"):
        WeeklyPattern((0.0, 5.0), (1, -1))
    with pytest.raises(ValueError, match="capacity: expected a whole number"):
        WeeklyPattern.always(False)


def test_bad_intervals_and_amounts_are_refused():
    schedule = Schedule(NINE_TO_FIVE)
    with pytest.raises(ValueError, match="end must be at or after the start"):
        schedule.working_hours(5.0, 4.0)
    with pytest.raises(ValueError, match="b >= a"):
        schedule.working_hours_array(np.array([5.0]), np.array([4.0]))
    with pytest.raises(ValueError, match="finite number >= 0"):
        schedule.add_working_hours(0.0, -1.0)


# -- an independent minute-by-minute reference ----------------------------------------------------
#: Schedules written twice: once for simvalue, once as plain (weekdays, start minute, end minute,
#: people) windows with end past 1440 for overnight, read by the reference below.
CASES = {
    "lunch": (
        lambda: WeeklyPattern.from_calendar({"mon-thu": ["08:30-12:15", "13:00-16:00"], "fri": "08:00-12:00"}, 3),
        [({0, 1, 2, 3}, 510, 735, 3), ({0, 1, 2, 3}, 780, 960, 3), ({4}, 480, 720, 3)],
        datetime(2026, 1, 7, 13, 45), [date(2026, 1, 1), date(2026, 1, 9), date(2026, 1, 12), date(2026, 1, 13)],
    ),
    "desk": (
        lambda: DESK,
        [({0, 1, 2, 3, 4}, 480, 1020, 2), (set(range(7)), 1020, 1920, 1)],
        datetime(2026, 1, 5, 8, 0), [date(2026, 1, 6), date(2026, 1, 11)],
    ),
    "wrap": (
        lambda: WeeklyPattern.from_shifts([{"days": "sun", "hours": "22:00-06:00", "capacity": 2},
                                           {"days": "fri-mon", "hours": "09:00-17:00", "capacity": 1}]),
        [({6}, 1320, 1800, 2), ({4, 5, 6, 0}, 540, 1020, 1)],
        DEFAULT_START, [],
    ),
    "thirds": (  # minutes that are not binary fractions of an hour, and a start at 07:10
        lambda: WeeklyPattern.from_calendar({"mon-fri": "08:20-16:40", "sat": "10:10-11:50"}, 2),
        [({0, 1, 2, 3, 4}, 500, 1000, 2), ({5}, 610, 710, 2)],
        datetime(2026, 1, 5, 7, 10), [date(2026, 1, 8)],
    ),
}
HORIZON_MINUTES = 4 * 7 * 1440


def reference_headcount(moment: datetime, windows, holidays) -> int:
    if moment.date() in holidays:
        return 0
    minute, weekday, people = moment.hour * 60 + moment.minute + moment.second / 60, moment.weekday(), 0
    for days, start, end, capacity in windows:
        if weekday in days and start <= minute < min(end, 1440):
            people += capacity
        if end > 1440 and (weekday - 1) % 7 in days and minute < end - 1440:
            people += capacity
    return people


@lru_cache(maxsize=None)
def case(name: str) -> tuple[Schedule, np.ndarray]:
    """The schedule and the reference headcount at the middle of each minute of four weeks."""
    build, windows, start, holidays = CASES[name]
    moments = (start + timedelta(minutes=m, seconds=30) for m in range(HORIZON_MINUTES))
    people = np.array([reference_headcount(moment, windows, set(holidays)) for moment in moments])
    return Schedule(build(), start, holidays), people


@pytest.mark.parametrize("name", CASES)
def test_headcount_matches_the_reference_every_minute(name):
    schedule, people = case(name)
    ours = [schedule.headcount_at((m + 0.5) / 60) for m in range(HORIZON_MINUTES)]
    assert ours == people.tolist()


@pytest.mark.parametrize("name", CASES)
def test_changes_rebuild_the_reference_and_agree_with_headcount_at(name):
    schedule, people = case(name)
    changes = schedule.changes(0.0, HORIZON_MINUTES / 60)
    times = np.array([t for t, _ in changes])
    levels = np.array([schedule.headcount_at(0.0)] + [h for _, h in changes])
    midpoints = (np.arange(HORIZON_MINUTES) + 0.5) / 60
    assert np.array_equal(levels[np.searchsorted(times, midpoints, side="right")], people)
    for (t, h), previous in zip(changes, levels):
        assert h != previous
        assert schedule.headcount_at(t) == h  # the engine sees the new headcount at the instant it is told
        assert schedule.headcount_at(t - 1e-9) == previous


minutes = st.integers(min_value=0, max_value=HORIZON_MINUTES)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(CASES)), ends=st.tuples(minutes, minutes))
def test_working_and_person_hours_equal_minute_by_minute_integration(name, ends):
    schedule, people = case(name)
    first, last = sorted(ends)
    working = np.count_nonzero(people[first:last]) / 60
    person = people[first:last].sum() / 60
    assert schedule.working_hours(first / 60, last / 60) == pytest.approx(working, abs=1e-9)
    assert schedule.person_hours(first / 60, last / 60) == pytest.approx(person, abs=1e-9)


times = st.floats(min_value=-400.0, max_value=2000.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(CASES)), t=times, hours=st.floats(min_value=0.0, max_value=300.0))
def test_add_working_hours_inverts_working_hours(name, t, hours):
    schedule, _ = case(name)
    end = schedule.add_working_hours(t, hours)
    assert end >= t
    assert schedule.working_hours(t, end) == pytest.approx(hours, abs=1e-9)
    if hours > 1e-6:  # the first such instant: a moment earlier, the work is not yet done
        assert schedule.working_hours(t, end - 1e-6) < hours


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(CASES)), t=times)
def test_next_working_is_the_first_working_instant(name, t):
    schedule, _ = case(name)
    start = schedule.next_working(t)
    assert start >= t and schedule.headcount_at(start) > 0
    assert schedule.working_hours(t, start) == pytest.approx(0.0, abs=1e-9)
    assert start == t or schedule.headcount_at(start - 1e-9) == 0


@settings(max_examples=40, deadline=None)
@given(a=times, length=st.floats(min_value=0.0, max_value=500.0))
def test_person_hours_are_working_hours_times_capacity_for_one_capacity(a, length):
    schedule = Schedule(WeeklyPattern.from_calendar({"mon-fri": "09:00-17:00", "sat": "10:00-14:00"}, 3),
                        datetime(2026, 1, 5, 8), ["2026-01-06", "2026-01-10"])
    b = a + length
    assert schedule.person_hours(a, b) == pytest.approx(3 * schedule.working_hours(a, b), abs=1e-9)


# -- the vectorised clock -------------------------------------------------------------------------
@pytest.mark.parametrize("name", CASES)
def test_working_hours_array_matches_the_scalar_version(name):
    schedule, _ = case(name)
    rng = np.random.default_rng(9)
    a = rng.uniform(-500.0, 3000.0, 500)
    b = a + rng.exponential(60.0, 500)
    b[:5] = a[:5]
    scalar = [schedule.working_hours(x, y) for x, y in zip(a, b)]
    assert np.allclose(schedule.working_hours_array(a, b), scalar, rtol=0, atol=1e-9)


def test_working_hours_array_passes_nan_through_for_unfinished_items():
    schedule, _ = case("desk")
    result = schedule.working_hours_array(np.array([0.0, 10.0]), np.array([24.0, np.nan]))
    assert result[0] == schedule.working_hours(0.0, 24.0) and np.isnan(result[1])


