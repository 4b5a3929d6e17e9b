"""A synthetic change with a known effect, for the review tests: a help desk's logs before and after a knowledge
base halved the fixing effort (data/review/desk.yaml), a scenario calibrated from the before-log, and two
variants of it: one that forecasts the change faithfully and one that promises more than was delivered."""

from __future__ import annotations

from pathlib import Path

import pytest

import simvalue
from simvalue.eventlog import event_log, read_log, write_csv
from simvalue.scenario.variants import load_variant

DESK = Path(__file__).resolve().parent.parent / "data" / "review" / "desk.yaml"
#: The exported log's columns (pm4py's names), as a review or calibrate names them.
COLUMNS = {"case": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp"}
#: The change that really happened: the fixing effort halved (and the after-log starts eight weeks later).
CHANGE = {"name": "knowledge base", "set": {"start": "2026-03-02 00:00"}, "scale": {"streams.desk.steps.fix.effort": 0.5}}
FAITHFUL = "name: knowledge base halves the fixing effort\nbase: calibrated.yaml\nscale:\n  streams.ticket.steps.a_fix.effort: 0.5\n"
OVERPROMISE = ("name: knowledge base promised a fifth of the fixing effort\nbase: calibrated.yaml\nscale:\n"
               "  streams.ticket.steps.a_fix.effort: 0.2\n")


def write_logs(folder: Path) -> tuple[Path, Path]:
    """The before-log (seed 1) and the after-log (seed 2, with the change) as CSV in pm4py's form."""
    base = simvalue.load_scenario(DESK)
    before, after = folder / "before.csv", folder / "after.csv"
    write_csv(event_log(simvalue.simulate(base, seed=1)), before)
    write_csv(event_log(simvalue.simulate(load_variant(base, CHANGE), seed=2)), after)
    return before, after


def write_scenarios(folder: Path, before: Path) -> tuple[Path, Path, Path]:
    """calibrated.yaml from the before-log (the planner's SLA of 8 h added), and the faithful and the
    over-promising variant files beside it."""
    from simvalue.eventlog.calibrate import calibrate
    from simvalue.eventlog.holdout import parse_split
    log = read_log(before, **COLUMNS, resource="org:resource", type="case:type")
    result = calibrate(log, parse_split("none"), seed=1, name="calibrated")
    calibrated = folder / "calibrated.yaml"
    calibrated.write_text(result.yaml_text + "sla:\n  ticket: 8h\n", encoding="utf-8")
    (folder / "faithful.yaml").write_text(FAITHFUL, encoding="utf-8")
    (folder / "overpromise.yaml").write_text(OVERPROMISE, encoding="utf-8")
    return calibrated, folder / "faithful.yaml", folder / "overpromise.yaml"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The logs before and after the change, the calibrated scenario and its two variants (import it into a test
    module to use it)."""
    folder = tmp_path_factory.mktemp("review")
    before, after = write_logs(folder)
    calibrated, faithful, overpromise = write_scenarios(folder, before)
    return {"folder": folder, "before": before, "after": after, "scenario": calibrated, "faithful": faithful,
            "overpromise": overpromise}
