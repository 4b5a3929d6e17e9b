"""State-dependent team rules at run time: a queue served nearest SLA breach first, and overtime.

``queue: sla_first`` keys a team's queue by each item's SLA breach instant (computed when it joins the
queue: arrival + target + its SLA pauses so far, or on a business-hours clock the instant that many working
hours have passed since arrival), items without an SLA after every item with one (by priority, then
arrival); ties by priority, then the order they joined. ``overtime`` calls ``extra`` people in when the queue passes a level and lets
them go when it is down to a lower one (scenario/rules.py), recording each one's time on duty
(Recorder.overtime). PERF (benchmarks/engine_throughput.py): built only for teams with a rule; every other
team keeps its plain pool.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heapify, heappop, heappush
from typing import Any

from simpy.events import NORMAL

from ..kernel.events import Wake
from .teams import ClosingPool, ScheduledTeam, requeue

#: A queue key of an item: its rank (priority), or (0, breach instant, rank) / (1, rank) for sla_first.
QueueKey = Callable[[Any], Any]


def rank_key(item) -> int:
    """The default order: priority, then (by the heap's sequence number) arrival."""
    return item.rank


def sla_key(deadlines: tuple[tuple[tuple[float | None, ...], Any, frozenset[str]], ...]) -> QueueKey:
    """The sla_first key from each demand type's (target per rank, business clock or None, pause reasons):
    items with a target first by breach instant, then the rest. Time left is target - SLA time so far, and
    SLA time so far is the clock from arrival less the pauses so far (``sla_paused``), so the breach is the
    instant at which the clock from arrival reaches target + pauses: arrival + target + pauses, or that
    many working hours after arrival. An item already breached is the most overdue first."""
    def key(item) -> tuple:
        targets, clock, _ = deadlines[item.demand]
        target = targets[item.rank]
        if target is None:
            return (1, 0.0, item.rank)
        due = target + item.sla_paused
        breach = item.arrived + due if clock is None else clock.add_working_hours(max(item.arrived, 0.0), due)
        return (0, breach, item.rank)
    return key


def rule_pools(plan, env, recorder, teams: list) -> None:
    """Replace, in ``teams``, the pools of teams with a rule (queue: sla_first, overtime) by rule pools."""
    key = sla_key(plan.sla_deadlines)
    for team, (first, overtime, schedule) in enumerate(zip(plan.sla_first, plan.overtime, plan.schedules)):
        if schedule is not None and first:
            teams[team] = SlaFirstScheduledTeam(schedule, env, plan.pause_at_shift_end[team], recorder, key)
        elif schedule is None and (first or overtime is not None):
            teams[team] = RulePool(plan.capacities[team], env, key if first else rank_key, overtime, recorder, team)


class RulePool(ClosingPool):
    """A 24/7 pool with a rule: its queue ordered by ``key``, and optionally overtime ``(over, extra,
    below)``: when an item joins a queue already holding ``over`` (so it now holds more), ``extra`` people
    come on duty and start waiting work at once; when the queue is down to ``below`` or fewer, the extra
    people not working go off duty and those working go when their item is done. Closed items are skipped."""

    __slots__ = ("key", "rule", "base", "called", "on_duty", "recorder", "team")

    def __init__(self, capacity: int, env, key: QueueKey, overtime: tuple[int, int, int] | None, recorder,
                 team: int) -> None:
        super().__init__(capacity, env)
        self.key, self.rule, self.base, self.recorder, self.team = key, overtime, capacity, recorder, team
        self.called = False  # overtime in force
        self.on_duty: list[float] = []  # since when each extra person is on duty (overtime)

    def request(self, item, effort: float, callbacks: tuple) -> None:
        if self.busy < self.capacity:
            self.busy += 1
            self._start(item, effort, callbacks)
            return
        self.seq += 1
        heappush(self.queue, (self.key(item), self.seq, item, effort, callbacks))
        if self.rule is not None and not self.called and len(self.queue) > self.rule[0]:
            self._call_in()

    def _start(self, item, effort: float, callbacks: tuple) -> None:
        item.started = self.env._now
        item.pending = wake = Wake(callbacks, item)
        self.schedule(wake, NORMAL, effort)

    def _next(self) -> bool:
        """Start the first open item of the queue (a person already counted busy); False if none waits."""
        queue = self.queue
        while queue:
            _, _, waiting, effort, callbacks = heappop(queue)
            if not waiting.closed:
                self._start(waiting, effort, callbacks)
                return True
        return False

    def release(self, item) -> None:
        if self.busy > self.capacity:  # an extra person finishing after overtime ended goes off duty
            self.busy -= 1
            self._off_duty(1)
        elif self._next():
            self._shrunk()
        else:
            self.busy -= 1

    def take_back(self, item) -> tuple | None:
        entry = super().take_back(item)
        if entry is not None:
            self._shrunk()
        return entry

    def requeue(self, item) -> None:
        """A new priority (an escalation): the item's key is computed again (its SLA target may change)."""
        requeue(self.queue, item, self.key(item))

    def _call_in(self) -> None:
        """Overtime starts: ``extra`` people on duty (those still finishing from the last spell count among
        them), starting waiting work at once."""
        _, extra, _ = self.rule
        self.called = True
        self.capacity = self.base + extra
        self.on_duty += [self.env._now] * (extra - len(self.on_duty))
        while self.busy < self.capacity and self._next():
            self.busy += 1
        self._shrunk()

    def _shrunk(self) -> None:
        """The queue got shorter: overtime ends when it is down to ``below``; idle extra people go now."""
        if self.called and len(self.queue) <= self.rule[2]:
            self.called = False
            self.capacity = self.base
            self._off_duty(len(self.on_duty) - max(self.busy - self.base, 0))

    def _off_duty(self, people: int) -> None:
        now = self.env._now
        for _ in range(people):
            self.recorder.overtime(self.team, self.on_duty.pop(), now)

    def close(self) -> None:
        """At the end of the run: the extra people still on duty are recorded until now."""
        self._off_duty(len(self.on_duty))


class SlaFirstScheduledTeam(ScheduledTeam):
    """A team on a calendar or shifts whose queue is served nearest SLA breach first (``key``)."""

    __slots__ = ("key",)

    def __init__(self, schedule, env, pause: bool, recorder, key: QueueKey) -> None:
        super().__init__(schedule, env, pause, recorder)
        self.key = key

    def request(self, item, effort: float, callbacks: tuple) -> None:
        if self.busy - self.overtime < self.capacity:
            self.busy += 1
            item.started = self.env._now
            self._begin(item, effort, callbacks)
        else:
            self.seq += 1
            heappush(self.queue, (self.key(item), self.seq, item, effort, callbacks))

    def requeue(self, item) -> None:
        requeue(self.queue, item, self.key(item))
