"""Write a simulated event log in pm4py's form (one row per lifecycle transition) as CSV, Parquet or XES.

``event_log(results)`` turns the step executions of a run into the rows process-mining tools expect:
``case:concept:name`` ("r{replication}-{item_id}"), ``concept:name`` (the step's log label, else its
name), ``time:timestamp`` (the scenario's ``start``, or ``calendars.DEFAULT_START``, plus the hours;
naive local time rounded to the millisecond), ``org:resource``, ``lifecycle:transition`` (start,
complete) and the case attributes ``case:type``, ``case:priority`` and ``case:replication``; in a run
with linked records (``spawn``), ``case:parent`` names the case that raised it (absent for demand arrivals).
Each reported item's case opens with an ``arrival`` event (one ``complete`` at its arrival, no
resource), so a case's cycle time in the log is its time to value, queueing for the first team included.
A step gives a ``start`` when it begins and a ``complete`` when it ends; a CAB decision, taken at
its meeting, gives one ``complete``; a step cut off by the drain limit gives only its ``start``.
The XES writer is our own and streams (IEEE 1849-2016); pm4py, being AGPL, is only used in tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from ..calendars.schedule import DEFAULT_START
from ..results.frames import Results

CASE, ACTIVITY, TIMESTAMP = "case:concept:name", "concept:name", "time:timestamp"
RESOURCE, TRANSITION = "org:resource", "lifecycle:transition"
#: ``org:resource`` of work done by automation and of a CAB's decision (waits name their reason).
AUTOMATION, CAB = "automation", "cab"
#: ``concept:name`` of the event that opens every case: the item's arrival (a ``complete``, no resource).
ARRIVAL = "arrival"
_START, _COMPLETE = 0, 1  # lifecycle:transition codes, in the order they sort at a tie
_TRANSITIONS = np.array(["start", "complete"], dtype=object)
_XES_EXTENSIONS = (("Concept", "concept"), ("Time", "time"), ("Lifecycle", "lifecycle"), ("Organizational", "org"))
_XES_DEFAULTS = {"string": "__INVALID__", "date": "1970-01-01T00:00:00.000", "int": "0", "float": "0.0",
                 "boolean": "false"}
#: Characters XML 1.0 forbids even when escaped; each becomes U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def event_log(results: Results) -> pd.DataFrame:
    """The run's event log in pm4py's form, one row per lifecycle transition, in time order per case:
    each reported item's arrival first, then its steps."""
    parts = [_arrival_rows(results.items), _step_rows(results)]
    rows = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    # PERF: one lexsort over plain arrays (a sort with a pandas key on the text took a third of the export).
    # At a tie in time the arrival (order -1) comes first, then steps in execution order, a start before its complete.
    order = np.lexsort((rows["phase"], rows["order"], rows["hours"], rows["item_id"], rows["replication"]))
    rows = pd.DataFrame({name: values[order] for name, values in rows.items()})
    linked = "parent_id" in results.items.columns and bool(results.items["parent_id"].notna().any())
    facts = ["replication", "item_id", "priority"] + (["parent_id"] if linked else [])
    priority = results.items[facts].astype({"priority": object})
    rows = rows.merge(priority, on=["replication", "item_id"], how="left", sort=False)
    origin = pd.Timestamp(results.scenario.start or DEFAULT_START)
    milliseconds = np.rint(rows["hours"].to_numpy() * 3_600_000.0).astype(np.int64)
    log = pd.DataFrame({
        CASE: "r" + rows["replication"].astype(str) + "-" + rows["item_id"].astype(str),
        ACTIVITY: rows["activity"].astype(str),
        TIMESTAMP: (origin + pd.to_timedelta(milliseconds, unit="ms")).astype("datetime64[ms]"),
        RESOURCE: rows["resource"].astype(str).where(rows["resource"].notna()),
        TRANSITION: pd.Series(_TRANSITIONS[rows["phase"].to_numpy()], dtype=str),
        "case:type": rows["type"].astype(str),
        "case:priority": rows["priority"].astype(str).where(rows["priority"].notna()),
        "case:replication": rows["replication"].astype(np.int64),
    })
    if linked:
        parent = rows["parent_id"]
        log["case:parent"] = ("r" + rows["replication"].astype(str) + "-" + parent.astype(str)).where(parent.notna())
    return log


