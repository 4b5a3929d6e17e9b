"""Reading event logs: CSV, Parquet and XES into one tidy frame, and every way a log can be refused."""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simvalue.cli import _handle
from simvalue.eventlog import EventLogError, EventLogWarning, read_log, write_xes


XES = """<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand: a namespace, log attributes, globals, nested and unknown attributes -->
<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event"><string key="concept:name" value="__INVALID__"/></global>
  <classifier name="Activity" keys="concept:name"/>
  <string key="concept:name" value="the log's own name"/>
  <trace>
    <string key="concept:name" value="B"/>
    <string key="type" value="incident"/>
    <int key="urgency" value="2"/>
    <event>
      <string key="concept:name" value="triage"/>
      <string key="org:resource" value="desk"/>
      <date key="time:timestamp" value="2012-05-03T10:00:00.000+02:00"/>
      <string key="lifecycle:transition" value="start"/>
      <list key="tags"><values><string key="tag" value="ignored"/></values></list>
    </event>
    <event>
      <string key="concept:name" value="triage"/>
      <date key="time:timestamp" value="2012-05-03T10:30:00.000+02:00"/>
      <string key="lifecycle:transition" value="complete"/>
      <float key="cost" value="3.5"/>
    </event>
    <event>
      <string key="concept:name" value="resolve &amp; close"/>
      <string key="org:resource" value="network"/>
      <date key="time:timestamp" value="2012-05-03T12:00:00Z"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="A"/>
    <string key="type" value="request"/>
    <event>
      <string key="concept:name" value="review"/>
      <date key="time:timestamp" value="2012-05-02T09:15:00-05:00"/>
      <string key="lifecycle:transition" value="schedule"/>
    </event>
    <event>
      <string key="concept:name" value="review"/>
      <date key="time:timestamp" value="2012-05-02T09:45:00-05:00"/>
      <string key="lifecycle:transition" value="complete"/>
    </event>
  </trace>
</log>
"""


