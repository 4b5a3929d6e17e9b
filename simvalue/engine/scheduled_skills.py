"""People with several skills on teams with working time: each group's people on duty follow their team.

A group's headcount changes when its team's does (calendar, shifts, holidays), before anything else at
that instant (``URGENT``, as engine/teams.py ``ScheduledTeam``; every team changing at that instant
changes before anyone takes work): it becomes the group's people on duty at
the team's new headcount (``GroupPlan.by_headcount``). When a group shrinks with work in hand, its own
team's ``at_shift_end`` decides, whichever queue the work came from: ``pause`` stops the group's most
recently (re)started work (not work ending at that very instant); the rest of its effort waits on a stack
of the desk whose item it is. ``finish`` lets the person finish their item as overtime: they take no new
work and do not count against the group's people on duty.

Paused work resumes before any queue: at a change of headcount, each desk's paused work (the most recently
paused first) goes to the first free person who may serve that desk, in the order an arriving item tries
them (its own people, then its helpers); a person freed by a finish resumes paused work of their own desk,
then of their skills' desks as listed, before taking from a queue by their group's rule.

PERF (benchmarks/engine_throughput.py): a subclass, built only when a pool's team follows a schedule.
"""

from __future__ import annotations

from heapq import heappop

from simpy.events import NORMAL, URGENT

from ..kernel.events import Wake, cancel
from .plan import GroupPlan
from .skills import Desk, Group, SkillPool