def _arrival_rows(items: pd.DataFrame) -> dict[str, np.ndarray]:
    """One ``complete`` per reported item at its arrival, with no resource: process-mining tools start a
    case at its first event, so the log's cycle time of a case is then its time to value."""
    count = len(items)
    return {"replication": items["replication"].to_numpy(dtype=np.int64),
            "item_id": items["item_id"].to_numpy(dtype=np.int64),
            "type": items["type"].to_numpy(dtype=object), "order": np.full(count, -1, dtype=np.int64),
            "activity": np.full(count, ARRIVAL, dtype=object), "resource": np.full(count, None, dtype=object),
            "hours": items["arrived"].to_numpy(dtype=float), "phase": np.full(count, _COMPLETE, dtype=np.int64)}


def _step_rows(results: Results) -> dict[str, np.ndarray]:
    """A ``start`` when a step begins and a ``complete`` when it ends; a CAB decision gives only its
    ``complete``, a step cut off by the drain limit only its ``start``; routing-only steps and waits that
    ended with the caller giving up (``abandoned``) give none."""
    events = results.events.sort_values(["replication", "item_id", "queued", "started", "finished"],
                                        kind="stable", ignore_index=True)
    kind, label = _step_facts(results, events)
    # label "": a routing-only step; an abandoned wait in a queue (patience) was never worked: no event
    logged = (label != "") & (events["outcome"] != "abandoned").to_numpy()
    events, kind, label = events[logged].reset_index(drop=True), kind[logged], label[logged]
    unfinished = (events["outcome"] == "in_progress").to_numpy()
    has_start = (kind != "cab") & ((events["started"] < events["finished"]).to_numpy() | ~unfinished)
    starts, completes = np.flatnonzero(has_start), np.flatnonzero(~unfinished)
    take = np.concatenate([starts, completes])
    step = {"replication": events["replication"].to_numpy(dtype=np.int64),
            "item_id": events["item_id"].to_numpy(dtype=np.int64), "type": events["type"].to_numpy(dtype=object),
            "order": np.arange(len(events)), "activity": label, "resource": _resources(events, kind)}
    return {**{name: values[take] for name, values in step.items()},
            "hours": np.concatenate([events["started"].to_numpy(dtype=float)[starts],
                                     events["finished"].to_numpy(dtype=float)[completes]]),
            "phase": np.repeat(np.array([_START, _COMPLETE], dtype=np.int64), [starts.size, completes.size])}


def _step_facts(results: Results, events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per event: its step's kind and the name it carries in the log (the step's label, else its name;
    "" for a routing-only step, which the log leaves out). PERF: looked up once per (stream, step)."""
    steps = {(name, step.name): step for name, stream in results.scenario.streams.items() for step in stream.steps}
    stream_code, stream_names = pd.factorize(events["stream"])
    step_code, step_names = pd.factorize(events["step"])
    pair, pairs = pd.factorize(stream_code * len(step_names) + step_code)
    kinds, labels = [], []
    for code in pairs:
        found = steps.get((stream_names[code // len(step_names)], step_names[code % len(step_names)]))
        label = getattr(found, "label", None)
        kinds.append(found.kind.name if found is not None else "work")
        labels.append(step_names[code % len(step_names)] if label is None else label)
    return np.array(kinds, dtype=object)[pair], np.array(labels, dtype=object)[pair]


def _resources(events: pd.DataFrame, kind: np.ndarray) -> np.ndarray:
    """Who holds the step: its team; 'automation' for automated work; a wait's reason; 'cab' for a CAB."""
    team = events["team"].astype(object).where(events["team"].notna(), None).to_numpy(dtype=object)
    reason = events["wait_reason"].astype(object).where(events["wait_reason"].notna(), None).to_numpy(dtype=object)
    resource = np.where(kind == "wait", reason, team)
    resource = np.where(kind == "cab", CAB, resource)
    return np.where(events["automated"].to_numpy(dtype=bool), AUTOMATION, resource)


