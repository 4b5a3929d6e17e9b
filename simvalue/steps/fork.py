"""Parallel branches: an item forks into several paths of its stream and continues when all, any or k are done.

YAML: ``fork: {branches: [security_review, architecture_review], join: all, then: build}``. Each
branch is a path of steps of the same stream, from its first step to a ``next`` naming ``join``.
The item runs its branches at once, each as a *branch* (a copy of its position, steps/branch.py);
at the join it goes on to ``then``. With ``join: any`` or ``join: k`` (an integer) the branches
still open when the k-th arrives are cancelled: their wakes cancelled, their queue entries skipped,
their people freed. The offered-load rule counts every branch step once per fork visit (an upper
bound when a join cancels branches); docs/metrics.md gives the accounting of work and wait.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal, NamedTuple, Union

from pydantic import Field

from ..kernel.events import Item
from ..kernel.recorder import CANCELLED, CLOSED, COMPLETED, ITEM_REJECTED, REJECTED
from ..errors import ScenarioError, unknown
from ..fields import FrozenModel, Name, count
from .base import Flow, StepKind, StepPlanView, StepRun, StepView
from .branch import Branch, Parting

#: The routing word that ends a branch: ``next: {join: 1.0}``.
JOIN = "join"
#: Most branches of one fork (branch ids pack the branch number into 6 bits, steps/branch.py).
MAX_BRANCHES = 16


class ForkSettings(FrozenModel):
    """Parallel branches of one stream, joined when all, any or k of them are done."""

    branches: list[Name] = Field(min_length=2, max_length=MAX_BRANCHES,
                                 description="First step of each branch (steps of this stream).")
    join: Annotated[Union[Literal["all", "any"], count(ge=1, le=MAX_BRANCHES)], Field(union_mode="left_to_right")] = \
        Field("all", description="Branches that must be done before the item goes on: all, any, or a number k.")
    then: Name = Field(description="Step (or 'done') the item goes to after the join.")

    @property
    def need(self) -> int:
        """How many branches must reach the join."""
        return len(self.branches) if self.join == "all" else 1 if self.join == "any" else int(self.join)


class ForkKind(StepKind):
    name = "fork"
    field = "fork"
    schema = ForkSettings

    def onward(self, step: StepView) -> dict[str, float] | None:
        return {step.fork.then: 1.0}

    def branches(self, step: StepView) -> list[str]:
        return list(step.fork.branches)

    def check(self, step: StepView, path: str, steps: list[str], teams: list[str]) -> None:
        fork = step.fork
        for index, branch in enumerate(fork.branches):
            if branch not in steps:
                raise ScenarioError(unknown("step", branch, steps), path=f"{path}.fork.branches[{index}]")
            if branch == step.name:
                raise ScenarioError("a fork cannot be its own branch", path=f"{path}.fork.branches[{index}]")
            if branch in fork.branches[:index]:
                raise ScenarioError(f"branch {branch!r} is listed twice", path=f"{path}.fork.branches[{index}]")
        if fork.then != "done" and fork.then not in steps:
            raise ScenarioError(unknown("step", fork.then, steps + ["done"]), path=f"{path}.fork.then")
        if fork.need > len(fork.branches):
            raise ScenarioError(f"join {fork.join} is more than the {len(fork.branches)} branches",
                                path=f"{path}.fork.join")

    def describe(self, step: StepView) -> tuple[str, str]:
        fork = step.fork
        how = {"all": "all", "any": "any"}.get(str(fork.join), f"{fork.join} of")
        return "fork", f"{how} of {', '.join(fork.branches)}, then {fork.then}".replace("of of", "of")

    def compile(self, step: StepView, local: dict[str, int], team_ids: dict[str, int]) -> ForkSpec:
        return ForkSpec(tuple(local[b] for b in step.fork.branches), step.fork.need)

    def run(self, plan: StepPlanView, demand_type: str, flow: Flow) -> ForkRun:
        return ForkRun(plan, demand_type, flow)


class ForkSpec(NamedTuple):
    """A compiled fork: the branches' first step positions and how many must reach the join."""

    branches: tuple[int, ...]
    need: int


class ForkRun(StepRun):
    """Start one branch per path; join when ``need`` of them are done, cancelling the rest."""

    __slots__ = ("branches", "need", "open")

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        super().__init__(plan, demand_type, flow)
        self.branches, self.need = plan.spec
        # item id -> its parting, shared by every period's run of this step (a change over time)
        self.open: dict[int, Parting] = flow.shared(("fork", plan.id), dict)[0]

    def enter(self, item: Item, now: float) -> None:
        parting = self.open[item.id] = Parting(item, self, now)
        parting.branches = [Branch(item, parting, number, now) for number in range(len(self.branches))]
        for branch, position in zip(parting.branches, self.branches):
            self.flow.enter(branch, position)

    def arrive(self, parting: Parting, branch: Branch) -> None:
        """A branch reached the join: the item goes on once ``need`` have (the rest are cancelled)."""
        now = self.flow.env._now
        if not parting.arrived:
            parting.first = now
        parting.arrived.append(branch)
        if len(parting.arrived) == self.need:
            self._end(parting, branch, now, CANCELLED)
            self.flow.route(parting.item, self)

    def reject(self, parting: Parting, branch: Branch) -> None:
        """A branch's gate rejected the item (``on_reject: drop``): the other branches stop and it is dropped."""
        now = self.flow.env._now
        parting.first, branch.closed = now, True  # it is over: not cancelled with the others
        self._end(parting, branch, now, CANCELLED, REJECTED)
        self.flow.complete(parting.item, ITEM_REJECTED)

    def _end(self, parting: Parting, last: Branch, now: float, cut: int, outcome: int = COMPLETED) -> None:
        """Cancel the open branches, settle the item's accounts, record the join."""
        self.open.pop(parting.item.id)
        parting.cancel(now, cut)
        self._settle(parting, last, now)
        self.flow.done_step(parting.item, self, now, outcome, False, 0.0)

    def _settle(self, parting: Parting, last: Branch, now: float) -> None:
        """Add the branches' accounts to the item. The join's record waits from the first branch's arrival
        to now; the item's wait over the fork is the wait of ``last``, the branch that set the join's
        time, counted once (see docs/metrics.md)."""
        item = parting.item
        parting.merge(last)
        if item.value_time < 0:
            item.wait -= now - parting.first  # the join's record adds it back
        item.queued = item.started = parting.first

    def withdraw(self, item: Item) -> None:
        """A closing rule closes the item: its branches stop (recorded as closed); an open one, cut now,
        sets its wait, and the closing records the fork from the first branch's arrival (or now)."""
        parting = self.open.pop(item.id, None)
        if parting is not None:
            now = self.flow.env._now
            last = parting.still_open()[0]
            parting.cancel(now, CLOSED)
            if not parting.arrived:
                parting.first = now
            self._settle(parting, last, now)

    def in_progress(self, item: Item) -> tuple[float, bool]:
        return 0.0, False  # the work is on the branches

    def open_parts(self, item: Item) -> Sequence[Item]:
        parting = self.open.get(item.id)
        return [] if parting is None else parting.still_open()
