"""State-dependent rules (issue 24): a queue served nearest SLA breach first, overflow to another team,
overtime while the backlog is high. Exact traces on hand-computable desks (fixed efforts, fixed gaps:
``every: 1h`` arrives at 1, 2, 3, ...), and the refusals."""

from __future__ import annotations

import pytest

import simvalue
from simvalue.engine.flow import Replication
from simvalue.engine.plan import compile_plan
from simvalue.errors import SimvalueError

WORK = "deliver_and_support"


def _finishes(data: dict) -> dict[tuple[str, float], float]:
    items = simvalue.simulate(simvalue.load_scenario(data)).items
    return {(str(row.type), row.arrived): row.completed for row in items.itertuples()}


# -- queue: sla_first ------------------------------------------------------------------------------

def _sla_desk(queue: str) -> dict:
    """One person, 2 h each. 'minor' (P3, SLA 3 h) arrives at 1, 2, 3; 'major' (P1, SLA 8 h) at 1.5, 3."""
    return {"name": "sla first", "horizon": "3.2h", "drain": "2d", "replications": 1,
            "teams": {"desk": {"capacity": 1, "queue": queue}},
            "sla": {"minor": "3h", "major": "8h"},
            "demand": [{"type": "minor", "stream": "s", "priority": "P3", "arrivals": {"every": "1h"}},
                       {"type": "major", "stream": "s", "priority": "P1", "arrivals": {"every": "1.5h"}}],
            "streams": {"s": {"steps": [{"name": "fix", "activity": WORK, "team": "desk", "effort": "2h"}]}}}


def test_by_priority_the_p1_items_go_first():
    # minor@1 works 1 -> 3. At 3 the queue holds major@1.5 (P1) and minor@2: P1 first (3 -> 5); major@3 and
    # minor@3 join at 3 (after the finish: it was scheduled first); major@3 5 -> 7, minor@2 7 -> 9, minor@3 9 -> 11.
    assert _finishes(_sla_desk("priority")) == {("minor", 1.0): 3.0, ("major", 1.5): 5.0, ("minor", 2.0): 9.0,
                                                ("major", 3.0): 7.0, ("minor", 3.0): 11.0}


def test_sla_first_serves_the_nearest_breach_first():
    # Breach instants: minor@2 at 5, minor@3 at 6, major@1.5 at 9.5, major@3 at 11. At 3 minor@2 goes (3 -> 5);
    # at 5 minor@3 (5 -> 7); then major@1.5 (7 -> 9) and major@3 (9 -> 11): every item within its SLA, where
    # the priority order breaches both minors.
    finishes = _finishes(_sla_desk("sla_first"))
    assert finishes == {("minor", 1.0): 3.0, ("minor", 2.0): 5.0, ("minor", 3.0): 7.0,
                        ("major", 1.5): 9.0, ("major", 3.0): 11.0}


def test_items_without_an_sla_come_after_every_item_with_one():
    # 'walkin' (P1, no SLA) at 1.5 and 3 now: the minors first by breach (5, 6), then the walk-ins by arrival.
    data = _sla_desk("sla_first")
    data["demand"][1]["type"] = "walkin"
    del data["sla"]["major"]
    assert _finishes(data) == {("minor", 1.0): 3.0, ("minor", 2.0): 5.0, ("minor", 3.0): 7.0,
                               ("walkin", 1.5): 9.0, ("walkin", 3.0): 11.0}


def test_an_item_already_breached_comes_first_by_how_late_it_is():
    # One person, 4 h each; 'minor' (SLA 1 h) at 1, 2, 3; 'major' (SLA 2 h) at 1.5, 3. minor@1 works 1 -> 5.
    # At 5 every waiting item has breached: major@1.5 (breach 3.5) and minor@2 (breach 3) -> minor@2 is the
    # latest: 5 -> 9; then major@1.5 (3.5) 9 -> 13, minor@3 (4) 13 -> 17, major@3 (5) 17 -> 21.
    data = _sla_desk("sla_first")
    data["sla"] = {"minor": "1h", "major": "2h"}
    data["streams"]["s"]["steps"][0]["effort"] = "4h"
    assert _finishes(data) == {("minor", 1.0): 5.0, ("minor", 2.0): 9.0, ("major", 1.5): 13.0,
                               ("minor", 3.0): 17.0, ("major", 3.0): 21.0}