# -- writers --------------------------------------------------------------------------------------
def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """CSV with one header row; times as 'YYYY-MM-DD HH:MM:SS.mmm' (what pandas and pm4py parse)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = _date_text(out[column], " ")
    out.to_csv(path, index=False)


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    """Parquet, column types kept (times as timestamps)."""
    frame.to_parquet(path, index=False)


def write_xes(frame: pd.DataFrame, path: str | Path, name: str | None = None) -> None:
    """XES (IEEE 1849-2016), streamed line by line: ``case:*`` columns become trace attributes.

    Rows of one case are written as one trace in their order (cases in order of first appearance);
    a missing value leaves its attribute out; ``name`` becomes the log's ``concept:name``.
    """
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        stream.writelines(xes_lines(frame, name))


def xes_lines(frame: pd.DataFrame, name: str | None = None) -> Iterator[str]:
    """The XES document, a trace at a time (a generator: no tree is built)."""
    if CASE not in frame.columns:
        raise ValueError(f"an event log needs a {CASE!r} column, got {list(frame.columns)}")
    order = np.argsort(pd.factorize(frame[CASE])[0], kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    trace_columns = [c for c in frame.columns if c.startswith("case:")]
    event_columns = [c for c in frame.columns if not c.startswith("case:")]
    types = {column: _xes_type(frame[column]) for column in frame.columns}
    yield from _xes_header(frame, types, trace_columns, event_columns, name)
    # PERF: each row's attribute lines are built column-wise first; the loop only joins them.
    trace_text = _attribute_lines(frame, trace_columns, types, "\t\t", _key)
    event_text = "\t\t<event>\n" + _attribute_lines(frame, event_columns, types, "\t\t\t", str) + "\t\t</event>\n"
    cases = frame[CASE].to_numpy()
    bounds = [*(np.flatnonzero(cases[1:] != cases[:-1]) + 1), len(frame)] if len(frame) else []
    first = 0
    for end in bounds:
        yield "\t<trace>\n" + trace_text[first] + "".join(event_text[first:end]) + "\t</trace>\n"
        first = end
    yield "</log>\n"


def _xes_header(frame: pd.DataFrame, types: dict[str, str], trace_columns: list[str], event_columns: list[str],
                name: str | None) -> Iterator[str]:
    """Declaration, extensions, globals (attributes every trace or event has), classifiers, log name."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">\n'
    for extension, prefix in _XES_EXTENSIONS:
        yield f'\t<extension name="{extension}" prefix="{prefix}" uri="http://www.xes-standard.org/{prefix}.xesext"/>\n'
    for scope, columns in (("trace", trace_columns), ("event", event_columns)):
        always = [c for c in columns if len(frame) and frame[c].notna().all()]
        if always:
            yield f'\t<global scope="{scope}">\n'
            for column in always:
                default = "complete" if column == TRANSITION else _XES_DEFAULTS[types[column]]
                yield f'\t\t<{types[column]} key={quoteattr(_key(column))} value="{default}"/>\n'
            yield "\t</global>\n"
    classifiers = [("Activity", [ACTIVITY]), ("Activity and transition", [ACTIVITY, TRANSITION]),
                   ("Resource", [RESOURCE])]
    for label, keys in classifiers:
        if all(k in event_columns for k in keys):
            yield f'\t<classifier name="{label}" keys="{" ".join(keys)}"/>\n'
    if name is not None:
        yield f"\t<string key=\"concept:name\" value={quoteattr(_xml_text(name))}/>\n"


