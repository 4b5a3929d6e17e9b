"""Read an event log (CSV, Parquet or XES) into one tidy frame of case, activity and timestamp.

The frame has one row per activity instance: ``case`` and ``activity`` (text), ``timestamp`` (when
it completed) and, when asked for or found, ``start``, ``resource``, ``type``, ``priority`` and
``group`` (the team column);
sorted by case, then timestamp (stable). Times are naive local wall-clock times: an offset written
in the log is dropped, not converted, because calendars and hour-of-week profiles are local. A log
in pm4py's long form (a ``lifecycle:transition`` column with ``start`` and ``complete`` rows, as
``simvalue run --events-format`` writes) is folded into one row per instance. XES is read by our
own streaming parser (the standard library's ``iterparse``), never pm4py, which is AGPL.
"""

from __future__ import annotations

import gzip
import io
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SimvalueError, unknown
from ..limits import LOG_YEARS, MAX_LABEL, MAX_LOG_BYTES, MAX_LOG_ROWS

#: Supported file name endings and the reader of each.
SUFFIXES = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", ".xes": "xes", ".xes.gz": "xes"}
#: The XES / pm4py column of lifecycle transitions (start, complete, ...).
LIFECYCLE = "lifecycle:transition"
#: Roles in the order of the output columns; ``timestamp`` and ``start`` are times, the rest text.
ROLES = ("case", "activity", "timestamp", "start", "resource", "type", "priority", "group")
_TIMES = ("timestamp", "start")
_REQUIRED = ("case", "activity")
#: Event attributes the XES reader keeps (every trace attribute is kept, as ``case:<key>``).
XES_EVENT_KEYS = ("concept:name", "time:timestamp", LIFECYCLE, "org:resource")
_XES_ATTRIBUTES = {"string", "date", "int", "float", "boolean", "id"}
#: A time of day followed by a UTC offset; the offset is dropped (local wall-clock time is kept).
_OFFSET = re.compile(r"^(.*\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)$")


class EventLogError(SimvalueError):
    """An event log cannot be read as asked: names the file, the column, the value and what was expected."""


class EventLogWarning(UserWarning):
    """Something in a readable log was left out or looks doubtful (for example unfinished activities)."""


def read_log(path: str | Path, case: str, activity: str, timestamp: str, start: str | None = None,
             resource: str | None = None, type: str | None = None, priority: str | None = None,
             team: str | None = None) -> pd.DataFrame:
    """The log at ``path`` as a tidy frame; each argument names the log's column for that role (``team``:
    a group column such as a support team or assignment group, read as the frame's ``group``).

    XES columns are named as pm4py names them: ``case:concept:name``, ``concept:name``,
    ``time:timestamp``, ``org:resource`` and ``case:<key>`` for every trace attribute.
    """
    path = Path(path)
    columns = {role: column for role, column in zip(ROLES, (case, activity, timestamp, start, resource, type,
                                                             priority, team)) if column is not None}
    raw, where = _read_raw(path, columns)
    if raw.empty:
        raise EventLogError(f"{path}: the log holds no events")
    frame = pd.DataFrame({role: _column(raw[column], role, column, path, where) for role, column in columns.items()})
    if LIFECYCLE in raw.columns and start is None:
        frame = _fold_lifecycle(frame, raw[LIFECYCLE], path)
    if frame.empty:
        raise EventLogError(f"{path}: the log holds no completed events (column {LIFECYCLE!r})")
    order = [role for role in ROLES if role in frame.columns]
    return frame[order].sort_values(["case", "timestamp"], kind="stable", ignore_index=True)


def log_format(path: Path) -> str:
    """'csv', 'parquet' or 'xes' from the file name's ending."""
    name = path.name.lower()
    for suffix, kind in SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    raise EventLogError(f"{path}: unknown kind of log; expected a file ending in {', '.join(SUFFIXES)}")


