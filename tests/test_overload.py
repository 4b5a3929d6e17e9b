"""An overloaded team is simulated and reported, not refused (issue 21): check, run, compare and the app
warn and run; the results say the backlog grows and how fast; restarted work adds load the check sees."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

import simvalue
from simvalue.app.overlay import check_overlay
from simvalue.app.folder import load_baseline
from simvalue.cli import main
from simvalue.reports.compare import steady_notes
from simvalue.scenario import ScenarioWarning
from simvalue.scenario.capacity import offered_loads
from simvalue.scenario.overload import restart_loads
from simvalue.results.stats import t_interval
from simvalue.results.steady import steady_state, steady_text
from tests.models import single_team

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_run_of_an_overloaded_team_exits_0_and_says_the_queue_grows(capsys):
    # The fixed interface: platform at 110% (offered 2.19 people against 2).
    argv = ["run", str(SCENARIOS / "change_enablement.yaml"), "--set", "teams.platform.capacity=2", "-r", "2",
            "--seed", "1"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "No steady state: the queue grows" in captured.out and "backlog" in captured.out
    assert "Team 'platform' is overloaded" in captured.out and "items a week" in captured.out
    assert "teams.platform.capacity: team 'platform' is overloaded" in captured.err
    assert "e+" not in captured.out  # numbers for people, never scientific notation


def test_check_warns_about_an_overload_and_exits_0(tmp_path, capsys, change_scenario):
    change_scenario["teams"]["desk"]["capacity"] = 1
    change_scenario["demand"][1]["arrivals"]["rate"] = "30/d"
    path = _write(tmp_path, change_scenario)
    assert main(["check", str(path)]) == 0
    captured = capsys.readouterr()
    assert f"simvalue: warning: {path}: teams.desk.capacity: team 'desk' is overloaded: offered load" in captured.err
    assert "queue grows by about" in captured.err and "items a week" in captured.err
    assert "OVERLOADED" in captured.out and "offered load" in captured.out


def test_compare_of_a_baseline_and_its_overloaded_variant_runs_and_reports_the_growth(tmp_path, capsys):
    base = single_team("1/h", "1.5h", 2, horizon="400h", warmup="0h", drain="1w")
    path = _write(tmp_path, base)
    assert main(["compare", str(path), "--set", "teams.desk.capacity=1", "-r", "2", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "teams.desk.capacity=1: No steady state: the queue grows. Team 'desk' is overloaded" in out
    assert "single team: No steady state" not in out  # the baseline (75%) settles


def test_the_app_checks_and_runs_an_overloaded_variant_with_a_warning():
    baseline = load_baseline(SCENARIOS, "change_enablement.yaml")[0]
    result = check_overlay(baseline, {"name": "v", "set": {"teams.platform.capacity": 1}}, SCENARIOS)
    assert result.ok and any("team 'platform' is overloaded" in note for note in result.notes)
    small = single_team("1/h", "1.5h", 2, horizon="200h", warmup="0h", drain="1w")
    with pytest.warns(ScenarioWarning, match="overloaded"):
        comparison = simvalue.compare(small, {"name": "one person", "set": {"teams.desk.capacity": 1}},
                                      replications=2, seed=1)
    notes = steady_notes(comparison)  # what the app's page and the HTML report show
    assert len(notes) == 1 and notes[0].startswith("one person: No steady state: the queue grows")


def test_the_backlog_of_an_overloaded_single_server_grows_as_the_excess_load_says():
    # M/D/1 at offered load 1.5: Poisson arrivals at 1.5/h, 1 h each. Once the person is busy for good (at
    # once, as the queue only grows), 1 item an hour leaves, so the backlog grows by (1.5 - 1) x 168 / 1 = 84
    # items a week. Over the horizon's second half (672 h = 4 w) the growth is (A - 672) / 4 with A Poisson
    # of mean 1008: sd sqrt(1008) / 4 = 7.9 items a week per replication, 2.5 over 10 replications; the
    # 99.9% interval over replications (half-width about 4.8 x 2.5 = 12) must hold 84.
    data = single_team("1.5/h", "1h", 1, horizon="1344h", warmup="0h", drain="1h", replications=10)
    with pytest.warns(ScenarioWarning, match="queue grows by about 84 items a week"):
        scenario = simvalue.load_scenario(data)
    load, = [load for load in offered_loads(scenario) if load.name == "desk"]
    assert load.growth_per_week == pytest.approx(84.0)
    with pytest.warns(UserWarning):  # items in flight at the drain limit
        results = simvalue.simulate(scenario, record="summary")
    state = steady_state(results)
    _, low, high = t_interval(state.per_replication["growth_per_week"], 0.999)
    assert low <= 84.0 <= high and high - low < 40
    # The backlog at the end: 1.5 x 1344 arrived, 1344 served at most (the first arrival starts the work).
    end, low, high = t_interval(state.per_replication["backlog_end"], 0.999)
    assert low <= 0.5 * 1344 <= high + 1
    assert state.growing and "84" in steady_text(state)


def test_a_settled_run_says_nothing_about_growth():
    data = single_team("1/h", "exponential(mean=30min)", 1, horizon="500h", warmup="50h", replications=4)
    state = steady_state(simvalue.simulate(data, record="summary"))
    assert state.settled and steady_text(state) is None


def _restart(capacity: int = 1) -> dict:
    return {"name": "restart", "horizon": "8000h", "seed": 3, "replications": 12,
            "teams": {"desk": {"capacity": capacity, "preempt": "restart"}},
            "demand": [{"type": "high", "stream": "s", "priority": "P1", "arrivals": {"rate": "0.2/h"}},
                       {"type": "low", "stream": "s", "priority": "P2", "arrivals": {"rate": "0.2/h"}}],
            "streams": {"s": {"steps": [{"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                         "effort": {"by": "priority", "P1": "1h", "P2": "2h"}}]}}}


def test_restart_load_is_what_a_single_person_does_again():
    # One person: a low item (2 h) restarts at every high arrival (Poisson 0.2/h) during its work, so it takes
    # E[work] = (exp(0.2 x 2) - 1) / 0.2 = 2.459 h (preemptive-repeat-identical). Offered 0.2 + 0.4 = 0.6;
    # carried 0.2 + 0.2 x 2.459 = 0.692, which the simulated utilisation (lost work counts as busy) measures:
    # its 99.9% interval over 12 replications of 8000 h (half-width about 0.02) holds 0.692, not 0.6.
    with pytest.warns(ScenarioWarning, match=r"restarts interrupted work .* from 0\.6 to about 0\.692"):
        scenario = simvalue.load_scenario(_restart())
    load, = restart_loads(scenario)
    assert load.offered == pytest.approx(0.6) and load.effective == pytest.approx(0.2 + math.expm1(0.4), rel=1e-9)
    results = simvalue.simulate(scenario, record="summary")
    _, low, high = t_interval(results.teams["utilisation"], 0.999)
    assert low <= load.effective <= high and low > load.offered


def test_restart_that_overloads_a_team_is_warned_about_and_reported():
    # Low items of 3.5 h: offered 0.2 + 0.2 x 3.5 = 0.9 (90%, below capacity), carried 0.2 + (exp(0.7) - 1)
    # = 1.21: the work done again overloads the person.
    data = _restart()
    data["streams"]["s"]["steps"][0]["effort"]["P2"] = "3.5h"
    with pytest.warns(ScenarioWarning, match=r"restarts interrupted work .* from 0\.9 to about 1\.21 .*it is overloaded"):
        scenario = simvalue.load_scenario(data)
    assert all(load.utilisation < 1 for load in offered_loads(scenario))
    data.update(horizon="500h", replications=2)
    with pytest.warns(ScenarioWarning):
        state = steady_state(simvalue.simulate(data, record="summary"))
    assert state.growing and "overloaded by the work it restarts" in steady_text(state)
