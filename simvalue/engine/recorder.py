"""Column buffers the event loop appends to; turned into numpy arrays once the replication ends.

PERF: one tuple append per record is the cheapest thing Python can do in the loop; arrays are
built afterwards (benchmarks/engine_throughput.py).
"""

from __future__ import annotations

import numpy as np

# Step-execution outcomes.
COMPLETED, APPROVED, REJECTED = 0, 1, 2
STEP_OUTCOMES = ("completed", "approved", "rejected")
# Item outcomes.
ITEM_DONE, ITEM_REJECTED, IN_FLIGHT = 0, 1, 2
ITEM_OUTCOMES = ("done", "rejected", "in_flight")

STEP_FIELDS = ("item_id", "demand", "step", "queued", "started", "finished", "automated", "outcome")
ITEM_FIELDS = ("item_id", "demand", "rank", "arrived", "value_realized", "completed", "work_time",
               "wait_time", "handoffs", "reworks", "automated_steps", "outcome")


class Recorder:
    """Records of one replication: every step execution and every reported item."""

    __slots__ = ("steps", "items")

    def __init__(self) -> None:
        self.steps: list[tuple] = []
        self.items: list[tuple] = []

    def step(self, item_id: int, demand: int, step: int, queued: float, started: float, finished: float,
             automated: bool, outcome: int) -> None:
        self.steps.append((item_id, demand, step, queued, started, finished, automated, outcome))

    def item(self, *fields) -> None:
        self.items.append(fields)

    def arrays(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Step and item records as column arrays (and the buffers released)."""
        steps, items = _columns(self.steps, STEP_FIELDS), _columns(self.items, ITEM_FIELDS)
        self.steps, self.items = [], []
        return steps, items


def _columns(rows: list[tuple], fields: tuple[str, ...]) -> dict[str, np.ndarray]:
    table = np.array(rows, dtype=float).reshape(len(rows), len(fields))
    return {name: table[:, i] for i, name in enumerate(fields)}