class ScheduledSkillPool(SkillPool):
    """A SkillPool whose groups' people on duty follow their teams' schedules (None: fixed around the clock)."""

    __slots__ = ("followed", "paused", "overtime", "on_change", "on_fill", "filling")

    def __init__(self, groups: tuple[GroupPlan, ...], capacities: tuple[int, ...], env, recorder,
                 schedules: tuple, pauses: tuple[bool, ...]) -> None:
        super().__init__(groups, capacities, env, recorder)
        self.paused: dict[int, list[tuple]] = {team: [] for team in self.desks}  # (item, rest, callbacks, since)
        self.overtime: set[int] = set()  # ids of items finished after their person's shift ended (finish rule)
        self.on_change, self.on_fill, self.filling = (self._change,), (self._fill_all,), False
        # per team with a schedule: [schedule, pause at shift end, [(group, people per headcount)], its changes,
        # its desk]
        self.followed: list[list] = []
        for team in dict.fromkeys(plan.team for plan in groups):
            if schedules[team] is None:
                continue
            members = [(group, dict(plan.by_headcount)) for group, plan in zip(self.groups, groups)
                       if plan.team == team]
            for group, table in members:
                group.count = table.get(capacities[team], 0)
            self.followed.append([schedules[team], pauses[team], members, None, self.desks[team]])

    def follow(self) -> None:
        """Schedule each team's first change of headcount (when the replication starts)."""
        for entry in self.followed:
            entry[3] = entry[0].iter_changes(self.env._now)
            self._next_change(entry)

    def _next_change(self, entry: list) -> None:
        change = next(entry[3], None)
        if change is not None:
            at, headcount = change
            self.schedule(Wake(self.on_change, (entry, headcount)), URGENT, max(at - self.env._now, 0.0))

    def _change(self, event: Wake) -> None:
        """A team's headcount changes: its groups' people on duty follow; those going off duty stop (pause) or
        finish their item (finish); free people take waiting work; the team's next change is scheduled."""
        entry, headcount = event.item
        _, pause, members, _, desk = entry
        desk.capacity = headcount  # its people on duty (alternate teams, ``team: [a, b]``, compare queues by it)
        for group, table in members:
            group.count = table.get(headcount, 0)
            if group.busy > group.count:
                self._shrink(group, pause)
        if not self.filling:  # after every team's change at this instant (already queued), still URGENT
            self.filling = True
            self.schedule(Wake(self.on_fill, None), URGENT, 0.0)
        self._next_change(entry)

    def _shrink(self, group: Group, pause: bool) -> None:
        """Take ``group``'s people above its count off its work: the most recently (re)started first."""
        now = self.env._now
        for item_id, (owner, desk, since, ends, wake, callbacks) in reversed(list(self.serving.items())):
            if group.busy <= group.count:
                return
            if owner is not group or ends <= now or item_id in self.overtime:
                continue
            if pause:
                del self.serving[item_id]
                cancel(wake)
                self.recorder.served(group.index, desk.team, since, now)
                self.paused[desk.team].append((wake.item, ends - now, callbacks, now))
            else:
                self.overtime.add(item_id)
            group.busy -= 1

    def start(self, group: Group, desk: Desk, item, effort: float, callbacks: tuple) -> None:
        item.started = self.env._now
        self._run(group, desk, item, effort, callbacks)

    def _run(self, group: Group, desk: Desk, item, effort: float, callbacks: tuple) -> None:
        now = self.env._now
        item.pending = wake = Wake(callbacks, item)
        self.serving[item.id] = (group, desk, now, now + effort, wake, callbacks)
        self.schedule(wake, NORMAL, effort)

    def _resume(self, group: Group, desk: Desk) -> None:
        """A person of ``group`` resumes ``desk``'s most recently paused work; its standstill counts as paused."""
        item, rest, callbacks, since = self.paused[desk.team].pop()
        now = self.env._now
        item.paused += now - since
        self.recorder.pause(item.runs[item.step].plan.id, since, now)
        group.busy += 1
        self._run(group, desk, item, rest, callbacks)

    def release(self, item) -> None:
        """Record the piece of work on ``item``; its person goes off duty (overtime) or takes waiting work."""
        group, desk, since = self.serving.pop(item.id)[:3]
        self.recorder.served(group.index, desk.team, since, self.env._now)
        if self.overtime and item.id in self.overtime:
            self.overtime.discard(item.id)
            return
        group.busy -= 1
        self._fill(group)

    def _fill(self, group: Group) -> None:
        """``group``'s free people take paused work (own desk first, then skills as listed), then queued work
        by the group's rule (closed items skipped)."""
        paused = self.paused
        while group.busy < group.count:
            desk = next((d for d in (group.own, *group.others) if paused[d.team]), None)
            if desk is not None:
                self._resume(group, desk)
                continue
            chosen = group.next_desk()
            if chosen is None:
                return
            _, _, waiting, effort, callbacks = heappop(chosen.queue)
            if not waiting.closed:
                group.busy += 1
                self.start(group, chosen, waiting, effort, callbacks)

    def _fill_all(self, _event: Wake | None = None) -> None:
        """After the changes of an instant: each desk's paused work to its first free server (own people, then
        helpers); then every group's free people take waiting work."""
        self.filling = False
        for desk in self.desks.values():
            stack = self.paused[desk.team]
            for group in desk.servers:
                while stack and group.busy < group.count:
                    self._resume(group, desk)
        for group in self.groups:
            self._fill(group)

    def drop(self, item) -> None:
        """``item`` was closed while worked on (its person takes the next work) or while paused (its standstill
        so far is recorded and its paused work forgotten)."""
        if item.id in self.serving:
            self.release(item)
            return
        now = self.env._now
        for stack in self.paused.values():
            for index, (paused, _, _, since) in enumerate(stack):
                if paused is item:
                    del stack[index]
                    item.paused += now - since
                    self.recorder.pause(item.runs[item.step].plan.id, since, now)
                    return

    def close(self) -> None:
        """At the end of the run: work in hand is recorded up to now, paused work as standing still until now."""
        now = self.env._now
        for group, desk, since, *_ in self.serving.values():
            self.recorder.served(group.index, desk.team, since, now)
        self.serving = {}
        for stack in self.paused.values():
            for item, _, _, since in stack:
                item.paused += now - since
                self.recorder.pause(item.runs[item.step].plan.id, since, now)
            stack.clear()
