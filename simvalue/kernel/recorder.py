"""Record buffers the event loop writes to; turned into numpy column arrays once the replication ends.

PERF (benchmarks/engine_throughput.py): a record is its fields packed as float64s
(``struct.Struct.pack``, straight from the values, no tuple) and added to a ``bytearray``: about
half the cost of appending a tuple and converting the tuples to an array later, and the buffer is
already 8 bytes per field, so the arrays are one ``np.frombuffer`` away.
"""

from __future__ import annotations

from itertools import chain
from struct import Struct

import numpy as np

from ..limits import FOLD_ITEMS

# Step-execution outcomes.
COMPLETED, APPROVED, REJECTED, IN_PROGRESS, TIMED_OUT, CLOSED, CANCELLED, ABANDONED = 0, 1, 2, 3, 4, 5, 6, 7
STEP_OUTCOMES = ("completed", "approved", "rejected", "in_progress", "timed_out", "closed", "cancelled", "abandoned")
# Item outcomes (abandoned: the caller gave up waiting in a queue, steps/patience.py).
ITEM_DONE, ITEM_REJECTED, IN_FLIGHT, ITEM_ABANDONED = 0, 1, 2, 3
ITEM_OUTCOMES = ("done", "rejected", "in_flight", "abandoned")

STEP_FIELDS = ("item_id", "demand", "step", "queued", "started", "finished", "work", "automated", "outcome")
PAUSE_FIELDS = ("pause_step", "pause_since", "pause_until")
#: Work of people with several skills (engine/skills.py): their group (Plan.groups index), the team whose
#: item it was, and when the work started and ended.
SEGMENT_FIELDS = ("segment_group", "segment_team", "segment_start", "segment_end")
#: Overtime (engine/rules.py): one extra person's time on duty, for a team (Plan.teams index).
OVERTIME_FIELDS = ("overtime_team", "overtime_start", "overtime_end")
ITEM_FIELDS = ("item_id", "demand", "rank", "arrived", "value_realized", "completed", "work_time",
               "wait_time", "others_time", "off_hours_time", "handoffs", "reworks", "automated_steps", "outcome")
#: One record of each kind as packed float64s (native order, as ``np.frombuffer`` reads them).
STEP_ROW, ITEM_ROW = Struct(f"{len(STEP_FIELDS)}d"), Struct(f"{len(ITEM_FIELDS)}d")


