"""An item in several places at once: the branches of a fork, and how the steps on a branch see the run.

A :class:`Branch` is a copy of its item's position: the steps of a branch move it as they move an
item (its own step, queue entry, pending wake, work and wait), while its records carry the item's
id. PERF (../shared/bench/speed_check.py): only the steps on a branch are built on a
:class:`BranchFlow` (chosen when their run-time is built, as engine/spawn.py does), whose
``done_step`` records under the item's id and whose ``route`` and ``complete`` lead to the join;
other steps pay nothing.

Branch ids: ``-(item id x 64 + branch number) - 1``, negative and unique, so that team pools that
key work in hand by id tell two branches of one item apart; they are never recorded.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Protocol

from ..kernel.events import DONE_ID, Item
from ..kernel.recorder import ITEM_DONE
from .base import Flow, Recorded, StepKind, StepPlanView, StepRun, leave_in_parts


class Join(Protocol):
    """What a branch asks of its fork's run-time (steps/fork.py: ForkRun) when it reaches the join or
    its gate rejects the item."""

    def arrive(self, parting: Parting, branch: Branch) -> None: ...
    def reject(self, parting: Parting, branch: Branch) -> None: ...


class Branch(Item):
    """One branch of a forked item: it starts where the item stands (last team, steps visited, value)."""

    __slots__ = ("item", "parting", "reworks_before")

    def __init__(self, item: Item, parting: "Parting", number: int, now: float) -> None:
        super().__init__(-(item.id << 6 | number) - 1, item.index, item.demand, item.rank, now, item.runs)
        self.item, self.parting = item, parting
        self.last_team, self.visited, self.value_time = item.last_team, item.visited, item.value_time
        self.reworks = self.reworks_before = item.reworks  # rework visits draw from keys of their own


class Parting:
    """One visit of an item to a fork: its branches, those that reached the join, and when the first did."""

    __slots__ = ("item", "run", "entered", "branches", "arrived", "first")

    def __init__(self, item: Item, run: Join, now: float) -> None:
        self.item, self.run, self.entered = item, run, now
        self.branches: list[Branch] = []
        self.arrived: list[Branch] = []
        self.first = now

    def still_open(self) -> list[Branch]:
        return [b for b in self.branches if b not in self.arrived and not b.closed]

    def cancel(self, now: float, outcome: int) -> None:
        """Stop every branch still open: its wake cancelled, its queue entry skipped, its person freed;
        its step is recorded with ``outcome`` and the work done so far."""
        for branch in self.still_open():
            branch.closed = True
            run = branch.runs[branch.step]
            run.withdraw(branch)
            if branch.started < 0:
                branch.started = now  # cancelled in a queue: it waited the whole time
            work, automated = run.in_progress(branch)
            run.flow.done_step(branch, run, now, outcome, automated, work)

    def merge(self, last: Branch) -> None:
        """Add the branches' accounts to the item: the work of every branch (person-hours), the wait of
        ``last`` (the branch that set the join's time) and the team it ends with."""
        item, branches = self.item, self.branches
        if item.value_time < 0:
            item.work += sum(b.work for b in branches)
            item.wait += last.wait
            item.others += last.others
            item.off_hours += last.off_hours
        item.handoffs += sum(b.handoffs for b in branches)
        item.automated += sum(b.automated for b in branches)
        item.reworks += sum(b.reworks - b.reworks_before for b in branches)
        for branch in branches:
            item.visited |= branch.visited
        item.last_team = last.last_team


class BranchFlow:
    """The replication as a step on a branch sees it: its services, with records under the item's id
    and ``done`` (a ``next`` naming ``join``) leading to the join. Services are bound once."""

    def __init__(self, flow: Flow) -> None:
        self._flow = flow
        self.env, self.schedule, self.seed, self.replication = flow.env, flow.schedule, flow.seed, flow.replication
        self.teams, self.plan, self.enter, self.handoff = flow.teams, flow.plan, flow.enter, flow.handoff
        self.shared, self.at_start, self.recorder = flow.shared, flow.at_start, flow.recorder

    def __getattr__(self, name: str) -> Any:
        """Any other service of the replication is its own."""
        return getattr(self._flow, name)

    leave = leave_in_parts  # not the replication's: records and routes go to the branch

    def done_step(self, branch: Branch, run: Recorded, now: float, outcome: int, automated: bool, work: float) -> None:
        """Record one step execution of a branch under its item's id; its wait and work go to the branch."""
        if branch.value_time < 0:
            branch.wait += now - branch.queued - work
            branch.work += work
            branch.off_hours += branch.paused
        self.recorder.step(branch.item.id, branch.demand, run.plan.id, branch.queued, branch.started, now, work,
                           automated, outcome)

    def route(self, branch: Branch, run: StepRun) -> None:
        """Along the step's ``next``; ``join`` (compiled as done) reaches the fork's join. The same draw
        as the replication's ``route``, copied so that its hot path holds no test for branches."""
        targets = run.targets
        target = targets[0] if run.route_u is None else targets[bisect_right(run.cumulative, run.route_u(branch))]
        if target == DONE_ID:
            self.complete(branch, ITEM_DONE)
        else:
            self.enter(branch, target)

    def complete(self, branch: Branch, outcome: int) -> None:
        """The branch is done (it reached the join) or its gate rejected the item (``drop``)."""
        parting = branch.parting
        if outcome == ITEM_DONE:
            parting.run.arrive(parting, branch)
        else:
            parting.run.reject(parting, branch)


def branch_run(kind: StepKind, step: StepPlanView, demand_type: str, flow: Flow) -> StepRun:
    """The run-time of a step on a branch: its kind's own, built on the replication's :class:`BranchFlow`."""
    seen = flow.shared(("fork", "flow"), lambda: BranchFlow(flow))[0]
    return kind.run(step, demand_type, seen)
