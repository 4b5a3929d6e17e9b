"""calibrate writes a scenario that check and run accept, whatever the log's ids look like (issue 20)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import simvalue
from simvalue.cli import main
from simvalue.eventlog import read_log
from simvalue.eventlog.calibrate import calibrate
from simvalue.eventlog.holdout import Split
from simvalue.eventlog.names import scenario_name

#: Ids a scenario name cannot be as they stand: numbers, YAML booleans and null, a date, a symbol.
ODD = ["19019", "true", "No", "null", "2012-05-03", "?", "on", "1e3"]


def _log(with_start: bool) -> pd.DataFrame:
    """300 cases through two activities named like numbers, done by people named like YAML keywords,
    in teams named like dates and booleans; work on weekdays 09:00-17:00."""
    rng = np.random.default_rng(4)
    rows = []
    origin = pd.Timestamp("2024-01-01 09:00")
    for case in range(300):
        t = origin + pd.Timedelta(days=int(rng.integers(0, 60)), hours=float(rng.uniform(0, 6)))
        for activity, team in (("1", "true"), ("2.0", "2012-05-03")):
            start = t + pd.Timedelta(hours=float(rng.exponential(2.0)))
            done = start + pd.Timedelta(minutes=float(rng.exponential(20.0)))
            rows.append((f"{case:05d}", activity, start, done, ODD[int(rng.integers(0, len(ODD)))], team))
            t = done
    frame = pd.DataFrame(rows, columns=["case", "activity", "start", "timestamp", "resource", "team"])
    return frame if with_start else frame.drop(columns="start")


@pytest.mark.parametrize("text, name", [("19019", "t_19019"), ("2012-05-03", "t_2012-05-03"), ("true", "true"),
                                        ("Wait - User", "Wait_-_User"), ("x" * 2000, None)])
def test_scenario_names_start_with_a_letter_and_stay_short(text, name):
    made = scenario_name(text)
    assert made[0].isalpha() or made[0] == "_"
    assert len(made) <= 48 and (name is None or made == name)


@pytest.mark.parametrize("with_start", [True, False])
@pytest.mark.parametrize("roles", [{"resource": "resource"}, {"resource": "resource", "team": "team"}])
def test_odd_ids_give_a_scenario_that_check_and_run_accept(tmp_path, with_start, roles):
    path = tmp_path / "odd.csv"
    _log(with_start).to_csv(path, index=False)
    options = [f"--{role}={column}" for role, column in roles.items()] + (["--start=start"] if with_start else [])
    out = tmp_path / "odd.yaml"
    assert main(["calibrate", str(path), "--case=case", "--activity=activity", "--timestamp=timestamp", *options,
                 "--split", "none", "--out", str(out)]) == 0
    assert main(["check", str(out)]) == 0
    data = yaml.safe_load(out.read_text())
    assert all(isinstance(team, str) for team in data["teams"])  # no key read back as a boolean or a date
    assert all(str(member) in ODD for spec in data["teams"].values() for member in spec.get("members", []))
    assert main(["run", str(out), "-r", "2", "--seed", "1", "--out", str(tmp_path / "run")]) == 0


def test_people_teams_have_headcount_calendar_and_efforts(tmp_path):
    path = tmp_path / "odd.csv"
    _log(True).to_csv(path, index=False)
    log = read_log(path, case="case", activity="activity", timestamp="timestamp", start="start",
                   resource="resource", team="team")
    result = calibrate(log, Split("none", 0.0), seed=1)
    teams = result.scenario["teams"]
    assert set(teams) == {"true", "t_2012-05-03"}
    for spec in teams.values():
        # Eight people, each active in most weeks of either team: the headcount is the typical week's.
        assert 4 <= spec["capacity"] <= 8 and set(spec["members"]) <= set(ODD)
        assert set(spec["calendar"]) <= {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    staffed = [m for m in result.steps if m.kind == "staffed"]
    assert {m.team for m in staffed} == set(teams)
    # Work is start to complete: exponential, mean 20 minutes; 500-odd events each: 4 standard errors.
    for model in staffed:
        assert abs(model.fit.mean - 1 / 3) <= 4 * (1 / 3) / np.sqrt(model.events) + 0.02, model
    simvalue.load_scenario(yaml.safe_load(result.yaml_text))
