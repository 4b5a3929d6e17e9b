"""The speed benchmark still runs and says what it measured (timings are not asserted: they live in
benchmarks/results, machine by machine). A small run of benchmarks/engine_throughput.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import engine_throughput  # noqa: E402  (a script directory, not a package)


def test_engine_throughput_times_every_model_round_by_round(tmp_path, capsys):
    out = tmp_path / "engine.json"
    assert engine_throughput.main(["--items", "2000", "--repeats", "2", "--scenario", "--no-memory", "--no-ciw",
                                   "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    rows = {row["implementation"]: row for row in document["mmc"]}
    assert set(rows) == {"plain simpy", "callback limit", "simvalue engine", "simvalue simulate"}
    for row in rows.values():
        assert len(row["round_seconds"]) == 2 and row["seconds"] > 0
    # the same M/M/3 model four ways: about 2,000 arrivals each (Poisson: within 5 standard deviations)
    assert all(abs(row["items"] - 2000) < 5 * 2000 ** 0.5 for row in rows.values())
    printed = capsys.readouterr().out
    assert "of the callback limit" in printed and "Round by round" in printed


def test_round_shares_pair_the_rounds():
    reference = engine_throughput.Row("m", "callback limit", 100, 1.0, round_seconds=[1.0, 2.0])
    row = engine_throughput.Row("m", "simvalue simulate", 200, 1.0, round_seconds=[4.0, 2.0])
    # round 1: 50 items/s against 100; round 2: 100 against 50
    assert engine_throughput.round_shares(row, reference) == pytest.approx([0.5, 2.0])
