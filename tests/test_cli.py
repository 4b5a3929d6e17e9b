"""The command line, run in-process; every file it writes goes under tmp_path."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

import simvalue
from simvalue.cli import main


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"simvalue {simvalue.__version__}"


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("run", "check", "schema"):
        assert command in out


def test_run_prints_summary_and_writes_four_files(tmp_path, capsys, change_scenario):
    out_dir = tmp_path / "out"
    assert main(["run", str(write(tmp_path, change_scenario)), "-r", "2", "--seed", "1", "--out", str(out_dir)]) == 0
    printed = capsys.readouterr().out
    assert "time per item" in printed and "utilisation" in printed and "change" in printed
    assert sorted(p.name for p in out_dir.iterdir()) == ["events.parquet", "items.parquet", "summary.csv",
                                                          "teams.parquet"]
    items = pd.read_parquet(out_dir / "items.parquet")
    assert set(items["replication"]) == {0, 1}
    summary = pd.read_csv(out_dir / "summary.csv")
    assert {"type", "metric", "estimate", "ci_low", "ci_high"} <= set(summary.columns)


def test_check_reports_offered_load(tmp_path, capsys, change_scenario):
    assert main(["check", str(write(tmp_path, change_scenario))]) == 0
    out = capsys.readouterr().out
    assert "offered load" in out and "platform" in out and "visits" in out


def test_check_warns_about_an_overloaded_scenario_and_accepts_it(tmp_path, capsys, change_scenario):
    change_scenario["teams"]["desk"]["capacity"] = 1
    change_scenario["demand"][1]["arrivals"]["rate"] = "30/d"
    path = write(tmp_path, change_scenario)
    assert main(["check", str(path)]) == 0  # an overload is simulated and reported, not refused (issue 21)
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith(f"simvalue: warning: {path}: teams.desk.capacity: team 'desk' is overloaded")
    assert "Traceback" not in err and "queue grows by about" in err
    # The load table shows where the load comes from.
    assert "offered load" in captured.out and "OVERLOADED" in captured.out



@pytest.mark.parametrize("command", ["run", "check"])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, change_scenario, command):
    change_scenario["streams"]["change"]["steps"][0]["team"] = "nobody"
    path = write(tmp_path, change_scenario)
    args = [command, str(path)] + (["--out", str(tmp_path / "out")] if command == "run" else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err == (f"simvalue: error: {path}: streams.change.steps[assess].team: unknown team 'nobody' "
                   "(known: platform, desk)\n")
    assert not (tmp_path / "out").exists()


def test_missing_file_exits_2(capsys, tmp_path):
    assert main(["run", str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml: file not found" in capsys.readouterr().err


def test_bad_replications_is_a_usage_error(tmp_path, change_scenario):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(write(tmp_path, change_scenario)), "-r", "0"])
    assert exit_info.value.code == 2


def test_schema_is_json_schema_of_the_format(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Scenario"
    assert {"teams", "demand", "streams", "horizon"} <= set(schema["properties"])
    assert "cab" in json.dumps(schema)


@pytest.mark.parametrize("args, message", [
    (["--out", "{file}"], "--out {file}: exists and is not a folder"),
    (["--set", "horizon=1e9h"], "with --set/--scale: horizon: must be at most 1,000 years, got '1e9h'"),
    (["--max-events", "1000"], "this run would simulate about"),
    (["--set", "teams.desk.capacity=[unclosed"], "--set teams.desk.capacity: cannot read value '[unclosed'"),
    (["--scale", "teams.desk.capacity=x"], "--scale teams.desk.capacity: expected a number, got 'x'"),
])
def test_bad_options_exit_2_with_one_line(tmp_path, capsys, change_scenario, args, message):
    file = tmp_path / "a-file"
    file.write_text("")
    scenario = write(tmp_path, change_scenario)
    assert main(["run", str(scenario), "-r", "1"] + [a.format(file=file) for a in args]) == 2
    err = capsys.readouterr().err
    assert message.format(file=file) in err and err.count("\n") == 1 and "Traceback" not in err


def test_report_path_that_is_a_folder_is_refused_before_work(tmp_path, capsys, change_scenario):
    scenario = write(tmp_path, change_scenario)
    assert main(["compare", str(scenario), "--set", "teams.desk.capacity=3", "--report", str(tmp_path)]) == 2
    assert f"--report {tmp_path}: is a folder" in capsys.readouterr().err
    assert not list(tmp_path.glob(".*"))


def test_runs_first_table_says_its_figures_are_time_to_value(tmp_path, capsys, change_scenario):
    assert main(["run", str(write(tmp_path, change_scenario)), "-r", "2", "--seed", "1"]) == 0
    tables = capsys.readouterr().out.split("\n\n")
    assert tables[1].startswith("time-to-value per item type, from arrival to done\ntype ")
    assert any(t.startswith("time-to-value per priority, from arrival to done\ntype ") for t in tables)


def test_check_spells_every_figure_without_scientific_notation(capsys):
    """`check` said "3.87e+04 events"; the bundled service desk has about 28,800."""
    assert main(["check", str(Path(__file__).resolve().parents[1] / "scenarios" / "service_desk.yaml")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\(\d\d,\d00 events, ", out), out[-300:]
    assert not re.search(r"\d[eE][+-]?\d", out)


@pytest.mark.parametrize("command", ["run", "check"])
def test_a_variant_file_is_pointed_to_compare(tmp_path, capsys, change_scenario, command):
    write(tmp_path, change_scenario)
    (tmp_path / "variants").mkdir()
    variant = tmp_path / "variants" / "more.yaml"
    variant.write_text("name: more\nbase: ../scenario.yaml\nset: {teams.platform.capacity: 3}\n")
    assert main([command, str(variant)]) == 2
    assert capsys.readouterr().err == (
        f"simvalue: error: {variant}: this is a variant (base:, set:, scale:), not a whole scenario: compare it "
        f"with its base: simvalue compare {tmp_path}/scenario.yaml {variant}\n")


def test_the_work_budget_spells_its_figures_for_people(tmp_path, capsys, change_scenario):
    assert main(["run", str(write(tmp_path, change_scenario)), "--max-events", "1000"]) == 2
    err = capsys.readouterr().err
    assert "this run would simulate about" in err and "more than the budget of 1,000;" in err
    assert not re.search(r"\d[eE][+-]?\d", err), err
