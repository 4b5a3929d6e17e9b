"""The engine's smallest parts: a lightweight event carrying an item, and an item's run-time state.

PERF (benchmarks/engine_throughput.py): events are scheduled straight on simpy's kernel with
``Environment.schedule``, or on the hottest paths pushed onto its queue as that method does
(``heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), event))``); the replication
processes them in a loop of its own (``Replication._process_events``, simpy's ``run`` and ``step``
less their per-event overhead); the clock is read as ``env._now`` (what the ``now`` property
returns); ``__slots__`` keep per-item state small and attribute access fast.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between young-generation collections while a replication runs (Python's default is 700).
YOUNG_COLLECTION_EVERY = 10_000


#: Route targets that are not steps: the item is done (value realised) or dropped (rejected).
DONE_ID, DROP_ID = -1, -2


class Wake:
    """A minimal simpy-compatible event carrying one item (or arrival source) to its callbacks.

    PERF: ``callbacks`` is a tuple shared by every event of a kind (simpy only iterates it). To
    cancel a scheduled wake, set its ``callbacks`` to ``()``: simpy pops it and calls nothing.
    """

    __slots__ = ("callbacks", "item")
    _ok = True

    def __init__(self, callbacks: tuple, item) -> None:
        self.callbacks = callbacks
        self.item = item


def cancel(wake: Wake) -> None:
    """Cancel a scheduled wake: it stays in simpy's queue but calls nothing when it comes up."""
    wake.callbacks = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while the event loop runs. PERF: every record is a new
    tuple the collector tracks, so at Python's default it scans the young objects every 700
    records; every 10,000 the M/M/3 benchmark runs about 4% faster. Cycles are still collected."""
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class Item:
    """Run-time state of one work item; accumulates wait and work until value is realised.

    ``queued`` is when it entered its current step, ``started`` when work on it began (-1 while it
    waits), ``paused`` the time its work stood still within the step (outside working hours).
    ``others`` is time spent waiting on others (wait steps), part of ``wait``. ``pending`` is the
    last wake scheduled for the item (a step's end), so that a closing rule can cancel it;
    ``closed`` marks an item closed by that rule (queues skip it).

    PERF: the fields only some models use (``automating``, ``pending``, ``closed``, ``attrs``, ``awaiting``,
    ``attempt``) keep
    their defaults on the class and are stored per item (in ``__dict__``) only when set, so a new
    item costs only the stores every model needs.
    """

    __slots__ = ("id", "index", "visit", "demand", "rank", "arrived", "runs", "step", "queued", "started",
                 "paused", "work", "wait", "others", "off_hours", "handoffs", "reworks", "automated", "last_team",
                 "visited", "value_time", "__dict__")
    automating = closed = False
    pending: Wake | None = None
    awaiting: Wake | None = None  # a patience running, or a caller's ring-back (steps/patience.py)
    attempt = 0  # the caller's ring-backs so far on this visit of its step (steps/patience.py)
    attrs: tuple[int, ...] = ()  # per declared attribute (Plan.attributes) its value's index; () if none
    sla_paused = 0.0  # time in waits its SLA clock pauses on, on that clock (queue: sla_first, engine/rules.py)

    def __init__(self, item_id: int, index: int, demand: int, rank: int, now: float, runs: list) -> None:
        self.id, self.index, self.demand, self.rank, self.arrived, self.runs = item_id, index, demand, rank, now, runs
        # step, queued, started, paused and visit are set when it enters its first step (Replication.enter)
        self.handoffs = self.reworks = self.automated = self.visited = 0
        self.work = self.wait = self.others = self.off_hours = 0.0
        self.last_team = -1
        self.value_time = -1.0
