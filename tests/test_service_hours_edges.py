"""Service hours at their edges (shift ends, overtime, holidays, end of run, changes): exact traces.

t = 0 is Monday 2024-01-01 00:00 unless a ``start`` is given; a 9-17 Monday-Friday desk is on duty
at t in [9, 17) + 24k for k = 0..4. Every expected value below is worked out by hand in a comment.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from simvalue import ScenarioError, load_scenario, simulate
from simvalue.engine.arrivals import holiday_test

OFFICE = {"mon-fri": "09:00-17:00"}


def team_desk(**team) -> dict:
    return {"capacity": 1, "calendar": OFFICE, **team}


def scenario(teams: dict, arrivals: list[tuple[str, float]], steps: list, horizon: float, drain: str = "4w",
             **extra) -> dict:
    """One demand type per (name, first arrival at) pair; each renews every ``at`` hours, and the
    horizon is chosen so that only the first arrival of each falls inside it."""
    return {
        "name": "review", "horizon": f"{horizon}h", "drain": drain, "replications": 1, "seed": 1,
        "teams": teams,
        "demand": [{"type": name, "stream": "s", "arrivals": {"every": f"{at}h"}} for name, at in arrivals],
        "streams": {"s": {"steps": steps}},
        **extra,
    }


def fix(effort: str, team: str = "desk") -> dict:
    return {"name": "fix", "activity": "deliver_and_support", "team": team, "effort": effort}


# -- 1. an approver on a calendar team counts the night as work --------------------------------------
def test_approver_on_a_calendar_team_does_not_count_paused_hours_as_work():
    # Arrive Friday 16:30 (t = 112.5); the approver reviews for 2 h on a 9-17 desk that pauses:
    # 16:30-17:00 (0.5 h), paused Fri 17:00 -> Mon 09:00 (64 h), 09:00-10:30 (1.5 h).
    # Decided Monday 10:30 = 168 + 10.5 = 178.5. Work 2 h; wait 0; off-hours 64 h (part of wait).
    # The same numbers as the team-work step (tests/test_service_hours.py) give.
    steps = [{"name": "review", "activity": "deliver_and_support",
              "gate": {"kind": "approver", "team": "desk", "effort": "2h"}}]
    results = simulate(scenario({"desk": team_desk()}, [("ticket", 112.5)], steps, horizon=112.75))
    item = results.items.iloc[0]
    assert item["completed"] == pytest.approx(178.5, abs=1e-9)
    event = results.events.iloc[0]
    assert event["work"] == pytest.approx(2.0, abs=1e-9)  # got 66.0: now - started, pause included
    assert item["work_time"] == pytest.approx(2.0, abs=1e-9)
    assert item["off_hours_time"] == pytest.approx(64.0, abs=1e-9)
    # work + wait == time to value (results/frames.py's documented identity): 2 + 64 == 66
    assert item["work_time"] + item["wait_time"] == pytest.approx(item["time_to_value"], abs=1e-9)


# -- 2. work that ends exactly at the end of the day is held overnight -------------------------------
def test_work_ending_exactly_at_shift_end_completes_at_shift_end():
    # Arrive Monday 15:00 (t = 15) with 2 h of work on a 9-17 pause desk: 15:00-17:00 is exactly
    # 2 working hours, so the work is done at Monday 17:00 (t = 17), as
    # Schedule.add_working_hours(15, 2) == 17 says. It must not pause with 0 h left and finish
    # Tuesday 09:00 (t = 33).
    results = simulate(scenario({"desk": team_desk()}, [("ticket", 15.0)], [fix("2h")], horizon=15.25))
    item = results.items.iloc[0]
    assert results.scenario.schedule("desk").add_working_hours(15.0, 2.0) == pytest.approx(17.0)
    assert item["completed"] == pytest.approx(17.0, abs=1e-9)  # got 33.0
    assert item["off_hours_time"] == pytest.approx(0.0, abs=1e-9)  # got 16.0


# -- 3. an arrival at the instant the desk closes is served after hours ------------------------------
def test_arrival_at_closing_time_waits_for_the_next_working_day_under_finish():
    # Arrive Monday 17:00 (t = 17) at a 9-17 desk with at_shift_end: finish. Schedule.headcount_at(17)
    # is 0 ("a change at t already counts"): nobody is on duty, so the item queues until Tuesday
    # 09:00 (t = 33) and is done at 11:00 (t = 35). Finish lets work *in hand* run on; it does not
    # let a person start new work after their shift ended.
    data = scenario({"desk": team_desk(at_shift_end="finish")}, [("ticket", 17.0)], [fix("2h")], horizon=17.25)
    results = simulate(data)
    assert results.scenario.schedule("desk").headcount_at(17.0) == 0
    item = results.items.iloc[0]
    assert item["completed"] == pytest.approx(35.0, abs=1e-9)  # got 19.0: started at 17:00 on overtime


# -- 4. work paused at the drain limit is counted as worked ------------------------------------------
def test_work_paused_at_the_end_of_the_run_is_not_busy_time():
    # One item arrives Monday 16:00 (t = 16) with 2 h of work; the run stops at t = 20 (horizon 20 h,
    # drain 0 h) while the work is paused (16:00-17:00 done, 1 h left).
    # Step record: work so far 1 h (16-17), not 4 h (16-20).
    # Team: busy 1 h in the window [0, 20]; scheduled person-hours 8 (Mon 09-17); utilisation 1/8.
    data = scenario({"desk": team_desk()}, [("ticket", 16.0)], [fix("2h")], horizon=20.0, drain="0h")
    results = simulate(data)
    event = results.events.iloc[0]
    assert event["outcome"] == "in_progress"
    assert event["work"] == pytest.approx(1.0, abs=1e-9)  # got 4.0
    team = results.teams.iloc[0]
    assert team["scheduled_hours"] == pytest.approx(8.0)
    assert team["busy_hours"] == pytest.approx(1.0, abs=1e-9)  # got 4.0
    assert team["utilisation"] == pytest.approx(1.0 / 8.0)  # got 0.5


# -- 5. under finish, people on overtime hold back the next shift --------------------------------------
def test_finish_overtime_does_not_block_the_next_shift():
    # Shifts: one person 09:00-17:00, one (another) person 17:30-22:00, Monday to Friday; finish.
    # A arrives Monday 16:00 (t = 16) with 4 h: the day person stays until 20:00 (finish).
    # B arrives Monday 16:30 (t = 16.5) with 1 h: queued behind A. At 17:30 the evening person comes
    # on duty, nobody else is working on the evening's headcount, so B starts at 17:30 and is done at
    # 18:30 (t = 18.5). The engine counts the day person's overtime against the evening headcount:
    # B waits for A to finish at 20:00 and is done at 21:00.
    shifts = [{"days": "mon-fri", "hours": "09:00-17:00", "capacity": 1},
              {"days": "mon-fri", "hours": "17:30-22:00", "capacity": 1}]
    steps = [fix("4h")]
    data = scenario({"desk": {"shifts": shifts, "at_shift_end": "finish"}}, [("a", 16.0), ("b", 16.5)], steps,
                    horizon=16.75)
    data["streams"] = {"s": {"steps": steps}, "t": {"steps": [fix("1h")]}}
    data["demand"][1]["stream"] = "t"
    items = simulate(data).items.set_index("type", drop=False)
    assert items.loc["a", "completed"] == pytest.approx(20.0, abs=1e-9)
    assert items.loc["b", "completed"] == pytest.approx(18.5, abs=1e-9)  # got 21.0


# -- 6. a change over time that moves a step to another team ------------------------------------------
def test_a_change_may_not_move_a_step_to_another_team():
    # Results map each step to one team; a step that changes team is a variant, not a change.
    data = {
        "name": "review", "horizon": "35h", "replications": 1, "seed": 1,
        "teams": {"a": {"capacity": 1}, "b": {"capacity": 1}},
        "demand": [{"type": "ticket", "stream": "s", "arrivals": {"every": "10h"}}],
        "streams": {"s": {"steps": [fix("1h", team="a")]}},
        "changes": [{"at": "15h", "set": {"streams.s.steps.fix.team": "b"}}],
    }
    with pytest.raises(ScenarioError, match=r"changes\[0\]: a change may alter values, not .* the team of"):
        load_scenario(data)


# == Passing tests kept for coverage of behaviour no other test pins down ============================
def test_headcount_drop_from_three_to_one_pauses_the_two_most_recently_started():
    # Shifts 09-17 three people, 17-20 one person. a (14:00), b (14:30), c (15:00), 4 h each.
    # At 17:00: a has 1 h left and keeps going (done 18:00); c then b pause (c started last).
    # b resumes at 18:00 with 1.5 h (done 19:30); c resumes at 19:30, works 0.5 h to 20:00, pauses
    # again, resumes Tuesday 09:00 with 1.5 h: done 10:30 (t = 34.5).
    # Off hours: b 17-18 = 1 h; c 17-19.5 + 20-33 = 2.5 + 13 = 15.5 h.
    shifts = [{"days": "mon-fri", "hours": "09:00-17:00", "capacity": 3},
              {"days": "mon-fri", "hours": "17:00-20:00", "capacity": 1}]
    data = scenario({"desk": {"shifts": shifts}}, [("a", 14.0), ("b", 14.5), ("c", 15.0)], [fix("4h")],
                    horizon=15.1, allow_overload=True)
    items = simulate(data).items.set_index("type")
    assert list(items["completed"]) == [18.0, 19.5, 34.5]
    assert list(items["off_hours_time"]) == [0.0, 1.0, 15.5]
    assert list(items["work_time"]) == [4.0, 4.0, 4.0]


def test_work_paused_across_two_nights():
    # Monday 16:00 with 10 h: 16-17 (1 h), Tuesday 9-17 (8 h), Wednesday 9-10 (1 h): done t = 58.
    # Off hours 17:00 Mon -> 09:00 Tue and 17:00 Tue -> 09:00 Wed: 16 + 16 = 32 h.
    data = scenario({"desk": team_desk()}, [("ticket", 16.0)], [fix("10h")], horizon=16.25, allow_overload=True)
    item = simulate(data).items.iloc[0]
    assert (item["completed"], item["work_time"], item["off_hours_time"], item["wait_time"]) == (58.0, 10.0, 32.0, 32.0)


def test_a_capacity_cut_while_work_is_paused_overnight():
    # Two people 9-17; a (15:00) and b (15:30) with 4 h each pause at 17:00 with 2 h and 2.5 h left.
    # At 20:00 the team drops to one person. Tuesday 09:00: a resumes first (b was paused first, as
    # the most recently started), done 11:00 (t = 35); b then 11:00-13:30 (t = 37.5).
    data = scenario({"desk": team_desk(capacity=2)}, [("a", 15.0), ("b", 15.5)], [fix("4h")], horizon=15.75,
                    allow_overload=True, changes=[{"at": "20h", "set": {"teams.desk.capacity": 1}}])
    items = simulate(data).items.set_index("type")
    assert list(items["completed"]) == [35.0, 37.5]
    assert list(items["off_hours_time"]) == [16.0, 18.0]


def test_sla_business_hours_with_a_customer_wait_over_the_weekend():
    # Friday 10:00 (t = 106): triage 1 h to 11:00; the customer answers 72 h later, Monday 11:00
    # (t = 179); fix 2 h: value Monday 13:00 (t = 181), elapsed 75 h.
    # Business hours Fri 10:00 -> Mon 13:00: 7 + 4 = 11; the wait Fri 11:00 -> Mon 11:00: 6 + 2 = 8.
    # SLA time 11 - 8 = 3 h (exactly the 1 h + 2 h of work).
    steps = [fix("1h") | {"name": "triage"},
             {"name": "awaiting_customer", "activity": "engage", "wait": {"delay": "72h", "reason": "customer"}},
             fix("2h")]
    data = scenario({"desk": team_desk()}, [("ticket", 106.0)], steps, horizon=106.25, allow_overload=True,
                    sla={"ticket": {"target": "4h", "clock": "business_hours", "pause_on": ["customer"]}})
    item = simulate(data).items.iloc[0]
    assert (item["value_realized"], item["time_to_value"], item["sla_time"]) == (181.0, 75.0, 3.0)


def test_weekly_profile_dispersion_and_holidays_follow_the_wall_clock_from_a_wednesday():
    # t = 0 is Wednesday 2026-01-07 08:00; the profile allows Mondays only; Monday 2026-01-19 is a
    # holiday skipped by arrivals. Every arrival must fall on a Monday other than the 19th, whatever
    # the gamma factor of the week (dispersion 0.5).
    data = {"name": "arr", "horizon": "4w", "replications": 2, "seed": 3, "start": "2026-01-07 08:00",
            "holidays": ["2026-01-19"], "teams": {"desk": {"capacity": 40}},
            "demand": [{"type": "t", "stream": "s", "arrivals": {
                "rate": "20/d", "dispersion": 0.5, "skip_holidays": True,
                "profile": {"by_weekday": [1, 0, 0, 0, 0, 0, 0]}}}],
            "streams": {"s": {"steps": [fix("10min")]}}}
    results = simulate(data)
    days = {results.scenario.schedule("desk").wall_clock(t).date() for t in results.items["arrived"]}
    assert len(results.items) > 0
    assert {d.weekday() for d in days} == {0}
    assert days <= {date(2026, 1, 12), date(2026, 1, 26), date(2026, 2, 2)}


def test_same_seed_same_results_and_common_random_numbers_across_a_calendar_variant():
    # With a change over time and random efforts and waits: the same seed gives identical frames; a
    # variant that only adds a calendar keeps every arrival, effort and wait drawn per item.
    import pandas as pd

    from simvalue.scenario.variants import load_variant

    base = {"name": "crn", "horizon": "2w", "replications": 2, "seed": 7, "teams": {"desk": {"capacity": 3}},
            "demand": [{"type": "t", "stream": "s", "arrivals": {"rate": "3/d"}}],
            "streams": {"s": {"steps": [
                fix("exponential(mean=2h)"),
                {"name": "wait", "activity": "engage", "wait": {"delay": "exponential(mean=1d)", "reason": "customer",
                                                                "timeout": "3d", "on_timeout": "done"}},
                fix("gamma(mean=1h, cv=0.5)") | {"name": "close"}]}},
            "changes": [{"at": "1w", "set": {"teams.desk.capacity": 2}}]}
    a, again = simulate(base), simulate(base)
    pd.testing.assert_frame_equal(a.items, again.items)
    pd.testing.assert_frame_equal(a.events, again.events)
    b = simulate(load_variant(base, {"name": "cal", "set": {"teams.desk.calendar": OFFICE}}))
    assert list(a.items["arrived"]) == list(b.items["arrived"])
    key = ["replication", "item_id", "step"]
    work = a.events.set_index(key)["work"].to_frame("a").join(b.events.set_index(key)["work"].to_frame("b"),
                                                              how="inner")
    assert len(work) > 100
    assert np.allclose(work["a"], work["b"], atol=1e-9)


def test_holiday_test_is_membership_in_any_interval():
    """The bisection over merged holidays answers exactly as a scan of the intervals does, for
    overlapping, touching, unsorted and repeated ones, and at their edges."""
    holidays = ((48.0, 72.0), (0.0, 24.0), (24.0, 48.0), (100.0, 124.0), (110.0, 130.0), (100.0, 124.0),
                (500.0, 524.0))
    on_holiday = holiday_test(holidays)
    edges = [h for interval in holidays for h in interval]
    times = np.concatenate([np.random.default_rng(3).uniform(-10.0, 600.0, 2000), edges,
                            np.nextafter(edges, -np.inf)])
    for t in times:
        assert on_holiday(float(t)) == any(start <= t < end for start, end in holidays), t
    assert not holiday_test(())(5.0)
