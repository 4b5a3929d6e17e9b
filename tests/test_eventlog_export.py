"""Exporting simulated event logs in pm4py's form; pm4py (AGPL, dev extra only) reads back what we write."""

from __future__ import annotations

import ast
import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
import yaml

import simvalue
from simvalue.cli import main
from simvalue.eventlog import ARRIVAL, event_log, read_log, write_xes
from simvalue.results.simulation import InFlightWarning

COLUMNS = ["case:concept:name", "concept:name", "time:timestamp", "org:resource", "lifecycle:transition",
           "case:type", "case:priority", "case:replication"]
NS = "{http://www.xes-standard.org/}"


@pytest.fixture(scope="module")
def pm4py():
    """pm4py, imported once for the module (about 1.5 s)."""
    import pm4py as module
    return module


def hand_scenario(**extra) -> dict:
    """Fixed times: tickets at 10 h and 20 h; triage 1 h, wait 2 h on the customer, automated fix 30 min,
    a CAB meeting every day (at 24 h), close 30 min on one desk person (the second ticket waits 30 min)."""
    scenario = {
        "name": 'hand & "computed" <log>\x01',
        "start": "2026-01-05 08:00",
        "horizon": "30h", "warmup": "0h", "replications": 2, "seed": 1,
        "teams": {"desk": {"capacity": 1}},
        "demand": [{"type": "ticket", "stream": "serve", "arrivals": {"every": "10h"}, "priority": "P2"}],
        "streams": {"serve": {"steps": [
            {"name": "triage", "activity": "engage", "team": "desk", "effort": "1h"},
            {"name": "ask_user", "activity": "engage", "wait": {"delay": "2h", "reason": "customer"}},
            {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "3h",
             "automation": {"share": 1.0, "effort": "30min"}},
            {"name": "approve", "activity": "design_and_transition",
             "gate": {"kind": "cab", "meets": "1d", "approve": 1.0}},
            {"name": "close", "activity": "engage", "team": "desk", "effort": "30min"},
        ]}},
    }
    scenario.update(extra)
    return scenario


#: The first ticket of each replication until the CAB, by hand: (activity, clock time, resource, transition);
#: its case opens with its arrival (no resource), before the triage that starts at the same time.
FIRST_TICKET = [
    ("arrival", "2026-01-05 18:00", None, "complete"),
    ("triage", "2026-01-05 18:00", "desk", "start"), ("triage", "2026-01-05 19:00", "desk", "complete"),
    ("ask_user", "2026-01-05 19:00", "customer", "start"), ("ask_user", "2026-01-05 21:00", "customer", "complete"),
    ("fix", "2026-01-05 21:00", "automation", "start"), ("fix", "2026-01-05 21:30", "automation", "complete"),
]
#: The second ticket, whole: its close waits 30 min for the first ticket's close.
SECOND_TICKET = [
    ("arrival", "2026-01-06 04:00", None, "complete"),
    ("triage", "2026-01-06 04:00", "desk", "start"), ("triage", "2026-01-06 05:00", "desk", "complete"),
    ("ask_user", "2026-01-06 05:00", "customer", "start"), ("ask_user", "2026-01-06 07:00", "customer", "complete"),
    ("fix", "2026-01-06 07:00", "automation", "start"), ("fix", "2026-01-06 07:30", "automation", "complete"),
    ("approve", "2026-01-06 08:00", "cab", "complete"),
    ("close", "2026-01-06 08:30", "desk", "start"), ("close", "2026-01-06 09:00", "desk", "complete"),
]


def rows(frame: pd.DataFrame, case: str) -> list[tuple]:
    """A case's rows as (activity, time, resource or None, transition)."""
    mine = frame[frame["case:concept:name"] == case]
    return [(a, str(t), None if pd.isna(r) else r, x)
            for a, t, r, x in zip(mine["concept:name"], mine["time:timestamp"].dt.tz_localize(None)
                                  if mine["time:timestamp"].dt.tz else mine["time:timestamp"],
                                  mine["org:resource"], mine["lifecycle:transition"])]