# -- reading the raw table ------------------------------------------------------------------------
def _read_raw(path: Path, columns: dict[str, str]) -> tuple[pd.DataFrame, str]:
    """The log's needed columns (and its lifecycle column, when it has one), and the word for a row."""
    kind = log_format(path)
    try:
        if kind == "xes":
            raw = _read_xes(path)
            if raw.empty:
                raise EventLogError(f"{path}: the log holds no events")
            _check_columns(path, list(raw.columns), columns)
            return raw, "event"
        available = _csv_header(path) if kind == "csv" else _parquet_header(path)
        _check_columns(path, available, columns)
        wanted = list(dict.fromkeys([*columns.values(), *([LIFECYCLE] if LIFECYCLE in available else [])]))
        if kind == "csv":
            return _read_csv(path, wanted), "row"
        return pd.read_parquet(path, columns=wanted), "row"
    except OSError as exc:
        raise EventLogError(f"{path}: cannot read the log: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError, ET.ParseError, EOFError) as exc:  # pyarrow's errors are ValueErrors
        raise EventLogError(f"{path}: not a readable {kind.upper()} file: {_first_line(exc)}") from None


def _csv_header(path: Path) -> list[str]:
    try:
        return list(pd.read_csv(path, nrows=0).columns)
    except pd.errors.EmptyDataError:
        raise EventLogError(f"{path}: the log holds no events (the file is empty)") from None


def _parquet_header(path: Path) -> list[str]:
    """The column names, once the footer's row count and size are within the limits (a small file may
    declare 3e7 rows, and pyarrow then aborts the process allocating them)."""
    import pyarrow.parquet as pq
    metadata = pq.ParquetFile(path).metadata
    size = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    _check_rows(path, metadata.num_rows, "rows (its footer says)")
    if size > MAX_LOG_BYTES:
        raise EventLogError(f"{path}: the log would take {size:,} bytes once read (its footer says), more than the "
                            f"limit of {MAX_LOG_BYTES:,}; export a shorter period or fewer columns")
    return list(metadata.schema.names)


def _check_rows(path: Path, rows: int, what: str) -> None:
    if rows > MAX_LOG_ROWS:
        raise EventLogError(f"{path}: the log has more than {MAX_LOG_ROWS:,} {what}; calibrate from a shorter period "
                            "(a year of a large desk is about a million events)")


def _read_csv(path: Path, wanted: list[str]) -> pd.DataFrame:
    """The wanted columns as text, read in chunks and counted: more rows than the limit stop the read early."""
    chunks, rows = [], 0
    with _open_bounded(path) as stream:
        for chunk in pd.read_csv(stream, usecols=wanted, dtype=str, keep_default_na=False, na_values=[""],
                                 chunksize=1_000_000):
            rows += len(chunk)
            _check_rows(path, rows, "rows")
            chunks.append(chunk)
    return pd.concat(chunks, ignore_index=True) if len(chunks) != 1 else chunks[0]


class _Bounded(io.RawIOBase):
    """A binary stream that stops with an error after ``MAX_LOG_BYTES`` (a 7 MB gzip may inflate to 720 MB)."""

    def __init__(self, raw, path: Path) -> None:
        self.raw, self.path, self.count = raw, path, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        self.count += len(data)
        if self.count > MAX_LOG_BYTES:
            raise EventLogError(f"{self.path}: the log is more than {MAX_LOG_BYTES:,} bytes once decompressed; "
                                "calibrate from a shorter period")
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


def _open_bounded(path: Path) -> io.BufferedReader:
    """The file's bytes (gunzipped when it ends in .gz), at most ``MAX_LOG_BYTES`` of them."""
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
    return io.BufferedReader(_Bounded(raw, path))


def _check_columns(path: Path, available: list[str], columns: dict[str, str]) -> None:
    for role, column in columns.items():
        if column not in available:
            raise EventLogError(f"{path}: {role} column: {unknown('column', column, [str(c) for c in available])}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- the XES reader -------------------------------------------------------------------------------
def _read_xes(path: Path) -> pd.DataFrame:
    """Events of an XES file (plain or gzipped), one row each, streamed: each trace is dropped once read.

    Keeps the event attributes of ``XES_EVENT_KEYS`` and every trace attribute (as text), ignores the
    rest (nested attributes, globals, log attributes). Columns are named as pm4py names them.
    """
    events: dict[str, list] = {key: [] for key in XES_EVENT_KEYS}
    trace_index: list[int] = []
    traces: list[dict[str, str]] = []
    with _open_bounded(path) as stream:
        _parse_xes(stream, path, events, trace_index, traces)
    frame = pd.DataFrame({key: values for key, values in events.items() if any(v is not None for v in values)})
    frame = frame.reindex(range(len(trace_index)))
    attributes = pd.DataFrame(traces, index=pd.RangeIndex(len(traces))).add_prefix("case:")
    return pd.concat([attributes.take(trace_index).reset_index(drop=True), frame], axis=1)


def _parse_xes(stream, path: Path, events: dict[str, list], trace_index: list[int],
               traces: list[dict[str, str]]) -> None:
    """Fill the column lists from the XML stream; kept apart so the loop reads top to bottom."""
    stack: list[str] = []
    root = event = trace = None
    for action, element in ET.iterparse(stream, events=("start", "end")):
        tag = element.tag.rpartition("}")[2]
        if action == "start":
            if root is None:
                if tag != "log":
                    raise EventLogError(f"{path}: not an XES log: the root element is <{tag}>, expected <log>")
                root = element
            stack.append(tag)
            if tag == "trace":
                trace = {}
            elif tag == "event":
                event = {}
            continue
        stack.pop()
        parent = stack[-1] if stack else None
        if tag in _XES_ATTRIBUTES and parent == "event" and event is not None:
            event[element.get("key")] = element.get("value")
        elif tag in _XES_ATTRIBUTES and parent == "trace" and trace is not None:
            trace[element.get("key")] = element.get("value")
        elif tag == "event" and event is not None:
            if trace is not None:
                for key, values in events.items():
                    values.append(event.get(key))
                trace_index.append(len(traces))
                if len(trace_index) > MAX_LOG_ROWS:
                    _check_rows(path, len(trace_index), "events")
            event = None
            element.clear()
        elif tag == "trace" and trace is not None:
            traces.append(trace)
            trace = None
            root.clear()  # PERF: memory stays flat: what is read is dropped from the tree
        elif parent == "log":
            root.clear()  # a log attribute, extension or global: ignored, and dropped (2e7 of them filled 4 GB)


# -- one role's column ----------------------------------------------------------------------------
def _column(values: pd.Series, role: str, column: str, path: Path, where: str) -> pd.Series:
    """A raw column turned into its role's type; empty cases or activities are refused."""
    if role in _TIMES:
        return _times(values, role, column, path, where)
    text = _text(values)
    if role in _REQUIRED and text.isna().any():
        missing = text.isna().to_numpy()
        raise EventLogError(f"{path}: {role} column {column!r}: {int(missing.sum())} of {len(text)} {where}s "
                            f"have no {role}, e.g. {where} {int(np.argmax(missing)) + 1}")
    if role == "activity":
        _refuse_rows((text.str.len() > MAX_LABEL).to_numpy(), f"{path}: {role} column {column!r}", where,
                     f"name an activity longer than {MAX_LABEL} characters",
                     lambda v: f"{len(v):,} characters: {v[:40]!r}...", text,
                     "expected short activity names (is this the right column?)")
    return text


def _refuse_rows(bad: np.ndarray, what: str, where: str, problem: str, shown, values: pd.Series,
                 expected: str) -> None:
    """Refuse a column some of whose rows (``bad``) have ``problem``, with how many and the first, as
    ``shown(value)``."""
    if bad.any():
        first = int(np.argmax(bad))
        raise EventLogError(f"{what}: {int(bad.sum())} of {len(values)} {where}s {problem}, e.g. {where} "
                            f"{first + 1} ({shown(values.iloc[first])}); {expected}")


def _text(values: pd.Series) -> pd.Series:
    """Values as text; whole numbers stay whole ('8', not '8.0'); missing values stay missing."""
    if pd.api.types.is_float_dtype(values) and np.all(np.isnan(values) | (values == np.round(values))):
        values = values.astype("Int64")
    missing = values.isna()
    return values.astype(str).where(~missing)


def _times(values: pd.Series, role: str, column: str, path: Path, where: str) -> pd.Series:
    """Dates and times as naive local wall-clock times; a value that is not one is refused with an example."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return _in_years(values.dt.tz_localize(None) if values.dt.tz is not None else values, role, column, path,
                         where)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        raise EventLogError(f"{path}: {role} column {column!r}: holds numbers ({values.iloc[0]!r}, ...), expected "
                            "dates and times such as '2012-05-03 14:20:00'")
    text = values.astype(object).where(values.notna(), None).map(lambda v: v if v is None else str(v).strip())
    parsed = _parse(text.str.replace(_OFFSET, r"\1", regex=True))
    bad = parsed.isna().to_numpy() & (text.notna().to_numpy() if role == "start" else True)
    if bad.any():
        first = int(np.argmax(bad))
        hint = " (write day-first dates as ISO 8601, 2012-05-03)" if "/" in str(text.iloc[first]) else ""
        raise EventLogError(f"{path}: {role} column {column!r}: {int(bad.sum())} of {len(text)} {where}s are not "
                            f"dates and times, e.g. {where} {first + 1}: {text.iloc[first]!r}{hint}")
    return _in_years(parsed, role, column, path, where)


def _in_years(times: pd.Series, role: str, column: str, path: Path, where: str) -> pd.Series:
    """``times``, refused when one lies outside LOG_YEARS (a sentinel such as 9999-12-31, or a typo)."""
    years = times.dt.year.to_numpy(dtype=float)
    _refuse_rows(~np.isnan(years) & ((years < LOG_YEARS[0]) | (years > LOG_YEARS[1])),
                 f"{path}: {role} column {column!r}", where, f"lie outside the years {LOG_YEARS[0]}-{LOG_YEARS[1]}",
                 str, times, "expected the dates of the work (a placeholder such as 9999-12-31 is not one)")
    return times


def _parse(text: pd.Series) -> pd.Series:
    """ISO 8601 first; otherwise the format pandas infers from the first value, whichever fits more."""
    iso = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if not iso.isna().any() or text.isna().all():
        return iso
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format": the count says it
        inferred = pd.to_datetime(text, errors="coerce")
    return inferred if inferred.isna().sum() < iso.isna().sum() else iso


# -- pm4py's long form ----------------------------------------------------------------------------
def _fold_lifecycle(frame: pd.DataFrame, transitions: pd.Series, path: Path) -> pd.DataFrame:
    """One row per activity instance from start and complete rows, paired in order per case and activity.

    A row without a transition counts as complete; other transitions (schedule, suspend, ...) are
    left out. A start with no later complete (unfinished work) is left out with a warning.
    """
    kind = transitions.astype(object).where(transitions.notna(), "complete").astype(str).str.strip().str.lower()
    kind.index = frame.index
    starts = _numbered(frame[kind == "start"])
    completes = _numbered(frame[kind == "complete"])
    if starts.empty:
        return completes.drop(columns="instance")
    begun = starts[["case", "activity", "instance", "timestamp"]].rename(columns={"timestamp": "start"})
    if "resource" in starts:
        begun["start_resource"] = starts["resource"]
    paired = completes.merge(begun, on=["case", "activity", "instance"], how="left", sort=False)
    paired.loc[paired["start"] > paired["timestamp"], "start"] = pd.NaT
    if "start_resource" in paired:
        paired["resource"] = paired["resource"].where(paired["resource"].notna(), paired.pop("start_resource"))
    unfinished = len(starts) - int(paired["start"].notna().sum())
    if unfinished > 0:
        warnings.warn(f"{path}: {unfinished} activities started and never completed were left out",
                      EventLogWarning, stacklevel=3)
    return paired.drop(columns="instance")


def _numbered(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows in time order (stable), numbered 0, 1, ... within each case and activity."""
    rows = rows.sort_values("timestamp", kind="stable")
    return rows.assign(instance=rows.groupby(["case", "activity"], sort=False).cumcount()).reset_index(drop=True)


__all__ = ["EventLogError", "EventLogWarning", "LIFECYCLE", "SUFFIXES", "XES_EVENT_KEYS", "log_format", "read_log"]
