"""Reading and checking the open items of ``initial:`` (a list in the YAML or a snapshot CSV) against the
scenario: every type, step and priority named must exist and belong together. The loader does this once
(load.validate) and keeps the result on the scenario; initial.py holds the schema and the checked items.
"""

from __future__ import annotations

import csv
import difflib
from datetime import datetime
from pathlib import Path
from typing import Any

from ..distributions import fixed
from ..errors import ScenarioError, unknown
from ..limits import MAX_INITIAL_ITEMS, MAX_SNAPSHOT_BYTES, MAX_TICKET_AGE_YEARS
from .initial import SNAPSHOT_COLUMNS, InitialSnapshot, OpenItems
from .model import Scenario
from .yaml_safety import read_text


def resolve_file(data: dict[str, Any], file: str | None) -> dict[str, Any]:
    """The loader's copy of a scenario mapping with a snapshot's relative path made absolute, relative
    to the scenario ``file`` (so a variant or a change built from the scenario reads the same file)."""
    initial = data.get("initial")
    if isinstance(initial, dict) and isinstance(initial.get("file"), str) and initial["file"].strip():
        path = Path(initial["file"].strip())
        base = Path(file).parent if file else Path()
        data["initial"] = {**initial, "file": str(path if path.is_absolute() else (base / path).absolute())}
    return data


def open_items(scenario: Scenario) -> tuple[OpenItems, ...]:
    """The scenario's checked open items, read once by the loader (load.validate); never read again here."""
    if scenario._initial is not None:
        return scenario._initial
    if scenario.initial is not None:
        raise ScenarioError("the open items are read when the scenario is loaded: use load_scenario", path="initial")
    return ()


def read_initial(scenario: Scenario) -> tuple[OpenItems, ...]:
    """Read and check ``initial:``: every type, step and priority named must exist and belong together.

    Raises ScenarioError naming the field (``initial[incident].step``) or the snapshot file and line.
    """
    initial = scenario.initial
    if initial is None:
        return ()
    if isinstance(initial, InitialSnapshot):
        return _read_snapshot(scenario, Path(initial.file))
    items = tuple(OpenItems(e.type, e.step, e.count, e.priority, e.age) for e in initial)
    for entry in items:
        problem = _problem(scenario, entry)
        if problem is not None:
            field, message = problem
            raise ScenarioError(message, path=f"initial[{entry.type}].{field}")
    total = sum(entry.count for entry in items)
    if total > MAX_INITIAL_ITEMS:
        raise ScenarioError(f"{total:,} open items in all, more than {MAX_INITIAL_ITEMS:,}", path="initial")
    return items