def test_sla_first_on_a_business_hours_clock_orders_by_the_working_time_deadline():
    # Office hours 09:00-17:00 from Monday 00:00. 'minor' (business clock, 8 h) arrives Monday 10:00 (10):
    # breach Tuesday 10:00 (34); 'major' (elapsed 20 h) at 10:30: breach 30.5. One person, 2 h each: a
    # blocker at 9:00 (9 -> 11); then major first (breach 30.5 < 34), 11 -> 13, minor 13 -> 15.
    data = {"name": "business", "horizon": "10.6h", "drain": "3d", "replications": 1,
            "teams": {"desk": {"capacity": 1, "calendar": {"mon-fri": "09:00-17:00"}, "queue": "sla_first"}},
            "sla": {"minor": {"target": "8h", "clock": "business_hours"}, "major": "20h", "blocker": "1h"},
            "demand": [{"type": "blocker", "stream": "s", "arrivals": {"every": "9h"}},
                       {"type": "minor", "stream": "s", "arrivals": {"every": "10h"}},
                       {"type": "major", "stream": "s", "arrivals": {"every": "10.5h"}}],
            "streams": {"s": {"steps": [{"name": "fix", "activity": WORK, "team": "desk", "effort": "2h"}]}}}
    assert _finishes(data) == {("blocker", 9.0): 11.0, ("major", 10.5): 13.0, ("minor", 10.0): 15.0}


# -- overflow --------------------------------------------------------------------------------------

def _overflow_desk(horizon: str = "5.5h") -> dict:
    """One person on the desk and one on tier2, 5 h each; overflow from the desk's queue of 1."""
    return {"name": "overflow", "horizon": horizon, "drain": "2d", "replications": 1, "allow_overload": True,
            "teams": {"desk": {"capacity": 1}, "tier2": {"capacity": 1}},
            "demand": [{"type": "incident", "stream": "s", "arrivals": {"every": "1h"}}],
            "streams": {"s": {"steps": [{"name": "fix", "activity": WORK, "team": "desk", "effort": "5h",
                                         "overflow": {"to": "tier2", "when_queue_over": 1}}]}}}


def test_an_item_meeting_a_full_queue_goes_to_the_other_team():
    # A@1 desk 1 -> 6. B@2 joins the desk's queue (it held 0). C@3 meets 1 waiting: tier2 (free) 3 -> 8.
    # D@4 meets 1 waiting: tier2 is busy but its queue holds 0: it queues there, 8 -> 13. E@5 meets 1
    # waiting and tier2 as full (1 waiting): it stays on the desk, after B: 11 -> 16.
    results = simvalue.simulate(simvalue.load_scenario(_overflow_desk()))
    events = results.events.sort_values("queued")
    assert events["team"].astype(str).tolist() == ["desk", "desk", "tier2", "tier2", "desk"]
    assert events[["queued", "started", "finished"]].to_numpy().tolist() == [
        [1, 1, 6], [2, 6, 11], [3, 3, 8], [4, 8, 13], [5, 11, 16]]
    assert events["step"].astype(str).tolist() == ["fix"] * 5  # the item keeps its step
    handoffs = results.items.set_index("arrived")["handoffs"].to_dict()
    assert handoffs == {1.0: 0, 2.0: 0, 3.0: 1, 4.0: 1, 5.0: 0}  # desk -> tier2 is a handoff
    busy = results.teams.groupby("team", observed=True)["busy_hours"].sum()
    assert busy["desk"] == pytest.approx(4.5) and busy["tier2"] == pytest.approx(2.5)  # window 0 -> 5.5 h


def test_an_overloaded_team_that_overflows_notes_the_pooled_bound():
    scenario = simvalue.load_scenario(_overflow_desk("100h"))
    from simvalue.scenario.checks import check
    words = " ".join(check(scenario))
    assert "overflow moves part of it to tier2" in words and "pooled utilisation 250%" in words, words


# -- overtime --------------------------------------------------------------------------------------

def _overtime_desk(until_below: int) -> dict:
    """One person, 3 h each, arrivals at 1 .. 6; one more person when more than 2 wait."""
    return {"name": "overtime", "horizon": "6.5h", "drain": "2d", "replications": 1, "allow_overload": True,
            "teams": {"desk": {"capacity": 1, "cost_per_hour": 40,
                               "overtime": {"when_backlog_over": 2, "extra": 1, "until_below": until_below}}},
            "demand": [{"type": "incident", "stream": "s", "arrivals": {"every": "1h"}}],
            "streams": {"s": {"steps": [{"name": "fix", "activity": WORK, "team": "desk", "effort": "3h"}]}}}


def _overtime_spells(data: dict) -> list[tuple]:
    return Replication(compile_plan(simvalue.load_scenario(data)), 0).run().overtimes


