"""Teams at run time: a pool of people serving a queue ordered by priority, then arrival.

PERF (benchmarks/engine_throughput.py): the 24/7 pool is the hot path of every model; a pool
whose headcount follows a schedule is a subclass, so teams without one pay nothing for it.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush

from simpy.events import NORMAL, URGENT

from ..kernel.events import Wake, cancel


def held(item, since: float, now: float, recorder) -> None:
    """Interrupted work resumes: its standstill since ``since`` is paused time of its step (so its work
    is the sum of its segments) but queueing, not off-hours (the flow adds a step's paused time to
    the item's off-hours: that share is taken back here)."""
    item.paused += now - since
    if item.value_time < 0:
        item.off_hours -= now - since
    recorder.pause(item.runs[item.step].plan.id, since, now)


def take_back(queue: list, item) -> tuple | None:
    """Remove ``item`` from a heap ``queue`` of (rank, seq, item, ...) entries and return its entry; None if
    it is not there. Rare (an escalation, a caller giving up), so a linear search is fine."""
    for index, entry in enumerate(queue):
        if entry[2] is item:
            last = queue.pop()
            if index < len(queue):
                queue[index] = last
                heapify(queue)
            return entry
    return None


def requeue(queue: list, item, key) -> None:
    """Give ``item``'s entry in a heap ``queue`` of (key, seq, item, ...) entries the new ``key`` (a new
    priority, or its SLA deadline again), keeping the order it joined in. Rare, so a linear search is fine."""
    for index, entry in enumerate(queue):
        if entry[2] is item:
            queue[index] = (key, *entry[1:])
            heapify(queue)
            return


class TeamPool:
    """``capacity`` people; ``request`` starts work at once or queues it; ``release`` frees a person."""

    __slots__ = ("capacity", "busy", "queue", "seq", "env", "schedule", "events", "event_ids")

    def __init__(self, capacity: int, env) -> None:
        self.capacity, self.busy, self.queue, self.seq = capacity, 0, [], 0
        self.env, self.schedule = env, env.schedule
        self.events, self.event_ids = env._queue, env._eid  # simpy's queue (PERF, see kernel.py)

    def request(self, item, effort: float, callbacks: tuple) -> None:
        """Work ``effort`` hours on ``item`` when a person is free; ``callbacks`` run when it is done."""
        if self.busy < self.capacity:
            self.busy += 1
            item.started = now = self.env._now  # PERF: the finish pushed onto simpy's queue, as ``schedule`` does
            heappush(self.events, (now + effort, NORMAL, next(self.event_ids), Wake(callbacks, item)))
        else:
            self.seq += 1
            heappush(self.queue, (item.rank, self.seq, item, effort, callbacks))

    def free(self) -> bool:
        """Whether a person is free to start work now."""
        return self.busy < self.capacity

    def take_back(self, item) -> tuple | None:
        """Remove ``item``, waiting in this queue, and return its entry (rank, seq, item, effort, ...);
        None if it is not waiting here."""
        return take_back(self.queue, item)

    def requeue(self, item) -> None:
        """``item``, waiting in this queue, has a new priority (``item.rank``, an escalation): its entry
        moves to its new place, keeping the order it joined in."""
        requeue(self.queue, item, item.rank)

    def release(self, item) -> None:
        """A person finished ``item``: they take the next item in the queue, or become free."""
        if self.queue:
            _, _, waiting, effort, callbacks = heappop(self.queue)
            waiting.started = now = self.env._now
            heappush(self.events, (now + effort, NORMAL, next(self.event_ids), Wake(callbacks, waiting)))
        else:
            self.busy -= 1


class ClosingPool(TeamPool):
    """A 24/7 pool in a model with a closing rule (``close_after``): it keeps each started item's
    finish on the item (``pending``) so that closing can cancel it, and skips closed items in its
    queue. PERF: a subclass, so that models without closing rules pay nothing for it."""

    __slots__ = ()

    def request(self, item, effort: float, callbacks: tuple) -> None:
        if self.busy < self.capacity:
            self.busy += 1
            item.started = self.env._now
            item.pending = wake = Wake(callbacks, item)
            self.schedule(wake, NORMAL, effort)
        else:
            self.seq += 1
            heappush(self.queue, (item.rank, self.seq, item, effort, callbacks))

    def release(self, item) -> None:
        queue = self.queue
        while queue:
            _, _, waiting, effort, callbacks = heappop(queue)
            if waiting.closed:
                continue
            waiting.started = self.env._now
            waiting.pending = wake = Wake(callbacks, waiting)
            self.schedule(wake, NORMAL, effort)
            return
        self.busy -= 1

    def drop(self, item) -> None:
        """``item`` was closed while a person worked on it: the person is free for the next work."""
        self.release(item)


class ScheduledTeam(TeamPool):
    """A pool whose headcount follows a schedule (calendar, shifts, holidays).

    A change of headcount comes before anything else at its instant (``URGENT``): an item arriving
    at 17:00 meets the desk already closed. When the pool grows, waiting work starts: paused work
    first (the most recently paused first), then the queue. When it shrinks with work in hand,
    ``pause`` stops the most recently (re)started work (its finish is cancelled; the rest of its
    effort resumes first when someone is free again), except work ending at that very instant;
    ``finish`` lets the people going off duty stay until their item is done, as overtime: they
    take no new work and do not count against the next shift.
    """

    __slots__ = ("pause", "serving", "paused", "changes", "on_change", "recorder", "pending", "overtime", "preempt",
                 "interrupted", "efforts", "returns", "following")

    def __init__(self, schedule, env, pause: bool, recorder, preempt: str | None = None) -> None:
        super().__init__(schedule.headcount_at(0.0), env)
        self.pause, self.recorder = pause, recorder
        # Preemption (team field ``preempt``), as in PreemptivePool: interrupted item id -> since when;
        # full efforts for ``restart``; decreasing sequence numbers put interrupted work at its queue's head.
        self.preempt, self.interrupted, self.efforts, self.returns = preempt, {}, {}, 0
        # item id -> [item, wake, ends at, callbacks, on overtime], in (re)start order
        self.serving: dict[int, list] = {}
        self.paused: list[tuple] = []  # (item, remaining effort, callbacks, paused at), a stack
        self.overtime = 0  # people finishing their item after their shift ended (finish rule)
        self.following = schedule  # the schedule in force (a change over time may swap it)
        self.changes = schedule.iter_changes(0.0)
        self.on_change = (self._change,)
        self.pending: Wake | None = None

    def start(self) -> None:
        """Schedule the first change of headcount."""
        self._next_change()

    def _next_change(self) -> None:
        change = next(self.changes, None)
        self.pending = None
        if change is not None:
            at, headcount = change
            self.pending = Wake(self.on_change, headcount)
            self.schedule(self.pending, URGENT, max(at - self.env._now, 0.0))

    def retarget(self, schedule, pause: bool) -> None:
        """Follow another schedule from now on (a change over time): new headcount at once. The same
        schedule (a change that keeps this team's calendar) changes nothing."""
        if schedule is self.following and pause == self.pause:
            return
        self.following = schedule
        if self.pending is not None:
            cancel(self.pending)
        now = self.env._now
        self.pause = pause
        self.changes = schedule.iter_changes(now)
        self._change(Wake(self.on_change, schedule.headcount_at(now)))

    def _begin(self, item, effort: float, callbacks: tuple) -> None:
        now = self.env._now
        item.pending = wake = Wake(callbacks, item)
        self.serving[item.id] = [item, wake, now + effort, callbacks, False]
        self.schedule(wake, NORMAL, effort)

    def request(self, item, effort: float, callbacks: tuple) -> None:
        if self.preempt == "restart":
            self.efforts[item.id] = effort
        if self.busy - self.overtime < self.capacity:
            self.busy += 1
            item.started = self.env._now
            self._begin(item, effort, callbacks)
        elif self.preempt and self._interrupt_for(item):
            item.started = self.env._now
            self._begin(item, effort, callbacks)
        else:
            self.seq += 1
            heappush(self.queue, (item.rank, self.seq, item, effort, callbacks))

    def free(self) -> bool:
        return self.busy - self.overtime < self.capacity

    def _interrupt_for(self, item) -> bool:
        """Stop the lowest priority in hand (below ``item``'s; the latest started among equals; not work
        finishing now, not overtime) and put it back at the head of its queue; False if there is none."""
        now = self.env._now
        victim = None
        for entry in self.serving.values():
            if not entry[4] and entry[2] > now and entry[0].rank > item.rank and (
                    victim is None or entry[0].rank >= victim[0].rank):
                victim = entry
        if victim is None:
            return False
        interrupted, wake, ends, callbacks, _ = victim
        cancel(wake)
        del self.serving[interrupted.id]
        remaining = self.efforts.get(interrupted.id, ends - now) if self.preempt == "restart" else ends - now
        self.returns -= 1
        heappush(self.queue, (interrupted.rank, self.returns, interrupted, remaining, callbacks))
        self.interrupted[interrupted.id] = now
        return True

    def release(self, item) -> None:
        """A person finished ``item``: they take the next work, or go off duty (overtime, or over
        the headcount)."""
        if self.serving.pop(item.id)[4]:
            self.overtime -= 1
        if self.efforts:
            self.efforts.pop(item.id, None)
        self.busy -= 1
        self._fill()

    def _fill(self) -> None:
        """Start waiting work while people are free: paused work first, then the queue (with
        preemption, a queue of a higher priority than the paused work goes first)."""
        while self.busy - self.overtime < self.capacity and (self.paused or self.queue):
            self.busy += 1
            if self.paused and not (self.preempt and self.queue and self.queue[0][0] < self.paused[-1][0].rank):
                item, remaining, callbacks, since = self.paused.pop()
                now = self.env._now
                item.paused += now - since
                self.recorder.pause(item.runs[item.step].plan.id, since, now)
                self._begin(item, remaining, callbacks)
            else:
                _, _, item, effort, callbacks = heappop(self.queue)
                if item.closed:
                    self.busy -= 1
                    continue
                since = self.interrupted.pop(item.id, None) if self.interrupted else None
                if since is None:
                    item.started = self.env._now
                else:
                    held(item, since, self.env._now, self.recorder)
                self._begin(item, effort, callbacks)

    def drop(self, item) -> None:
        """``item`` was closed while worked on (or paused off duty): free its person, or forget its
        paused work (recording the standstill so far)."""
        if item.id in self.serving:
            self.release(item)
            return
        now = self.env._now
        for index, (paused, _, _, since) in enumerate(self.paused):
            if paused is item:
                del self.paused[index]
                item.paused += now - since
                self.recorder.pause(item.runs[item.step].plan.id, since, now)
                return

    def _change(self, event: Wake) -> None:
        self.capacity = event.item
        now = self.env._now
        # The most recently (re)started work stops (pause) or runs on as overtime (finish); work
        # ending at this very instant just ends (its finish comes next at this instant).
        for entry in reversed(list(self.serving.values())):
            if self.busy - self.overtime <= self.capacity:
                break
            item, wake, ends, callbacks, overtime = entry
            if overtime or ends <= now:
                continue
            if self.pause:
                del self.serving[item.id]
                cancel(wake)
                self.paused.append((item, ends - now, callbacks, now))
                self.busy -= 1
            else:
                entry[4] = True
                self.overtime += 1
        self._fill()
        self._next_change()

    def close(self) -> None:
        """At the end of the run: work still paused has stood still until now (recorded as such)."""
        now = self.env._now
        for item, _, _, since in self.paused:
            item.paused += now - since
            self.recorder.pause(item.runs[item.step].plan.id, since, now)
        self.paused = []
        for _, _, item, _, _ in self.queue:  # interrupted work still waiting to resume
            since = self.interrupted.pop(item.id, None)
            if since is not None and not item.closed:
                held(item, since, now, self.recorder)


class PreemptivePool(TeamPool):
    """A 24/7 pool whose work a higher priority interrupts (team field ``preempt``).

    When every person is busy and an item of a higher priority (lower rank) arrives, the work of
    the lowest priority in hand (the most recently started among equals) stops: its finish is
    cancelled and it goes back to the head of its priority's queue, with the rest of its effort
    (``resume``) or all of it (``restart``). The time it stands still counts as paused (recorded as
    pauses), so its step's work is the sum of its segments and the rest is waiting. PERF: a
    subclass, so that teams without preemption pay nothing for it.
    """

    __slots__ = ("serving", "restart", "recorder", "returns")

    def __init__(self, capacity: int, env, restart: bool, recorder) -> None:
        super().__init__(capacity, env)
        self.restart, self.recorder = restart, recorder
        # item id -> [item, wake, ends at, full effort, callbacks], in (re)start order
        self.serving: dict[int, list] = {}
        self.returns = 0  # decreasing sequence numbers: interrupted work goes back to the head of its queue

    def _begin(self, item, effort: float, full: float, callbacks: tuple) -> None:
        item.pending = wake = Wake(callbacks, item)
        self.serving[item.id] = [item, wake, self.env._now + effort, full, callbacks]
        self.schedule(wake, NORMAL, effort)

    def request(self, item, effort: float, callbacks: tuple) -> None:
        now = self.env._now
        if self.busy < self.capacity:
            self.busy += 1
            item.started = now
            self._begin(item, effort, effort, callbacks)
            return
        victim = None
        for entry in self.serving.values():  # the lowest priority in hand, the latest started among equals
            if entry[0].rank > item.rank and entry[2] > now and (victim is None or entry[0].rank >= victim[0].rank):
                victim = entry
        if victim is None:
            self.seq += 1
            heappush(self.queue, (item.rank, self.seq, item, effort, effort, callbacks, -1.0))
            return
        interrupted, wake, ends, full, again = victim
        cancel(wake)
        del self.serving[interrupted.id]
        self.returns -= 1
        heappush(self.queue, (interrupted.rank, self.returns, interrupted, full if self.restart else ends - now,
                              full, again, now))
        item.started = now
        self._begin(item, effort, effort, callbacks)

    def release(self, item) -> None:
        self.serving.pop(item.id, None)
        now = self.env._now
        while self.queue:
            _, _, waiting, effort, full, callbacks, since = heappop(self.queue)
            if waiting.closed:
                continue
            if since >= 0:  # interrupted work resumes: it stood still since then
                held(waiting, since, now, self.recorder)
            else:
                waiting.started = now
            self._begin(waiting, effort, full, callbacks)
            return
        self.busy -= 1

    def drop(self, item) -> None:
        """``item`` was closed (a closing rule) while worked on: its person takes the next work."""
        if item.id in self.serving:
            self.release(item)

    def close(self) -> None:
        """At the end of the run: interrupted work still waiting has stood still until now."""
        now = self.env._now
        for _, _, item, _, _, _, since in self.queue:
            if since >= 0 and not item.closed:
                held(item, since, now, self.recorder)
