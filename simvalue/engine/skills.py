"""People with several skills at run time: groups of people shared by several teams' queues.

Each team of a pool keeps its own queue (a ``Desk``: what its steps ask of a team, as a TeamPool); a
group of people serves its own team's queue first, then the queues of its skills (``own_first``),
the longest one or the one whose first item has the highest priority (``then``). An arriving item
goes to a free person of its own team (the group with the fewest skills first, keeping the versatile
free), then to a free helper (fewest skills first, then in team order). Each piece of work is
recorded as a segment against its group and the team whose item it was (Recorder.served).

PERF (benchmarks/engine_throughput.py): built only for scenarios with ``people``/``shared_with``; the
24/7 TeamPool of every other team is untouched. A pool whose teams follow a schedule (calendar, shifts,
holidays) is a subclass (engine/scheduled_skills.py), so a 24/7 pool pays nothing for it.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush

from simpy.events import NORMAL

from ..kernel.events import Wake
from .plan import GroupPlan
from .teams import requeue, take_back


class Group:
    """``count`` people serving ``own`` first, then ``others`` (desks, as listed)."""

    __slots__ = ("index", "count", "busy", "own", "others", "highest")

    def __init__(self, index: int, plan: GroupPlan) -> None:
        self.index, self.count, self.busy = index, plan.count, 0
        self.own: Desk | None = None
        self.others: tuple[Desk, ...] = ()
        self.highest = plan.then == "highest_priority"

    def next_desk(self) -> Desk | None:
        """The queue this group's freed person serves next: its own if anything waits there, else the longest
        other (ties: as listed), or the other whose first item ranks first (priority, then time joined)."""
        if self.own.queue:
            return self.own
        best = None
        for desk in self.others:
            queue = desk.queue
            if queue and (best is None or (queue[0][:2] < best.queue[0][:2] if self.highest
                                           else len(queue) > len(best.queue))):
                best = desk
        return best


class Desk:
    """One team's queue in a pool, ordered by priority then arrival: the team its steps ask (TeamView)."""

    __slots__ = ("pool", "team", "queue", "capacity", "servers")

    def __init__(self, pool: SkillPool, team: int, capacity: int) -> None:
        self.pool, self.team, self.queue, self.capacity = pool, team, [], capacity
        self.servers: tuple[Group, ...] = ()  # the groups tried for an arriving item, in order

    def request(self, item, effort: float, callbacks: tuple) -> None:
        """Start ``item`` with the first free person who may serve this team, or queue it."""
        for group in self.servers:
            if group.busy < group.count:
                group.busy += 1
                self.pool.start(group, self, item, effort, callbacks)
                return
        pool = self.pool
        pool.seq += 1
        heappush(self.queue, (item.rank, pool.seq, item, effort, callbacks))

    def free(self) -> bool:
        """Whether someone who may serve this team is free now."""
        return any(group.busy < group.count for group in self.servers)

    def release(self, item) -> None:
        """The person who worked ``item`` is done: they take their next item, or become free."""
        self.pool.release(item)

    def drop(self, item) -> None:
        """``item`` was closed while worked on (its finish is cancelled): its person takes the next work."""
        self.pool.drop(item)

    def take_back(self, item) -> tuple | None:
        """Remove ``item`` waiting here and return its entry (an escalation to another team); None if absent."""
        return take_back(self.queue, item)

    def requeue(self, item) -> None:
        """``item`` waiting here has a new priority (an escalation): its entry moves to its new place."""
        requeue(self.queue, item, item.rank)


class SkillPool:
    """The groups and desks of a replication: who serves what, and the segments of work recorded."""

    __slots__ = ("env", "schedule", "recorder", "seq", "serving", "groups", "desks")

    def __init__(self, groups: tuple[GroupPlan, ...], capacities: tuple[int, ...], env, recorder) -> None:
        self.env, self.schedule, self.recorder, self.seq = env, env.schedule, recorder, 0
        self.serving: dict[int, tuple[Group, Desk, float]] = {}  # item id -> (group, desk, started at)
        self.groups = [Group(index, plan) for index, plan in enumerate(groups)]
        self.desks = {team: Desk(self, team, capacities[team]) for team in dict.fromkeys(g.team for g in groups)}
        for group, plan in zip(self.groups, groups):
            group.own, group.others = self.desks[plan.team], tuple(self.desks[t] for t in plan.skills)
        for team, desk in self.desks.items():
            own = sorted((g for g, p in zip(self.groups, groups) if p.team == team), key=lambda g: len(g.others))
            helpers = sorted((g for g, p in zip(self.groups, groups) if team in p.skills),
                             key=lambda g: (len(g.others), g.index))
            desk.servers = tuple(own + helpers)

    def start(self, group: Group, desk: Desk, item, effort: float, callbacks: tuple) -> None:
        """A person of ``group`` starts ``item`` of ``desk``'s team now, for ``effort`` hours."""
        item.started = now = self.env._now
        item.pending = wake = Wake(callbacks, item)
        self.serving[item.id] = (group, desk, now)
        self.schedule(wake, NORMAL, effort)

    def release(self, item) -> None:
        """Record the segment of work on ``item``; its person serves the next item by their group's rule
        (closed items are skipped), or becomes free."""
        group, desk, since = self.serving.pop(item.id)
        self.recorder.served(group.index, desk.team, since, self.env._now)
        while (chosen := group.next_desk()) is not None:
            _, _, waiting, effort, callbacks = heappop(chosen.queue)
            if not waiting.closed:
                self.start(group, chosen, waiting, effort, callbacks)
                return
        group.busy -= 1

    def drop(self, item) -> None:
        """``item`` was closed while worked on (its finish is cancelled): its person takes the next work."""
        if item.id in self.serving:
            self.release(item)

    def close(self) -> None:
        """At the end of the run: the work still in hand is recorded up to now."""
        now = self.env._now
        for group, desk, since in self.serving.values():
            self.recorder.served(group.index, desk.team, since, now)
        self.serving = {}
