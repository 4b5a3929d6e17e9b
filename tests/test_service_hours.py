"""Service hours and waits on others: exact traces on hand-computable cases (issue 9).

t = 0 is Monday 00:00 (no ``start``), so Friday 16:30 is t = 4 x 24 + 16.5 = 112.5 h.
"""

from __future__ import annotations

import copy

import pytest

from simvalue import ScenarioError, load_scenario, simulate

FRIDAY_1630 = 4 * 24 + 16.5


def one_item(team: dict, effort: str = "2h", arrive_at: float = FRIDAY_1630, steps: list | None = None,
             **extra) -> dict:
    """A single item arriving at ``arrive_at`` (a renewal process whose second arrival is past the horizon)."""
    return {
        "name": "trace", "horizon": f"{arrive_at + 0.25}h", "drain": "4w", "replications": 1, "seed": 1,
        "teams": {"desk": team},
        "demand": [{"type": "ticket", "stream": "s", "arrivals": {"every": f"{arrive_at}h"}}],
        "streams": {"s": {"steps": steps or [{"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                              "effort": effort}]}},
        **extra,
    }


OFFICE = {"mon-fri": "09:00-17:00"}


def test_pause_at_shift_end_resumes_next_working_day():
    results = simulate(one_item({"capacity": 1, "calendar": OFFICE, "at_shift_end": "pause"}))
    item = results.items.iloc[0]
    monday_1030 = 7 * 24 + 10.5
    assert item["arrived"] == FRIDAY_1630
    assert item["completed"] == pytest.approx(monday_1030, abs=1e-9)
    assert item["work_time"] == pytest.approx(2.0, abs=1e-9)
    assert item["off_hours_time"] == pytest.approx(monday_1030 - FRIDAY_1630 - 2.0, abs=1e-9)
    assert item["wait_time"] == pytest.approx(item["off_hours_time"], abs=1e-9)
    event = results.events.iloc[0]
    assert (event["started"], event["work"]) == (FRIDAY_1630, pytest.approx(2.0))


def test_finish_at_shift_end_stays_until_done():
    results = simulate(one_item({"capacity": 1, "calendar": OFFICE, "at_shift_end": "finish"}))
    item = results.items.iloc[0]
    assert item["completed"] == pytest.approx(4 * 24 + 18.5, abs=1e-9)
    assert item["off_hours_time"] == 0 and item["wait_time"] == 0


def test_arrival_outside_hours_waits_in_the_queue_until_the_team_is_on_duty():
    saturday_10 = 5 * 24 + 10.0
    results = simulate(one_item({"capacity": 1, "calendar": OFFICE}, arrive_at=saturday_10))
    item = results.items.iloc[0]
    assert item["completed"] == pytest.approx(7 * 24 + 9 + 2, abs=1e-9)
    assert item["wait_time"] == pytest.approx(7 * 24 + 9 - saturday_10, abs=1e-9)
    assert item["off_hours_time"] == 0  # waiting in the queue, not paused work


def test_holiday_closes_the_desk_for_the_whole_day():
    # start Monday 2024-01-01; a holiday on Monday 2024-01-08 moves the resumption to Tuesday 09:00.
    results = simulate(one_item({"capacity": 1, "calendar": OFFICE, "holidays": ["2024-01-08"]}))
    assert results.items.iloc[0]["completed"] == pytest.approx(8 * 24 + 10.5, abs=1e-9)


def test_start_moves_the_calendar():
    # t = 0 is Friday 2026-01-09 16:30: an item arriving at t = 0.25 h starts at 16:45, pauses at 17:00.
    data = one_item({"capacity": 1, "calendar": OFFICE}, arrive_at=0.25, start="2026-01-09 16:30",
                    allow_overload=True)  # one arrival; a renewal every 15 min would overload the desk
    item = simulate(data).items.iloc[0]
    assert item["completed"] == pytest.approx(0.25 + 0.25 + 64 + 1.75, abs=1e-9)


def test_night_shift_takes_over_from_the_day_shift():
    shifts = [{"days": "mon-fri", "hours": "08:00-17:00", "capacity": 2},
              {"days": "mon-sun", "hours": "17:00-08:00", "capacity": 1}]
    item = simulate(one_item({"shifts": shifts})).items.iloc[0]
    assert item["completed"] == pytest.approx(FRIDAY_1630 + 2.0, abs=1e-9)  # the night shift carries on


def test_utilisation_is_busy_over_scheduled_person_hours():
    # Two weeks of a 9-17 desk (80 person-hours) and one item of 2 h: utilisation 2 / 80 exactly.
    data = one_item({"capacity": 1, "calendar": OFFICE}, arrive_at=24 + 10.0)
    data["horizon"] = "2w"
    data["demand"][0]["arrivals"]["every"] = "34h"
    data["drain"] = "0h"
    results = simulate(data)
    assert len(results.items) >= 1
    teams = results.teams.iloc[0]
    assert teams["scheduled_hours"] == pytest.approx(80.0)
    assert teams["capacity"] == pytest.approx(80.0 / 336)
    busy = results.events["work"].sum()
    assert teams["busy_hours"] == pytest.approx(busy, abs=1e-9)
    assert teams["utilisation"] == pytest.approx(busy / 80.0)


WAIT_STEPS = [
    {"name": "triage", "activity": "engage", "team": "desk", "effort": "1h"},
    {"name": "awaiting_customer", "activity": "engage",
     "wait": {"delay": "5h", "reason": "customer", "timeout": "7d", "on_timeout": "done"}},
    {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "2h"},
]


def test_a_wait_on_others_is_waiting_not_work_nor_automation():
    item_data = one_item({"capacity": 1}, arrive_at=10.0, steps=WAIT_STEPS)
    results = simulate(item_data)
    item = results.items.iloc[0]
    assert item["time_to_value"] == pytest.approx(8.0)
    assert (item["work_time"], item["wait_time"], item["others_time"]) == (3.0, 5.0, 5.0)
    assert item["automated_steps"] == 0
    wait = results.events[results.events["step"] == "awaiting_customer"].iloc[0]
    assert (wait["wait"], wait["work"], wait["wait_reason"], bool(wait["automated"])) == (5.0, 0.0, "customer", False)
    assert results.events["team"].isna().sum() == 1  # nobody works a wait
    metrics = results.metrics().query("subject == 'ticket'").set_index("metric")["value"]
    assert metrics["flow_efficiency"] == pytest.approx(3.0 / 8.0)  # 3 h of work in 8 h
    assert metrics["automation_coverage"] == 0.0


def test_a_timeout_ends_the_wait_and_closes_the_item():
    steps = copy.deepcopy(WAIT_STEPS)
    steps[1]["wait"]["delay"] = "10d"
    results = simulate(one_item({"capacity": 1}, arrive_at=10.0, steps=steps))
    item = results.items.iloc[0]
    assert item["completed"] == pytest.approx(10.0 + 1.0 + 7 * 24)
    assert item["outcome"] == "done" and item["work_time"] == 1.0
    assert list(results.events["outcome"]) == ["completed", "timed_out"]


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["teams"]["desk"].update(calendar={"mon-fri": 540}),
     r"teams\.desk\.calendar: .*YAML reads an unquoted"),
    (lambda d: d["teams"]["desk"].update(calendar={"mon-fri": "25:00-17:00"}),
     r"teams\.desk\.calendar: mon-fri: expected times from 00:00 to 23:59"),
    (lambda d: d["teams"].update(desk={"shifts": [{"days": "mon-fri", "hours": "08:00-17:00", "capacity": 2},
                                                  {"days": "fri", "hours": "16:00-20:00", "capacity": 1}]}),
     r"teams\.desk: .*overlap"),
    (lambda d: d["teams"]["desk"].update(shifts=[{"days": "mon-fri", "hours": "08:00-17:00", "capacity": 2}]),
     r"teams\.desk: give either 'capacity'"),
    (lambda d: d["streams"]["s"]["steps"][1]["wait"].pop("on_timeout"),
     r"streams\.s\.steps\[awaiting_customer\]\.wait: .*a timeout needs on_timeout"),
    (lambda d: d["streams"]["s"]["steps"][1]["wait"].update(on_timeout="clsoe"),
     r"streams\.s\.steps\[awaiting_customer\]\.wait\.on_timeout: unknown step 'clsoe'"),
    (lambda d: d.update(start="next monday"), r"start: .*expected a start such as '2026-01-05 08:00'"),
])
def test_bad_service_hours_name_the_field(edit, message):
    data = one_item({"capacity": 1, "calendar": OFFICE}, arrive_at=10.0, steps=copy.deepcopy(WAIT_STEPS))
    edit(data)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(data)


def test_sla_on_business_hours_pauses_on_the_customer():
    # Arrive Friday 16:30; triage 1 h by 17:00 would need 0.5 h more (pause to Monday 09:30);
    # the customer replies 5 h later (14:30); fix 2 h: value Monday 16:30.
    steps = copy.deepcopy(WAIT_STEPS)
    data = one_item({"capacity": 1, "calendar": OFFICE}, steps=steps,
                    sla={"ticket": {"target": "4h", "clock": "business_hours", "pause_on": ["customer"]}})
    results = simulate(data)
    item = results.items.iloc[0]
    assert item["value_realized"] == pytest.approx(7 * 24 + 16.5, abs=1e-9)
    # Business hours from Fri 16:30 to Mon 16:30: 0.5 + 7.5 = 8 h; the wait 09:30-14:30 is 5 of them.
    assert item["sla_time"] == pytest.approx(8.0 - 5.0, abs=1e-9)
    attainment = results.metrics().query("metric == 'sla_attainment' and subject == 'ticket'")["value"]
    assert list(attainment) == [1.0]  # 3 business hours against 4


def test_sla_elapsed_with_pause_subtracts_the_wait():
    data = one_item({"capacity": 1}, arrive_at=10.0, steps=copy.deepcopy(WAIT_STEPS),
                    sla={"ticket": {"target": "4h", "pause_on": ["customer"]}})
    item = simulate(data).items.iloc[0]
    assert (item["time_to_value"], item["sla_time"]) == (8.0, 3.0)


@pytest.mark.parametrize("sla, message", [
    ({"ticket": {"target": "2d", "clock": "business_hours"}}, r"sla\.ticket: .*write e\.g\. '16h' for two 8-hour days"),
    ({"ticket": {"target": "4h", "pause_on": ["custmer"]}}, r"sla\.ticket\.pause_on: unknown wait reason .*'custmer'"),
    ({"ticket": {"target": "4h", "clock": "business_hours", "calendar": "dsek"}}, r"sla\.ticket\.calendar: unknown team"),
])
def test_bad_sla_clocks_name_the_field(sla, message):
    data = one_item({"capacity": 1}, arrive_at=10.0, steps=copy.deepcopy(WAIT_STEPS), sla=sla)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(data)


def test_check_shows_load_per_shift(tmp_path, capsys):
    from simvalue.cli import main
    from simvalue.scenario.capacity import shift_loads
    shifts = [{"days": "mon-fri", "hours": "08:00-17:00", "capacity": 3},
              {"days": "mon-sun", "hours": "17:00-08:00", "capacity": 1}]
    data = one_item({"shifts": shifts})
    data["demand"][0]["arrivals"] = {"rate": "12/d"}  # 0.5/h x 2 h = 1 Erlang at every hour
    data["horizon"] = "2w"
    loads = {load.window: load for load in shift_loads(load_scenario(data))}
    assert set(loads) == {"Mon-Fri 08:00-17:00", "Mon-Sun 17:00-08:00", "Sat-Sun 08:00-17:00"}
    assert loads["Mon-Fri 08:00-17:00"].average == pytest.approx(1.0)
    assert loads["Mon-Fri 08:00-17:00"].utilisation == pytest.approx(1 / 3)
    assert loads["Mon-Sun 17:00-08:00"].utilisation == pytest.approx(1.0)
    assert loads["Sat-Sun 08:00-17:00"].headcount == 0
    # 3 Erlangs against an average headcount of (3 x 45 + 1 x 105 + 0 x 18) / 168 = 1.43: overloaded, warned.
    data["demand"][0]["arrivals"] = {"rate": "36/d"}
    path = tmp_path / "s.yaml"
    import yaml
    path.write_text(yaml.safe_dump(data))
    assert main(["check", str(path)]) == 0
    captured = capsys.readouterr()
    assert "warning" in captured.err and "teams.desk.shifts: team 'desk' is overloaded" in captured.err
    assert "load per shift" in captured.out and "Mon-Fri 08:00-17:00" in captured.out


def test_a_long_wait_on_others_is_never_the_bottleneck():
    steps = copy.deepcopy(WAIT_STEPS)
    steps[1]["wait"]["delay"] = "3d"
    data = one_item({"capacity": 1}, steps=steps)
    data["demand"][0]["arrivals"] = {"rate": "6/d"}  # 6/d x 3 h = 0.75 of the one person
    data["horizon"] = "3w"
    breakdown = simulate(data).steps().set_index("step")
    assert breakdown.loc["awaiting_customer", "wait"] > breakdown.loc["fix", "wait"]
    assert not breakdown.loc["awaiting_customer", "bottleneck"]
    assert breakdown["bottleneck"].sum() == 1
