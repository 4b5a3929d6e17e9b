"""Teams at run time: a pool of people serving a queue ordered by priority, then arrival.

PERF (benchmarks/engine_throughput.py): the 24/7 pool is the hot path of every model; a pool
whose headcount follows a schedule is a subclass, so teams without one pay nothing for it.
"""

from __future__ import annotations

from heapq import heappop, heappush

from simpy.events import NORMAL

from .kernel import Wake


class TeamPool:
    """``capacity`` people; ``request`` starts work at once or queues it; ``release`` frees a person."""

    __slots__ = ("capacity", "busy", "queue", "seq", "env", "schedule")

    def __init__(self, capacity: int, env) -> None:
        self.capacity, self.busy, self.queue, self.seq = capacity, 0, [], 0
        self.env, self.schedule = env, env.schedule

    def request(self, item, effort: float, callbacks: tuple) -> None:
        """Work ``effort`` hours on ``item`` when a person is free; ``callbacks`` run when it is done."""
        if self.busy < self.capacity:
            self.busy += 1
            item.started = self.env.now
            self.schedule(Wake(callbacks, item), NORMAL, effort)
        else:
            self.seq += 1
            heappush(self.queue, (item.rank, self.seq, item, effort, callbacks))

    def release(self) -> None:
        """A person finished: they take the next item in the queue, or become free."""
        if self.queue:
            _, _, waiting, effort, callbacks = heappop(self.queue)
            waiting.started = self.env.now
            self.schedule(Wake(callbacks, waiting), NORMAL, effort)
        else:
            self.busy -= 1