def expected(case_rows: list[tuple]) -> list[tuple]:
    return [(a, str(pd.Timestamp(t)), r, x) for a, t, r, x in case_rows]


def run_cli(tmp_path: Path, *options: str, data: dict | None = None) -> tuple[int, Path]:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data or hand_scenario(), sort_keys=False))
    out = tmp_path / "out"
    return main(["run", str(path), *options, "--out", str(out)]), out


# -- the frame ------------------------------------------------------------------------------------
def test_a_hand_computed_run_gives_one_row_per_lifecycle_transition():
    results = simvalue.simulate(simvalue.load_scenario(hand_scenario()))
    log = event_log(results)
    assert list(log.columns) == COLUMNS
    assert sorted(set(log["case:concept:name"])) == ["r0-0", "r0-1", "r1-0", "r1-1"]
    assert len(log) == 4 * 10  # the arrival, four steps with start and complete, one CAB decision
    assert rows(log, "r1-1") == expected(SECOND_TICKET)
    assert rows(log, "r0-0") == expected(FIRST_TICKET + [  # the scenario's start + 10 h, ...
        ("approve", "2026-01-06 08:00", "cab", "complete"),
        ("close", "2026-01-06 08:00", "desk", "start"), ("close", "2026-01-06 08:30", "desk", "complete")])
    assert set(log["case:type"]) == {"ticket"} and set(log["case:priority"]) == {"P2"}
    assert log.groupby("case:concept:name")["case:replication"].first().to_dict() == {
        "r0-0": 0, "r0-1": 0, "r1-0": 1, "r1-1": 1}


def test_a_step_cut_off_by_the_drain_limit_has_a_start_and_no_complete():
    with pytest.warns(InFlightWarning):
        results = simvalue.simulate(simvalue.load_scenario(hand_scenario(horizon="21h", drain="1.5h")))
    log = event_log(results)
    # At the limit (22.5 h) the first ticket waits for the CAB (no event), the second waits on its user.
    assert rows(log, "r0-0") == expected(FIRST_TICKET)
    assert rows(log, "r0-1") == expected(SECOND_TICKET[:4])


def two_at_once(**extra) -> dict:
    """An incident (P1) and a request arrive every 10 h, from 10 h, for one 4 h fix on a desk of one; a
    15 h warm-up: only the pair that arrives at 20 h is reported. The incident arrived first, so it goes first."""
    scenario = {
        "name": "two at once", "start": "2026-01-05 08:00", "horizon": "10h", "warmup": "15h",
        "replications": 1, "seed": 1, "teams": {"desk": {"capacity": 1}},
        "demand": [{"type": "incident", "stream": "fix", "arrivals": {"every": "10h"}, "priority": "P1"},
                   {"type": "request", "stream": "fix", "arrivals": {"every": "10h"}}],
        "streams": {"fix": {"steps": [{"name": "fix", "activity": "engage", "team": "desk", "effort": "4h"}]}},
    }
    scenario.update(extra)
    return scenario


def test_a_case_opens_at_its_arrival_so_the_wait_for_the_first_team_is_in_the_log():
    results = simvalue.simulate(simvalue.load_scenario(two_at_once()))
    log = event_log(results)
    assert results.items["item_id"].tolist() == [2, 3]  # ids 0 and 1 arrived in the warm-up: not reported
    assert rows(log, "r0-2") == expected([
        ("arrival", "2026-01-06 04:00", None, "complete"),
        ("fix", "2026-01-06 04:00", "desk", "start"), ("fix", "2026-01-06 08:00", "desk", "complete")])
    assert rows(log, "r0-3") == expected([  # 4 h in the desk's queue, between the arrival and the start
        ("arrival", "2026-01-06 04:00", None, "complete"),
        ("fix", "2026-01-06 08:00", "desk", "start"), ("fix", "2026-01-06 12:00", "desk", "complete")])
    arrivals = log[log["concept:name"] == ARRIVAL]
    assert arrivals["org:resource"].isna().all() and (arrivals["lifecycle:transition"] == "complete").all()
    assert arrivals[["case:concept:name", "case:type", "case:replication"]].values.tolist() == [
        ["r0-2", "incident", 0], ["r0-3", "request", 0]]
    assert arrivals["case:priority"].fillna("none").tolist() == ["P1", "none"]  # the case's attributes, as its steps
    cycle = log.groupby("case:concept:name")["time:timestamp"].agg(lambda t: (t.max() - t.min()) / pd.Timedelta("1h"))
    assert cycle.tolist() == results.items["time_to_value"].tolist() == [4.0, 8.0]