class Recorder:
    """Records of one replication: every step execution and every item.

    ``steps`` and ``items`` are byte buffers of packed rows (``STEP_ROW``, ``ITEM_ROW``); the event
    loop holds their bound ``extend`` and each row's ``pack`` (engine/flow.py). ``compact`` moves
    them into float arrays every few thousand arrivals (a folding recorder folds there).
    """

    __slots__ = ("steps", "items", "pauses", "links", "_step_chunks", "_item_chunks", "attributes", "segments",
                 "overtimes")

    def __init__(self) -> None:
        self.steps = bytearray()  # packed STEP_ROWs
        self.items = bytearray()  # packed ITEM_ROWs
        self.pauses: list[tuple] = []  # (step id, paused at, resumed at): work stood still off duty
        self.links: list[tuple[int, int]] = []  # (item id, parent id) of items raised by others (spawn)
        self.attributes: list[tuple] = []  # (item id, value index per attribute) of items that drew any
        self.segments: list[tuple] = []  # (group, team served, start, end): people with several skills
        self.overtimes: list[tuple] = []  # (team, start, end): an extra person's time on overtime
        self._step_chunks: list[np.ndarray] = []
        self._item_chunks: list[np.ndarray] = []

    def step(self, item_id: int, demand: int, step: int, queued: float, started: float, finished: float,
             work: float, automated: bool, outcome: int) -> None:
        self.steps += STEP_ROW.pack(item_id, demand, step, queued, started, finished, work, automated, outcome)

    def item(self, *fields) -> None:
        self.items += ITEM_ROW.pack(*fields)

    def items_buffered(self) -> int:
        """Item records in the buffer (not yet moved into arrays)."""
        return len(self.items) // ITEM_ROW.size

    def attribute(self, item_id: int, values: tuple[int, ...]) -> None:
        """Item ``item_id`` drew these attribute values (indices per Plan.attributes, -1: not declared)."""
        self.attributes.append((item_id, *values))

    def link(self, item_id: int, parent_id: int) -> None:
        """Item ``item_id`` was raised by item ``parent_id`` (``spawn``)."""
        self.links.append((item_id, parent_id))

    def pause(self, step: int, since: float, until: float) -> None:
        """Work on a step stood still from ``since`` to ``until`` (its people were off duty)."""
        self.pauses.append((step, since, until))

    def served(self, group: int, team: int, start: float, end: float) -> None:
        """A person of ``group`` worked an item of ``team`` from ``start`` to ``end`` (engine/skills.py)."""
        self.segments.append((group, team, start, end))

    def overtime(self, team: int, start: float, end: float) -> None:
        """An extra person of ``team`` was on duty (overtime) from ``start`` to ``end`` (engine/rules.py)."""
        self.overtimes.append((team, start, end))

    def compact(self) -> None:
        """Move the buffered rows into float arrays (every few thousand arrivals; PERF: the buffers stay
        small and hot in the cache)."""
        if self.steps:  # cleared in place: the event loop holds their bound ``extend`` (PERF)
            self._step_chunks.append(_unpacked(self.steps, len(STEP_FIELDS)))
            self.steps.clear()
        if self.items:
            self._item_chunks.append(_unpacked(self.items, len(ITEM_FIELDS)))
            self.items.clear()

    def arrays(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Step and item records as column arrays (and the buffers released); the step columns also
        hold the pauses as ``pause_step``, ``pause_since`` and ``pause_until`` and the work of people with
        several skills (SEGMENT_FIELDS) and overtime (OVERTIME_FIELDS), the item columns
        ``parent_id`` (NaN for an item that arrived)."""
        Recorder.compact(self)  # the buffers only (a folding recorder's compact may fold)
        steps, items = _columns(self._step_chunks, STEP_FIELDS), _columns(self._item_chunks, ITEM_FIELDS)
        items["parent_id"] = _parents(items["item_id"], self.links)
        self.links = []
        items["attribute_rows"] = np.array(self.attributes, dtype=np.int64) if self.attributes else np.empty((0, 1))
        self.attributes = []
        pauses = _columns([_table(self.pauses, 3)] if self.pauses else [], PAUSE_FIELDS)
        steps.update(pauses)
        self.pauses = []
        steps.update(_columns([_table(self.segments, 4)] if self.segments else [], SEGMENT_FIELDS))
        self.segments = []
        steps.update(_columns([_table(self.overtimes, 3)] if self.overtimes else [], OVERTIME_FIELDS))
        self.overtimes = []
        self._step_chunks, self._item_chunks = [], []
        return steps, items


class FoldingRecorder(Recorder):
    """Records that do not pile up (``record="items"`` or ``"summary"``): every ``FOLD_ITEMS``
    finished items, their records and those of their steps go to ``fold(steps, items)`` (the
    columns ``arrays`` gives) and are dropped; the steps of items still in flight wait for them.
    ``flush`` at the end of the replication hands on the rest."""

    __slots__ = ("fold", "_recorded")

    def __init__(self, fold) -> None:
        super().__init__()
        self.fold = fold
        self._recorded = 0

    def compact(self) -> None:
        self._recorded += self.items_buffered()
        super().compact()
        if self._recorded >= FOLD_ITEMS:
            self.flush()

    def flush(self) -> None:
        """Hand every finished item, with its steps and the pauses so far, to ``fold``."""
        links, attributes = self.links, self.attributes
        steps, items = self.arrays()
        self._recorded = 0
        finished = items["item_id"]
        done = np.isin(steps["item_id"], finished)
        if not done.all():  # the steps of items in flight stay for a later fold
            self._step_chunks = [np.stack([steps[name][~done] for name in STEP_FIELDS])]
        if links or attributes:
            gone = set(finished.astype(np.int64).tolist())
            self.links = [link for link in links if link[0] not in gone]
            self.attributes = [row for row in attributes if row[0] not in gone]
        step_columns = {name: steps[name][done] for name in STEP_FIELDS}
        self.fold(step_columns | {name: steps[name] for name in PAUSE_FIELDS + SEGMENT_FIELDS + OVERTIME_FIELDS}, items)


def _unpacked(buffer: bytearray, width: int) -> np.ndarray:
    """Packed float64 rows as a field-major array of their own, shape (width, rows): copied, as the buffer
    is cleared and refilled. PERF: transposing a few thousand rows at a time stays in the cache, and
    makes every field's column one contiguous copy in ``_columns``."""
    return np.frombuffer(buffer, dtype=float).reshape(-1, width).T.copy()


def _table(rows: list[tuple], width: int) -> np.ndarray:
    """Rows of equal-length tuples as a field-major float array, shape (width, rows), as ``_unpacked``
    gives (PERF: fromiter beats np.array on tuples)."""
    flat = np.fromiter(chain.from_iterable(rows), dtype=float, count=len(rows) * width)
    return flat.reshape(len(rows), width).T


def _parents(item_ids: np.ndarray, links: list[tuple[int, int]]) -> np.ndarray:
    """Each item's parent id, NaN for none: ``links`` come in birth order, so by increasing item id."""
    parents = np.full(item_ids.size, np.nan)
    if links:
        children, their_parents = np.array(links, dtype=float).T
        position = np.minimum(np.searchsorted(children, item_ids), children.size - 1)
        found = children[position] == item_ids
        parents[found] = their_parents[position[found]]
    return parents


def _columns(chunks: list[np.ndarray], fields: tuple[str, ...]) -> dict[str, np.ndarray]:
    """One array per field from field-major chunks (``_unpacked``)."""
    return {name: np.concatenate([chunk[i] for chunk in chunks]) if chunks else np.empty(0)
            for i, name in enumerate(fields)}