def test_overtime_starts_when_the_backlog_passes_the_level_and_ends_when_it_is_down():
    # A@1 1 -> 4; B@2, C@3 wait; at 4 B starts (4 -> 7) and D@4 joins: 2 waiting (C, D), not over 2. E@5 makes
    # 3: overtime at 5, the extra person starts C (5 -> 8). F@6 waits (D, E, F). At 7 D starts (7 -> 10), at 8
    # E (8 -> 11): F alone waits. At 10 F starts (10 -> 13): the queue is empty (<= 0), overtime ends, but the
    # extra person is working: they go when E is done, at 11. One spell: 5 -> 11.
    assert _finishes(_overtime_desk(0)) == {(("incident"), float(t)): f for t, f in
                                           zip(range(1, 7), [4.0, 7.0, 8.0, 10.0, 11.0, 13.0])}
    assert _overtime_spells(_overtime_desk(0)) == [(0, 5.0, 11.0)]


def test_overtime_ends_at_the_lower_level_hysteresis():
    # until_below: 1. At 8 E starts and only F waits (1 <= 1): overtime ends at 8; both people are busy
    # (D, E), so the one finishing first (D, at 10) goes off duty: spell 5 -> 10. F waits for E: 11 -> 14.
    assert _finishes(_overtime_desk(1)) == {("incident", float(t)): f for t, f in
                                           zip(range(1, 7), [4.0, 7.0, 8.0, 10.0, 11.0, 14.0])}
    assert _overtime_spells(_overtime_desk(1)) == [(0, 5.0, 10.0)]


def test_overtime_hours_are_reported_per_team_in_the_window():
    # The window is 0 -> 6.5 h: overtime 5 -> 6.5 is 1.5 person-hours; the desk is busy 1 -> 6.5 (5.5 h) and
    # the extra person 5 -> 6.5 (1.5 h): utilisation 7 / (6.5 + 1.5).
    teams = simvalue.simulate(simvalue.load_scenario(_overtime_desk(0))).teams
    row = teams.iloc[0]
    assert row["overtime_hours"] == pytest.approx(1.5)
    assert row["utilisation"] == pytest.approx(7 / 8)


def test_teams_without_overtime_report_none():
    data = _overtime_desk(0)
    del data["teams"]["desk"]["overtime"]
    teams = simvalue.simulate(simvalue.load_scenario(data)).teams
    assert teams["overtime_hours"].tolist() == [0.0]


# -- refusals --------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, words, path", [
    (lambda d: d["streams"]["s"]["steps"][0]["overflow"].update(to="desk"), "own team", "overflow.to"),
    (lambda d: d["streams"]["s"]["steps"][0]["overflow"].update(to="tier3"), "unknown team 'tier3'",
     "steps[fix].overflow.to"),
    (lambda d: d["streams"]["s"]["steps"][0]["overflow"].update(when_queue_over=-1), "greater than or equal",
     "overflow.when_queue_over"),
    (lambda d: d["streams"]["s"]["steps"][0].update(escalate={"after": "1h", "team": "tier2"}),
     "together with escalate", "steps[fix].overflow"),
    (lambda d: d["streams"]["s"]["steps"][0].update(team=["desk", "tier2"]), "one team", "steps[fix].overflow"),
])
def test_bad_overflow_names_the_field(change, words, path):
    data = _overflow_desk()
    change(data)
    with pytest.raises(SimvalueError) as caught:
        simvalue.load_scenario(data)
    assert words in str(caught.value) and path in str(caught.value), str(caught.value)


@pytest.mark.parametrize("team, words, path", [
    ({"capacity": 1, "overtime": {"when_backlog_over": 2, "extra": 1, "until_below": 2}},
     "until_below (2) must be less than when_backlog_over (2)", "teams.desk.overtime"),
    ({"capacity": 1, "overtime": {"when_backlog_over": 2, "extra": 0, "until_below": 0}},
     "greater than or equal to 1", "teams.desk.overtime.extra"),
    ({"capacity": 1, "calendar": {"mon-fri": "09:00-17:00"},
      "overtime": {"when_backlog_over": 2, "extra": 1, "until_below": 0}}, "around the clock", "teams.desk.overtime"),
    ({"capacity": 1, "preempt": "resume", "queue": "sla_first"}, "not supported with preempt", "teams.desk.queue"),
    ({"capacity": 2, "queue": "sla_first", "shared_with": {"tier2": "50%"}}, "several skills", "teams.desk.queue"),
    ({"capacity": 1, "queue": "oldest"}, "'priority' or 'sla_first'", "teams.desk.queue"),
])
def test_bad_team_rules_name_the_field(team, words, path):
    data = _overtime_desk(0)
    data["teams"] = {"desk": team, "tier2": {"capacity": 1}}
    with pytest.raises(SimvalueError) as caught:
        simvalue.load_scenario(data)
    assert words in str(caught.value) and path in str(caught.value), str(caught.value)