def _problem(scenario: Scenario, entry: OpenItems) -> tuple[str, str] | None:
    """(field, message) of the first thing wrong with an open item, or None."""
    demand = next((d for d in scenario.demand if d.type == entry.type), None)
    if demand is None:
        return "type", unknown("demand type", entry.type, [d.type for d in scenario.demand])
    stream = scenario.streams.get(demand.stream)
    names = [s.name for s in stream.steps] if stream is not None else []
    if entry.step not in names:
        close = difflib.get_close_matches(entry.step, names, n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        return "step", (f"stream {demand.stream!r}, where {entry.type} items go, has no step {entry.step!r}{hint} "
                        f"(its steps: {', '.join(names)})")
    labels = list(demand.priority) if isinstance(demand.priority, dict) else [demand.priority] if demand.priority else []
    if entry.priority is not None and entry.priority not in labels:
        if not labels:
            return "priority", f"type {entry.type!r} has no priorities, got {entry.priority!r}; leave it out"
        return "priority", unknown(f"priority of {entry.type}", entry.priority, labels)
    return None


def _read_snapshot(scenario: Scenario, path: Path) -> tuple[OpenItems, ...]:
    """One open item per row of a snapshot CSV; errors name the file, the line and the column."""
    file = str(path)
    if scenario.start is None:
        raise ScenarioError("a snapshot's ages are measured from the scenario's start: give start, e.g. "
                            "start: '2026-03-02 08:00'", path="initial.file")
    if not path.is_file():
        raise ScenarioError(f"snapshot file {file} {'not found' if not path.exists() else 'is not a file'} (a "
                            "relative path is relative to the scenario file)", path="initial.file")
    if path.stat().st_size > MAX_SNAPSHOT_BYTES:
        raise ScenarioError(f"snapshot is {path.stat().st_size:,} bytes, more than the limit of "
                            f"{MAX_SNAPSHOT_BYTES:,}", file=file)
    text = read_text(path, MAX_SNAPSHOT_BYTES).removeprefix("\ufeff")  # Excel's "CSV UTF-8" opens with a BOM
    rows = csv.reader(text.splitlines())
    try:
        column = _columns(next(rows, []), file)
        items = []
        for line, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            if len(items) >= MAX_INITIAL_ITEMS:
                raise ScenarioError(f"more than {MAX_INITIAL_ITEMS:,} open tickets", file=file, path=f"line {line}")
            items.append(_snapshot_item(scenario, row, column, file, line))
    except csv.Error as exc:  # a field over the csv module's size limit, a NUL byte
        raise ScenarioError(f"not a readable CSV file: {exc}", file=file, path=f"line {rows.line_num}") from None
    return tuple(items)


def _columns(row: list[str], file: str) -> dict[str, int]:
    """Where each needed column is in the header line; a missing or repeated one is refused."""
    header = [name.strip().lower() for name in row]
    missing = [c for c in SNAPSHOT_COLUMNS if c not in header]
    if missing:
        raise ScenarioError(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; a snapshot "
                            f"needs {', '.join(SNAPSHOT_COLUMNS)} (found: {', '.join(header) or 'nothing'})",
                            file=file, path="line 1")
    repeated = [c for c in SNAPSHOT_COLUMNS if header.count(c) > 1]
    if repeated:
        raise ScenarioError(f"column {repeated[0]} appears {header.count(repeated[0])} times; keep one (which one "
                            "holds the values is not known)", file=file, path="line 1")
    return {name: header.index(name) for name in SNAPSHOT_COLUMNS}


def _snapshot_item(scenario: Scenario, row: list[str], column: dict[str, int], file: str, line: int) -> OpenItems:
    cells = {name: (row[i].strip() if i < len(row) else "") for name, i in column.items()}
    ticket = cells["id"] or None
    where = f"line {line}" + (f" (ticket {ticket})" if ticket else "")
    for name in ("type", "step", "opened_at"):
        if not cells[name]:
            raise ScenarioError(f"empty {name}; every open ticket needs a type, a step and opened_at", file=file,
                                path=f"{where}, {name}")
    age = _age(scenario.start, cells["opened_at"], file, f"{where}, opened_at")
    entry = OpenItems(cells["type"], cells["step"], 1, cells["priority"] or None, fixed(age), ticket)
    problem = _problem(scenario, entry)
    if problem is not None:
        field, message = problem
        raise ScenarioError(message, file=file, path=f"{where}, {field}")
    return entry


def _age(start: datetime, text: str, file: str, path: str) -> float:
    """Hours from ``opened_at`` to the scenario's start (never negative: the ticket was open at the start)."""
    try:
        opened = datetime.fromisoformat(text)
    except ValueError:
        opened = None
    if opened is None or opened.tzinfo is not None:
        raise ScenarioError(f"expected a local date and time such as '2026-02-27 14:30' (no time zone, like the "
                            f"scenario's start), got {text!r}", file=file, path=path)
    if opened.year < start.year - MAX_TICKET_AGE_YEARS:
        raise ScenarioError(f"{opened.isoformat()[:10]} is more than {MAX_TICKET_AGE_YEARS} years before the scenario's start; "
                            "a typo in the year?", file=file, path=path)
    if opened > start:
        raise ScenarioError(f"{opened:%Y-%m-%d %H:%M} is after the scenario's start {start:%Y-%m-%d %H:%M}; a "
                            "ticket open at the start was opened before it", file=file, path=path)
    return (start - opened).total_seconds() / 3600
