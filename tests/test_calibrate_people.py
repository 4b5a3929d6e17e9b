"""Who is a person in an event log, and how a team's people make its rotas and shifts: exact cases by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simvalue
from simvalue.eventlog import fit, shifts, staffing

MONDAY = pd.Timestamp("2024-01-01")  # a Monday


def _hours(times) -> np.ndarray:
    return np.array([fit.epoch_hours(pd.Timestamp(t)) for t in times])


def test_a_resource_busy_at_every_hour_of_the_day_is_no_person():
    # 'bot' completes one event every hour for 10 days: its quietest 6 hours hold a quarter of its events, far
    # above the 2% a sleeping person allows (binomial test). 'ann' works 09:00-17:00 only: none at night.
    bot = [MONDAY + pd.Timedelta(hours=h) for h in range(240)]
    ann = [MONDAY + pd.Timedelta(days=d, hours=9 + h) for d in range(10) for h in range(8)]
    who = pd.Series(["bot"] * len(bot) + ["ann"] * len(ann))
    hours = staffing.event_hours(_hours(bot + ann))
    assert staffing.round_the_clock(who, hours) == {"bot"}


def test_a_few_late_evenings_do_not_make_a_person_a_system():
    # 200 events from 09:00 to 17:00 and 3 at 23:00: 3 in the quietest 6 hours against the 4 expected at 2%.
    day = [MONDAY + pd.Timedelta(days=d % 20, hours=9 + d % 8) for d in range(200)]
    late = [MONDAY + pd.Timedelta(days=d, hours=23) for d in range(3)]
    who = pd.Series(["ann"] * 203)
    assert staffing.round_the_clock(who, staffing.event_hours(_hours(day + late))) == set()


@pytest.mark.parametrize("in_hand, one_person", [
    ([1, 1, 1, 2, 1, 1, 1, 1, 1, 1], True),    # an interruption now and then
    ([3] * 10, False),                          # one or two others in hand at most starts: not one person
    ([1, 1, 1, 1, 1, 1, 1, 1, 1, 4], False),   # four at once on a tenth of them: a queue of others' work
])
def test_interruptions_are_a_persons_but_a_pile_in_hand_is_not(in_hand, one_person):
    # Each event's interval starts while in_hand - 1 earlier ones are still open: intervals nested by hand.
    begin, end, clock = [], [], 0.0
    for count in in_hand:
        for k in range(count):
            begin.append(clock + k * 0.1)
            end.append(clock + 1.0 - k * 0.1)
        clock += 10.0
    busy = np.searchsorted(np.sort(begin), begin, "right") - np.searchsorted(np.sort(end), begin, "right")
    assert busy.max() == max(in_hand)
    assert staffing.overlapping(np.array(begin), np.array(end)) is not one_person


def _rows(person_hours: dict[str, list[tuple[int, int, int]]], weeks: int = 4) -> pd.DataFrame:
    """Events of people at every hour of their (weekday, first hour, end hour) windows, for ``weeks`` weeks."""
    rows = []
    for person, windows in person_hours.items():
        for week in range(weeks):
            for day, first, end in windows:
                for hour in range(first, end):
                    stamp = MONDAY + pd.Timedelta(weeks=week, days=day, hours=hour, minutes=30)
                    rows.append({"resource": person, "hours": fit.epoch_hours(stamp)})
    return pd.DataFrame(rows)


def test_a_day_desk_and_a_night_cover_are_two_rotas_and_shifts_by_hand():
    weekdays = [(d, 8, 18) for d in range(5)]
    nights = [(d, 18, 24) for d in range(7)] + [(d, 0, 8) for d in range(7)]
    rows = _rows({"ann": weekdays, "bob": weekdays, "cy": weekdays[:4] + [(4, 8, 12)], "nox": nights})
    rotas = shifts.rotas(rows)
    # cy's Friday afternoons off are inside the day desk's hours: one rota of three; the night cover its own.
    assert sorted((r.people, r.members) for r in rotas) == [(1, ("nox",)), (3, ("ann", "bob", "cy"))]
    counts = shifts.headcounts(rotas)
    assert counts[8] == 3 and counts[20] == 1 and counts[24 * 5 + 12] == 0   # Mon 08:00, Mon 20:00, Sat noon
    assert shifts.shifts_of(counts) == [
        {"days": "mon-fri", "hours": "00:00-08:00", "capacity": 1},
        {"days": "mon-fri", "hours": "08:00-18:00", "capacity": 3},
        {"days": "mon-fri", "hours": "18:00-24:00", "capacity": 1},
        {"days": "sat,sun", "hours": "00:00-08:00", "capacity": 1},
        {"days": "sat,sun", "hours": "18:00-24:00", "capacity": 1},
    ]


def test_close_gaps_fills_a_lunch_break_but_not_a_night():
    on = np.zeros(168, dtype=bool)
    on[[8, 9, 10, 13, 14, 15]] = True        # Monday, with a two-hour lunch
    on[[24 + 9]] = True                       # Tuesday 09:00: fifteen hours after Monday 17:00
    closed = shifts.close_gaps(on)
    assert closed[11] and closed[12] and not closed[16] and not closed[24 + 8]
    wrapped = np.zeros(168, dtype=bool)
    wrapped[[167, 2]] = True                  # Sunday 23:00 and Monday 02:00: the week wraps
    assert shifts.close_gaps(wrapped)[[0, 1]].all()


@pytest.mark.parametrize("days, text", [([0, 1, 2, 3, 4], "mon-fri"), ([5, 6], "sat,sun"), ([0, 3], "mon,thu"),
                                        ([0, 1, 2, 4], "mon-wed,fri"), ([6], "sun")])
def test_weekdays_are_spelt_as_the_scenario_reads_them(days, text):
    assert shifts.spell_days(days) == text
    from simvalue.calendars.spelling import parse_days
    assert list(parse_days(text)) == days


def test_arrivals_stop_on_a_holiday_only_when_none_arrive_on_it():
    days = pd.date_range("2024-01-01", periods=42, freq="D")
    busy = [day + pd.Timedelta(hours=h) for day in days for h in range(9, 17)]
    holiday = pd.Timestamp("2024-01-17").date()   # a Wednesday with the busy Wednesdays around it
    quiet = pd.Series([t for t in busy if t.date() != holiday])
    assert fit.quiet_on(quiet, [holiday])
    assert not fit.quiet_on(pd.Series(busy), [holiday])


def test_one_person_more_or_fewer_on_a_shift_team_changes_its_fullest_shifts():
    from simvalue.eventlog.holdout import _one_person
    scenario = simvalue.load_scenario("scenarios/service_desk.yaml")
    desk = scenario.teams["service_desk"]
    edit = _one_person("service_desk", desk, -1)
    assert [s["capacity"] for s in edit["teams.service_desk.shifts"]] == [3, 1, 1]   # the weekday day shift
    assert _one_person("network", scenario.teams["network"], 1) == {"teams.network.capacity": 3}


def test_people_with_too_few_events_to_show_their_hours_keep_the_busiest_rota():
    weekdays = [(d, 8, 18) for d in range(5)]
    rows = _rows({"ann": weekdays, "bob": weekdays})
    rare = _rows({"rae": [(6, 3, 4)]}, weeks=3)   # three events, Sunday 03:00: not enough to show a rota
    rotas = shifts.rotas(pd.concat([rows, rare], ignore_index=True))
    assert [r.members for r in rotas] == [("ann", "bob", "rae")]
    assert not rotas[0].hours[24 * 6 + 3]        # her odd hour is not the rota's
    assert shifts.rotas(rare) == []


def test_without_names_an_activitys_round_the_clock_at_once_share_is_a_system_of_its_own():
    # 'fulfil': 48 cases taken the moment they are ready, at every hour of two days (a portal's automation),
    # and 48 that waited an hour for office hours (09:00-16:00). Only the first are the system's.
    rows = []
    for k in range(48):
        ready = MONDAY + pd.Timedelta(hours=k)
        rows += [{"case": f"a{k}", "activity": "open", "timestamp": ready, "start": ready},
                 {"case": f"a{k}", "activity": "fulfil", "timestamp": ready + pd.Timedelta(minutes=5), "start": ready}]
        ready = MONDAY + pd.Timedelta(days=k // 8, hours=8 + k % 8)
        rows += [{"case": f"b{k}", "activity": "open", "timestamp": ready, "start": ready},
                 {"case": f"b{k}", "activity": "fulfil", "timestamp": ready + pd.Timedelta(hours=1, minutes=30),
                  "start": ready + pd.Timedelta(hours=1)}]
    log = pd.DataFrame(rows).sort_values(["case", "timestamp"], kind="stable").reset_index(drop=True)
    systems = staffing.systems_at_once(log)
    assert set(log.loc[systems, "case"].str[0]) == {"a"} and systems.sum() == 48
    teams = staffing.groups(log)
    assert set(teams[log["activity"] == "fulfil"]) == {"fulfil", "fulfil_at_once"}