def csv(tmp_path: Path, text: str, name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def times(*values: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(v) for v in values]


# -- formats --------------------------------------------------------------------------------------
def test_csv_reads_into_a_tidy_frame_sorted_by_case_then_time(tmp_path):
    path = csv(tmp_path, "id,what,done,who,kind,prio,other\n"
                         "c2,8,2012-05-03 10:00:00,ann,incident,P1,x\n"
                         "c1,2,2012-05-02 11:00:00,bob,request,,y\n"
                         "c1,1,2012-05-02 09:00:00,,request,,z\n"
                         "c1,3,2012-05-02 11:00:00,bob,request,,y\n")
    log = read_log(path, case="id", activity="what", timestamp="done", resource="who", type="kind", priority="prio")
    assert list(log.columns) == ["case", "activity", "timestamp", "resource", "type", "priority"]
    assert log["case"].tolist() == ["c1", "c1", "c1", "c2"]
    assert log["activity"].tolist() == ["1", "2", "3", "8"]  # equal times keep the file's order
    assert log["timestamp"].tolist() == times("2012-05-02 09:00", "2012-05-02 11:00", "2012-05-02 11:00",
                                              "2012-05-03 10:00")
    assert pd.api.types.is_datetime64_dtype(log["timestamp"])
    assert log["resource"].isna().tolist() == [True, False, False, False]
    assert log["priority"].isna().sum() == 3 and log["priority"].iloc[3] == "P1"


def test_only_the_asked_columns_come_back_and_offsets_are_dropped_not_converted(tmp_path):
    path = csv(tmp_path, "case,activity,time\n"
                         "1,a,2012-05-03T10:00:00+02:00\n1,b,2012-05-03T10:30:00.250Z\n1,c,2012-05-03 11:00\n")
    log = read_log(path, "case", "activity", "time")
    assert list(log.columns) == ["case", "activity", "timestamp"]
    assert log["timestamp"].tolist() == times("2012-05-03 10:00", "2012-05-03 10:30:00.250", "2012-05-03 11:00")


def test_parquet_keeps_local_wall_clock_and_whole_codes(tmp_path):
    path = tmp_path / "log.parquet"
    pd.DataFrame({
        "case": [7, 7, 9],
        "code": [8.0, np.nan, 2.0],  # integer codes that went through a float column
        "at": pd.to_datetime(["2012-05-03 10:00", "2012-05-03 11:00", "2012-05-01 08:00"]).tz_localize("Europe/Paris"),
        "begun": pd.to_datetime(["2012-05-03 09:00", None, "2012-05-01 07:00"]),
    }).to_parquet(path)
    with pytest.raises(EventLogError, match=r"log.parquet: activity column 'code': 1 of 3 rows have no activity, "
                                            r"e.g. row 2"):
        read_log(path, "case", "code", "at")
    frame = pd.read_parquet(path).fillna({"code": 4.0})
    frame.to_parquet(path)
    log = read_log(path, "case", "code", "at", start="begun")
    assert log["case"].tolist() == ["7", "7", "9"] and log["activity"].tolist() == ["8", "4", "2"]
    assert log["timestamp"].tolist() == times("2012-05-03 10:00", "2012-05-03 11:00", "2012-05-01 08:00")
    assert log["start"].isna().tolist() == [False, True, False]


@pytest.mark.parametrize("name", ["log.xes", "log.xes.gz"])
def test_xes_is_streamed_with_trace_attributes_and_lifecycle(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(gzip.compress(XES.encode()) if name.endswith(".gz") else XES.encode())
    log = read_log(path, "case:concept:name", "concept:name", "time:timestamp", resource="org:resource",
                   type="case:type", priority="case:urgency")
    assert list(log.columns) == ["case", "activity", "timestamp", "start", "resource", "type", "priority"]
    assert log["case"].tolist() == ["A", "B", "B"]
    assert log["activity"].tolist() == ["review", "triage", "resolve & close"]  # "schedule" is left out
    assert log["timestamp"].tolist() == times("2012-05-02 09:45", "2012-05-03 10:30", "2012-05-03 12:00")
    assert log["start"].isna().tolist() == [True, False, True]
    assert log["start"].iloc[1] == pd.Timestamp("2012-05-03 10:00")  # paired with its start event
    assert log["resource"].tolist()[1:] == ["desk", "network"]  # the start's resource when the end has none
    assert log["type"].tolist() == ["request", "incident", "incident"]
    assert log["priority"].isna().tolist() == [True, False, False] and log["priority"].iloc[1] == "2"


def test_long_form_pairs_repeated_activities_in_order_and_warns_about_unfinished_ones(tmp_path):
    path = csv(tmp_path, "case:concept:name,concept:name,time:timestamp,lifecycle:transition\n"
                         "r0-1,fix,2024-01-01 10:00,start\n"
                         "r0-1,fix,2024-01-01 11:00,complete\n"
                         "r0-1,fix,2024-01-01 12:00,start\n"
                         "r0-1,fix,2024-01-01 12:30,COMPLETE\n"
                         "r0-1,check,2024-01-01 13:00,start\n")
    with pytest.warns(EventLogWarning, match=r"log.csv: 1 activities started and never completed were left out"):
        log = read_log(path, "case:concept:name", "concept:name", "time:timestamp")
    assert log["start"].tolist() == times("2024-01-01 10:00", "2024-01-01 12:00")
    assert log["timestamp"].tolist() == times("2024-01-01 11:00", "2024-01-01 12:30")


def test_what_our_xes_writer_writes_reads_back(tmp_path):
    frame = pd.DataFrame({
        "case:concept:name": ["r0-1", "r0-1", "r0-2"],
        "concept:name": ['say "hi" & <go>', 'say "hi" & <go>', "8"],
        "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 09:30:00.125", "2024-01-02 10:00"], format="ISO8601"),
        "org:resource": ["desk", "desk", None],
        "lifecycle:transition": ["start", "complete", "complete"],
        "case:type": ["incident", "incident", "change"],
        "case:replication": [0, 0, 0],
    })
    write_xes(frame, tmp_path / "log.xes", name="a & b")
    log = read_log(tmp_path / "log.xes", "case:concept:name", "concept:name", "time:timestamp",
                   resource="org:resource", type="case:type")
    assert log["case"].tolist() == ["r0-1", "r0-2"]
    assert log["activity"].tolist() == ['say "hi" & <go>', "8"]
    assert log["start"].iloc[0] == pd.Timestamp("2024-01-01 09:00")
    assert log["timestamp"].tolist() == times("2024-01-01 09:30:00.125", "2024-01-02 10:00")
    assert log["resource"].iloc[0] == "desk" and pd.isna(log["resource"].iloc[1])
    assert log["type"].tolist() == ["incident", "change"]


def test_the_real_bpi_2013_log_reads_with_its_published_counts(bpi_log):
    log = read_log(bpi_log, case="CaseID", activity="ActivityID", timestamp="CompleteTimestamp")
    assert len(log) == 65_533 and log["case"].nunique() == 7_554
    assert log["timestamp"].min().year == 2010 and log["timestamp"].max().year == 2012
    assert log["activity"].str.fullmatch(r"\d+").all()
    assert (log.groupby("case", sort=False)["timestamp"].diff().dropna() >= pd.Timedelta(0)).all()