def test_an_item_still_queueing_for_its_first_step_at_the_drain_limit_has_its_arrival_only():
    with pytest.warns(InFlightWarning):
        results = simvalue.simulate(simvalue.load_scenario(two_at_once(horizon="6h", drain="1h")))
    log = event_log(results)  # the limit, 22 h, cuts the incident's fix; the request still waits for the desk
    assert rows(log, "r0-2") == expected([
        ("arrival", "2026-01-06 04:00", None, "complete"), ("fix", "2026-01-06 04:00", "desk", "start")])
    assert rows(log, "r0-3") == expected([("arrival", "2026-01-06 04:00", None, "complete")])


def test_events_are_named_by_the_step_label_and_dated_from_the_default_monday():
    data = hand_scenario()
    del data["start"]
    results = simvalue.simulate(simvalue.load_scenario(data), replications=1)
    steps = results.scenario.streams["serve"].steps
    labelled = [steps[0].model_copy(update={"label": "8"}), *steps[1:]]
    stream = results.scenario.streams["serve"].model_copy(update={"steps": labelled})
    scenario = results.scenario.model_copy(update={"streams": {"serve": stream}})
    log = event_log(dataclasses.replace(results, scenario=scenario))
    assert log["concept:name"].iloc[:4].tolist() == [ARRIVAL, "8", "8", "ask_user"]
    assert log["time:timestamp"].iloc[0] == pd.Timestamp("2024-01-01 10:00")  # Monday 2024-01-01 + 10 h


def test_xes_declares_its_extensions_and_types_and_escapes_everything(tmp_path):
    results = simvalue.simulate(simvalue.load_scenario(hand_scenario()), replications=1)
    write_xes(event_log(results), tmp_path / "log.xes", name=results.scenario.name)
    root = ET.parse(tmp_path / "log.xes").getroot()
    assert root.tag == f"{NS}log" and root.get("xes.version") == "1849-2016"
    assert {e.get("prefix") for e in root.iter(f"{NS}extension")} == {"concept", "time", "lifecycle", "org"}
    assert {c.get("keys") for c in root.iter(f"{NS}classifier")} == {
        "concept:name", "concept:name lifecycle:transition", "org:resource"}
    assert root.find(f"{NS}string").get("value") == 'hand & "computed" <log>\ufffd'
    trace = root.find(f"{NS}trace")
    assert {(a.tag[len(NS):], a.get("key")) for a in trace if a.tag != f"{NS}event"} == {
        ("string", "concept:name"), ("string", "type"), ("string", "priority"), ("int", "replication")}
    arrival, triage = trace.findall(f"{NS}event")[:2]
    assert {a.get("key"): (a.tag[len(NS):], a.get("value")) for a in arrival} == {  # no resource: no attribute
        "concept:name": ("string", "arrival"), "time:timestamp": ("date", "2026-01-05T18:00:00.000"),
        "lifecycle:transition": ("string", "complete")}
    assert {a.get("key"): (a.tag[len(NS):], a.get("value")) for a in triage} == {
        "concept:name": ("string", "triage"), "time:timestamp": ("date", "2026-01-05T18:00:00.000"),
        "org:resource": ("string", "desk"), "lifecycle:transition": ("string", "start")}
    event_globals = [g for g in root.iter(f"{NS}global") if g.get("scope") == "event"]
    assert [a.get("key") for a in event_globals[0]] == ["concept:name", "time:timestamp", "lifecycle:transition"]