def _attribute_lines(frame: pd.DataFrame, columns: list[str], types: dict[str, str], indent: str,
                     key: Callable[[str], str]) -> np.ndarray:
    """Per row, the XML lines of its attributes in ``columns`` (a missing value writes no line)."""
    lines = np.full(len(frame), "", dtype=object)
    for column in columns:
        kind = types[column]
        line = f"{indent}<{kind} key={quoteattr(_xml_text(key(column)))} value=" + _xes_values(frame[column], kind)
        lines = lines + np.where(frame[column].isna().to_numpy(), "", line + "/>\n")
    return lines


def _key(column: str) -> str:
    """A trace attribute's XES key: the column without pm4py's 'case:' prefix."""
    return column.removeprefix("case:")


def _xes_type(values: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_integer_dtype(values):
        return "int"
    if pd.api.types.is_float_dtype(values):
        return "float"
    return "string"


def _xes_values(values: pd.Series, kind: str) -> np.ndarray:
    """Each value as a quoted, escaped XML attribute value (missing ones as anything: never written)."""
    if kind == "date":
        return ('"' + _date_text(values, "T").fillna("") + '"').to_numpy(dtype=object)
    if kind == "boolean":
        return np.where(values.fillna(False).to_numpy(dtype=bool), '"true"', '"false"').astype(object)
    if kind == "float":
        return np.array([_float_text(v) for v in values.to_numpy(dtype=float, na_value=np.nan)], dtype=object)
    codes, uniques = pd.factorize(values)  # escape each distinct value once
    quoted = np.array([quoteattr(_xml_text(str(u))) for u in uniques] + ['""'], dtype=object)
    return quoted[codes]


def _float_text(value: float) -> str:
    """An xs:double: 1.5, NaN, INF or -INF."""
    if np.isnan(value):
        return '"NaN"'
    return '"INF"' if value == np.inf else '"-INF"' if value == -np.inf else f'"{value!r}"'


def _date_text(values: pd.Series, separator: str) -> pd.Series:
    """ISO 8601 to the millisecond (cut, not rounded); an offset only when the times carry a time zone."""
    if values.dt.tz is None:
        # PERF: numpy writes naive times about 6x faster than strftime, the largest cost of writing a
        # 200k-event log as XES or CSV (paired timing of write_log on the same frame; same text).
        text = np.datetime_as_string(values.to_numpy().astype("datetime64[ms]"), unit="ms").astype(object)
        text = pd.Series(text, index=values.index, dtype=object).where(values.notna().to_numpy())
        return text if separator == "T" else text.str.replace("T", separator, n=1, regex=False)
    text = values.dt.strftime(f"%Y-%m-%d{separator}%H:%M:%S.%f").str[:-3]
    zone = values.dt.strftime("%z")
    return text + zone.str[:3] + ":" + zone.str[3:]


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


#: Writer of each ``--events-format``.
EVENT_FORMATS: dict[str, Callable[[pd.DataFrame, str | Path], None]] = {
    "csv": write_csv, "parquet": write_parquet, "xes": write_xes}


def write_log(frame: pd.DataFrame, path: str | Path, format: str, name: str | None = None) -> None:
    """Write an event log frame as ``format`` (csv, parquet or xes); ``name`` names an XES log."""
    if format not in EVENT_FORMATS:
        raise ValueError(f"unknown event log format {format!r}; expected one of {', '.join(EVENT_FORMATS)}")
    if format == "xes":
        write_xes(frame, path, name=name)
    else:
        EVENT_FORMATS[format](frame, path)


__all__ = ["ARRIVAL", "AUTOMATION", "CAB", "EVENT_FORMATS", "event_log", "write_csv", "write_log", "write_parquet",
           "write_xes", "xes_lines"]
