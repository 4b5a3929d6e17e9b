"""calibrate on hostile logs: one line and exit 2 for what cannot be a log of work, and no minutes-long run on
thousands of types (issue 21)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from simvalue.cli import main
from simvalue.eventlog.calibrate import MAX_TYPES, MIN_TYPE_CASES, OTHER_TYPES, pool_types
from simvalue.eventlog.read import read_log


def write_log(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case", "activity", "timestamp", "type"])
        writer.writerows(rows)
    return path


def plain(cases: int = 40, types: int = 1) -> list[list[str]]:
    """``cases`` cases of open -> fix -> close an hour apart, cycling through ``types`` types."""
    return [[f"c{c}", activity, f"2024-01-{1 + c % 28:02d} {9 + k:02d}:{c % 60:02d}:00", f"t{c % types}"]
            for c in range(cases) for k, activity in enumerate(("open", "fix", "close"))]


def calibrate(path: Path, *extra: str) -> int:
    return main(["calibrate", str(path), "--case", "case", "--activity", "activity", "--timestamp", "timestamp",
                 "--split", "none", "--out", str(path.with_suffix(".yaml")), *extra])


@pytest.mark.parametrize("row, value, words", [
    (4, "9999-12-31 23:59:59", "outside the years 1900-2200"),
    (4, "1677-09-22 00:00:00", "outside the years 1900-2200"),
    (4, "99999999999999999999", "are not dates and times"),
    (4, "NaT", "are not dates and times"),
])
def test_timestamps_that_are_no_dates_of_work_are_refused_in_one_line(tmp_path, capsys, row, value, words):
    rows = plain()
    rows[row][2] = value
    path = write_log(tmp_path / "log.csv", rows)
    assert calibrate(path) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err and f"row {row + 1}" in err and "log.csv" in err
    assert not path.with_suffix(".yaml").exists()


def test_an_activity_name_too_long_for_a_label_is_refused_when_read(tmp_path, capsys):
    rows = plain()
    for row in rows:
        if row[1] == "fix":
            row[1] = "F" * 2000
    path = write_log(tmp_path / "log.csv", rows)
    assert calibrate(path) == 2
    err = capsys.readouterr().err.strip()
    assert len(err) < 400 and "longer than 200 characters" in err and "2,000 characters" in err
    assert not path.with_suffix(".yaml").exists()


def test_thousands_of_types_are_pooled_and_the_scenario_runs(tmp_path):
    """5,000 types of 1-2 cases each (the hostile case took minutes): one pooled stream, written and checked."""
    path = write_log(tmp_path / "log.csv", plain(cases=6000, types=5000))
    assert calibrate(path, "--type", "type") == 0
    assert main(["check", str(path.with_suffix(".yaml"))]) == 0
    log = read_log(path, case="case", activity="activity", timestamp="timestamp", type="type")
    pooled, count = pool_types(log)
    assert count == 5000 and set(pooled["type"]) == {OTHER_TYPES}


def test_frequent_types_keep_their_streams_up_to_the_most():
    import pandas as pd
    sizes = {f"t{k}": MIN_TYPE_CASES + 50 - k for k in range(MAX_TYPES + 3)} | {"rare": MIN_TYPE_CASES - 1}
    log = pd.DataFrame({"case": [f"{t}-{i}" for t, n in sizes.items() for i in range(n)],
                        "type": [t for t, n in sizes.items() for _ in range(n)]})
    pooled, count = pool_types(log)
    kept = set(pooled["type"]) - {OTHER_TYPES}
    assert count == 4 and kept == {f"t{k}" for k in range(MAX_TYPES)}


@pytest.mark.parametrize("shape", ["one event per case", "every event of a case at once"])
def test_cases_of_no_length_calibrate_and_validate(tmp_path, shape):
    """Cases that take no time (a single event, or all events at one moment) calibrate, validate and run."""
    rows = plain(cases=200)
    if shape == "one event per case":
        rows = [row for row in rows if row[1] == "open"]
    else:
        for row in rows:
            row[2] = row[2][:11] + "10:00:00"
    path = write_log(tmp_path / "log.csv", rows)
    assert main(["calibrate", str(path), "--case", "case", "--activity", "activity", "--timestamp", "timestamp",
                 "--split", "random:0.3", "--out", str(tmp_path / "log.yaml")]) == 0
    assert main(["run", str(tmp_path / "log.yaml"), "-r", "1", "--out", str(tmp_path / "run")]) == 0
    page = re.sub(r'"data:image/png;base64,[^"]*"', '""', (tmp_path / "log.report.html").read_text())
    assert not re.search(r"\bnan\b", page, re.I)       # no figure divided by a zero mean