def _paused_desk(pause_on: list[str]) -> dict:
    """One person, 2 h each. A blocker at 1 (1 -> 3); 'major' (SLA 5 h) joins the queue at 1.2; 'minor' (SLA
    4 h, paused on ``pause_on``) arrives at 1.4, waits 1 h on the customer and joins the queue at 2.4."""
    return {"name": "paused", "horizon": "1.5h", "drain": "2d", "replications": 1,
            "teams": {"desk": {"capacity": 1, "queue": "sla_first"}},
            "sla": {"major": "5h", "minor": {"target": "4h", "pause_on": pause_on}},
            "demand": [{"type": "blocker", "stream": "s", "arrivals": {"every": "1h"}},
                       {"type": "major", "stream": "s", "arrivals": {"every": "1.2h"}},
                       {"type": "minor", "stream": "ask", "arrivals": {"every": "1.4h"}}],
            "streams": {"s": {"steps": [{"name": "fix", "activity": WORK, "team": "desk", "effort": "2h"}]},
                        "ask": {"steps": [{"name": "ask", "activity": "engage",
                                           "wait": {"delay": "1h", "reason": "customer"}},
                                          {"name": "fix", "activity": WORK, "team": "desk", "effort": "2h"}]}}}


def test_sla_first_moves_the_breach_by_the_pauses_so_far():
    # Without pauses minor's breach is 1.4 + 4 = 5.4, before major's 1.2 + 5 = 6.2: minor goes first at 3.
    assert _finishes(_paused_desk([])) == {("blocker", 1.0): 3.0, ("minor", 1.4): 5.0, ("major", 1.2): 7.0}
    # Its clock paused the hour it waited on the customer: breach 6.4, after major's: major first.
    assert _finishes(_paused_desk(["customer"])) == {("blocker", 1.0): 3.0, ("major", 1.2): 5.0,
                                                     ("minor", 1.4): 7.0}


# -- the bundled example ---------------------------------------------------------------------------

def test_the_bundled_rules_desk_loads_without_warnings_and_runs(tmp_path):
    import warnings
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "scenarios" / "desk_rules.yaml"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scenario = simvalue.load_scenario(path)
    assert scenario.teams["service_desk"].queue == "sla_first"
    assert scenario.teams["service_desk"].overtime is not None
    results = simvalue.simulate(scenario, replications=1)
    teams = results.teams.set_index("team")
    assert teams.loc["service_desk", "overtime_hours"] > 0 and teams.loc["tier2", "overtime_hours"] == 0
    resolved = results.events[results.events["step"].astype(str) == "resolve"]
    assert (resolved["team"].astype(str) == "tier2").any()  # some resolve work overflowed
    assert (resolved["team"].astype(str) == "service_desk").mean() > 0.5


def test_overtime_is_costed_with_its_premium():
    # Busy 7 h in the window at 40/h, plus the premium of 1.5 overtime hours at (1.5 - 1) x 40: 280 + 30.
    from simvalue.decisions.economics import team_hours
    hours, value = team_hours(simvalue.simulate(simvalue.load_scenario(_overtime_desk(0))))
    assert hours.tolist() == [pytest.approx(7.0)] and value.tolist() == [pytest.approx(310.0)]


# -- the command line ------------------------------------------------------------------------------

def test_the_cli_refuses_a_bad_rule_with_exit_2_file_and_field_path(tmp_path, capsys):
    import yaml
    from simvalue.cli import main
    data = _overflow_desk()
    data["streams"]["s"]["steps"][0]["overflow"]["to"] = "desk"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: streams.s.steps[fix].overflow.to: overflow to the step's own team 'desk'" in err, err


def test_run_shows_overtime_hours_in_the_team_table(tmp_path, capsys):
    import yaml
    from simvalue.cli import main
    path = tmp_path / "overtime.yaml"
    path.write_text(yaml.safe_dump(_overtime_desk(0)))
    assert main(["run", str(path), "-r", "1", "--out", str(tmp_path / "out")]) == 0
    assert "overtime hours" in capsys.readouterr().out
    import pandas as pd
    teams = pd.read_parquet(tmp_path / "out" / "teams.parquet")
    assert teams["overtime_hours"].tolist() == [pytest.approx(1.5)]
