"""A sweep ends with its result: the best and worst point of each metric, and where the files are."""

from __future__ import annotations

import math

import pandas as pd
import yaml

from simvalue.sweeps.summary import better, extremes, point_values
from simvalue.reports.text import sweep_text

from .test_sweeps import small_scenario

PARAM = "teams.desk.capacity"


def hand_frame() -> pd.DataFrame:
    """Three points of two replications each; point 2 could not run (no figures)."""
    return pd.DataFrame({
        "point": [0, 0, 1, 1, 2, 2], PARAM: [2, 2, 3, 3, 9, 9], "replication": [0, 1] * 3,
        "ticket.time_to_value_mean": [10.0, 12.0, 4.0, 6.0, math.nan, math.nan],   # means 11 and 5
        "ticket.sla_attainment": [0.8, 0.8, 0.9, 0.9, math.nan, math.nan],
        "team_desk.utilisation": [0.9, 0.9, 0.6, 0.6, math.nan, math.nan],
        "ticket.wip": [3.0, 3.0, 3.0, 3.0, math.nan, math.nan],                     # never moves
        "in_flight_items": [0] * 6, "infeasible": ["", "", "", "", "overloaded", "overloaded"]})


def test_best_and_worst_follow_each_metrics_better_side():
    assert better("a.time_to_value_p85") == better("a.wip") == "lower"
    assert better("a.sla_attainment") == better("a.throughput") == "higher" and better("team_x.utilisation") == ""
    table = extremes(hand_frame(), [PARAM]).set_index("metric")
    assert list(table.index) == ["ticket.time_to_value_mean", "team_desk.utilisation", "ticket.sla_attainment",
                                 "ticket.wip"]  # by spread: 6/8, 0.3/0.75, 0.1/0.85, 0
    time = table.loc["ticket.time_to_value_mean"]
    assert (time.best_point, time.best, time.worst_point, time.worst) == (1, 5.0, 0, 11.0)
    sla = table.loc["ticket.sla_attainment"]
    assert (sla.best_point, sla.worst_point) == (1, 0)
    load = table.loc["team_desk.utilisation"]  # neither side: lowest, then highest
    assert (load.best_point, load.best, load.worst_point, load.worst) == (1, 0.6, 0, 0.9)
    assert table.loc["ticket.wip", "spread"] == 0


def test_the_text_table_spells_values_and_names_the_points():
    frame = hand_frame()
    text = sweep_text(extremes(frame, [PARAM]), point_values(frame, [PARAM]))
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["metric", "(point"] and "best" in lines[0] and "worst" in lines[0]
    row = lines[2]  # under the header and its rule: the metric that moves most
    assert row.startswith("ticket.time_to_value_mean") and "lower" in row
    assert row.index("5\u00a0h") < row.index("#1 capacity=3") < row.index("11\u00a0h") < row.index("#0 capacity=2")
    assert "90%" in text and "60%" in text  # shares as percentages
    assert "1 metric is the same at every point" in text
    assert "better 'neither' (utilisation)" in text


def test_sweep_command_ends_with_best_and_worst_and_the_files(tmp_path, capsys):
    from simvalue.cli import main
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(small_scenario()))
    out = tmp_path / "sweep.parquet"
    assert main(["sweep", str(scenario), "--param", "teams.desk.capacity=2:3", "-r", "2", "--serial",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    table = printed[printed.index("Best and worst point of each metric"):]
    header = table.splitlines()[1]
    assert "best" in header and "worst" in header and "at point" in header
    assert "ticket.time_to_value_mean" in table and "capacity=" in table
    last = printed.rstrip().splitlines()
    assert last[-2].startswith(f"files: {out}/") and "read_sweep" in last[-1]
    assert "e+" not in printed and "e-0" not in printed  # never scientific notation