# -- the command line, read back by pm4py ---------------------------------------------------------
def pm4py_frame(pm4py, path: Path) -> pd.DataFrame:
    """What pm4py makes of one of our files: XES through its XML importer, tables through format_dataframe."""
    if path.suffix == ".xes":
        return pm4py.read_xes(str(path), variant="iterparse", show_progress_bar=False)
    table = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    frame = pm4py.format_dataframe(table, case_id="case:concept:name", activity_key="concept:name",
                                   timestamp_key="time:timestamp")
    log = pm4py.convert_to_event_log(frame)
    assert len(log) == 4 and sum(len(trace) for trace in log) == 40
    return frame


@pytest.mark.parametrize("ending", ["xes", "csv", "parquet"])
def test_run_writes_the_event_log_that_pm4py_reads_back(tmp_path, capsys, pm4py, ending):
    code, out = run_cli(tmp_path, "--events-format", ending)
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["items.parquet", f"events.{ending}", "teams.parquet", "summary.csv"])
    assert f"wrote items.parquet, events.{ending}, teams.parquet, summary.csv" in capsys.readouterr().out
    frame = pm4py_frame(pm4py, out / f"events.{ending}")
    assert frame["case:concept:name"].nunique() == 4 and len(frame) == 40
    assert rows(frame, "r1-1") == expected(SECOND_TICKET)
    assert pm4py.get_start_activities(frame) == {ARRIVAL: 4}
    # A case's duration in pm4py, first event to last, is the item's time to value: 14.5 h and 5 h.
    assert sorted(pm4py.get_all_case_durations(frame)) == [5 * 3600.0] * 2 + [14.5 * 3600.0] * 2
    assert set(frame["case:priority"]) == {"P2"} and set(frame["case:type"]) == {"ticket"}


def test_runs_default_output_is_unchanged_and_a_new_format_replaces_the_old_file(tmp_path):
    code, out = run_cli(tmp_path, "--events-format", "xes")
    assert code == 0 and (out / "events.xes").exists()
    code, out = run_cli(tmp_path)
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["events.parquet", "items.parquet", "summary.csv", "teams.parquet"]
    events = pd.read_parquet(out / "events.parquet")
    assert list(events.columns) == ["replication", "item_id", "type", "stream", "step", "activity", "team", "queued",
                                    "started", "finished", "wait", "work", "wait_reason", "automated", "outcome"]
    assert len(events) == 4 * 5  # one row per step execution, as before
    code, out = run_cli(tmp_path, "--events-format", "csv")
    assert sorted(p.name for p in out.iterdir()) == ["events.csv", "items.parquet", "summary.csv", "teams.parquet"]
    log = read_log(out / "events.csv", "case:concept:name", "concept:name", "time:timestamp", resource="org:resource")
    assert len(log) == 4 * 6 and log["start"].notna().sum() == 4 * 4  # the arrival and the CAB: no start
    assert log.groupby("case")["activity"].first().eq(ARRIVAL).all()


def test_events_format_needs_an_out_folder(tmp_path, capsys):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(hand_scenario(), sort_keys=False))
    assert main(["run", str(path), "--events-format", "xes"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "simvalue: error: --events-format xes: needs --out DIR, the folder to write events.xes into\n"
    assert captured.out == "" and sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]


def test_the_library_never_imports_pm4py():
    package = Path(simvalue.__file__).parent
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] == "pm4py" for n in names), f"{path} imports pm4py (AGPL)"


def test_routing_only_steps_with_an_empty_label_are_left_out_of_the_log():
    from simvalue.eventlog.write import event_log
    data = {"name": "labels", "horizon": "2d", "replications": 1, "teams": {"t": {"capacity": 2}},
            "demand": [{"type": "x", "stream": "s", "arrivals": {"rate": "10/d"}}],
            "streams": {"s": {"steps": [
                {"name": "start", "activity": "engage", "label": "", "wait": {"delay": "0h", "reason": "start"}},
                {"name": "a_1", "activity": "engage", "label": "1", "team": "t", "effort": "1h"}]}}}
    results = simvalue.simulate(data)
    log = event_log(results)
    assert set(log["concept:name"]) == {ARRIVAL, "1"}
    done = int((results.events["step"] == "a_1").sum())
    assert (log["lifecycle:transition"] == "complete").sum() == len(results.items) + done