# -- refusals -------------------------------------------------------------------------------------
def test_a_missing_column_is_named_with_the_closest_ones(tmp_path):
    path = csv(tmp_path, "CaseID,ActivityID,CompleteTimestamp\n1,1,2012-05-03 10:00\n")
    with pytest.raises(EventLogError) as error:
        read_log(path, case="CaseId", activity="ActivityID", timestamp="CompleteTimestamp")
    assert str(error.value) == (f"{path}: case column: unknown column 'CaseId'; did you mean 'CaseID'? "
                                "(known: CaseID, ActivityID, CompleteTimestamp)")
    path.with_suffix(".xes").write_text(XES)
    with pytest.raises(EventLogError, match=r"log.xes: timestamp column: unknown column 'time:timestmp'; "
                                            r"did you mean 'time:timestamp'\?"):
        read_log(path.with_suffix(".xes"), "case:concept:name", "concept:name", "time:timestmp")


def test_unparseable_timestamps_are_counted_with_an_example(tmp_path):
    path = csv(tmp_path, "case,activity,time\n1,a,2012-05-03 10:00\n1,b,yesterday\n2,c,\n2,d,2012-05-04 10:00\n")
    with pytest.raises(EventLogError) as error:
        read_log(path, "case", "activity", "time")
    assert str(error.value) == (f"{path}: timestamp column 'time': 2 of 4 rows are not dates and times, "
                                "e.g. row 2: 'yesterday'")
    path = csv(tmp_path, "case,activity,time\n1,a,12/04/2012 10:00\n1,b,13/04/2012 10:00\n")
    with pytest.raises(EventLogError, match=r"1 of 2 rows .* e.g. row 2: '13/04/2012 10:00' \(write day-first"):
        read_log(path, "case", "activity", "time")
    path = tmp_path / "numbers.parquet"
    pd.DataFrame({"case": [1], "activity": ["a"], "time": [1336000000]}).to_parquet(path)
    with pytest.raises(EventLogError, match=r"numbers.parquet: timestamp column 'time': holds numbers"):
        read_log(path, "case", "activity", "time")


@pytest.mark.parametrize("content, name, expected", [
    ("case,activity,time\n", "log.csv", "the log holds no events"),
    ("", "log.csv", r"the log holds no events \(the file is empty\)"),
    ('<log xmlns="http://www.xes-standard.org/"><trace><string key="concept:name" value="1"/></trace></log>',
     "log.xes", "the log holds no events"),
])
def test_an_empty_log_is_refused(tmp_path, content, name, expected):
    path = csv(tmp_path, content, name)
    with pytest.raises(EventLogError, match=rf"^{path}: {expected}$"):
        read_log(path, "case:concept:name" if name.endswith("xes") else "case", "activity", "time")


@pytest.mark.parametrize("content, name, expected", [
    (None, "absent.csv", r"cannot read the log: No such file or directory"),
    (b"PAR1 not really", "log.parquet", r"not a readable PARQUET file: "),
    (b"<log><trace><event></trace></log>", "log.xes", r"not a readable XES file: mismatched tag: line 1"),
    (b"<html><body/></html>", "log.xes", r"not an XES log: the root element is <html>, expected <log>"),
    (b"\x1f\x8b\x08 broken", "log.xes.gz", r"not a readable XES file: "),
    (b"case,activity,time\n", "log.json", r"unknown kind of log; expected a file ending in .csv, .csv.gz, "),
])
def test_an_unreadable_file_is_refused_with_its_name(tmp_path, content, name, expected):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(EventLogError, match=rf"^{path}: {expected}"):
        read_log(path, "case", "activity", "time")


def test_the_command_line_shows_a_log_error_as_one_line_and_exit_2(tmp_path, capsys):
    path = csv(tmp_path, "CaseID,ActivityID,CompleteTimestamp\n1,1,2012-05-03 10:00\n")
    args = argparse.Namespace(handler=lambda _: read_log(path, "CaseID", "Activity", "CompleteTimestamp"))
    assert _handle(args) == 2
    assert capsys.readouterr().err == (f"simvalue: error: {path}: activity column: unknown column 'Activity'; "
                                       "did you mean 'ActivityID'? (known: CaseID, ActivityID, CompleteTimestamp)\n")
