"""Items born mid-run (``spawn``): a step that raises linked records, and the random numbers they use.

PERF (../shared/bench/speed_check.py): steps without ``spawn`` pay nothing. A step that spawns
sees the replication through a :class:`SpawningFlow`, chosen when its run-time is built, whose
``done_step`` records the step as usual and then raises the children; no other completion checks.
Every step kind ends an execution through ``done_step`` (work done, a gate's decision, a wait's
end); a closing rule's cut (engine/flow.py) does not go through it, so a closed step raises nothing.

Key space (engine/initial.py explains the per-item keys): a child takes the item index
``SPAWN_INDEX + n``, n its birth order among the children of its type in the replication, apart from
arrivals (0, 1, ...) and initial items (from 2**39): raising children takes no draw of another item.
Whether an execution raises an entry is drawn per parent item and visit from the step's own stream
(purpose ``spawn``; the k-th entry of a list, k > 0, ``spawn.k``); a child's priority left to its
type's mix from the type's stream ``spawn_priority``, in birth order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..rng import stream as rng_stream
from ..scenario.spawn import INHERIT, spawns
from ..steps import KINDS
from ..steps.base import leave_in_parts
from ..kernel.sampling import uniforms

#: First item index of spawned items, per type (see the module's docstring).
SPAWN_INDEX = 1 << 40
#: ``SpawnPlan.rank`` when the child takes its parent's priority, or one drawn from its type's mix.
INHERIT_RANK, MIX_RANK = -2, -1


@dataclass(frozen=True)
class SpawnPlan:
    """One spawn entry with names turned into ids: ``count`` items of type ``demand`` with probability ``p``."""

    demand: int  # index into Plan.demands
    p: float
    count: int
    rank: int  # a priority rank, INHERIT_RANK or MIX_RANK


def compile_spawns(step, types: dict[str, int], labels: list[str]) -> tuple[SpawnPlan, ...]:
    """A validated step's spawn entries as plans (``labels``: priorities in rank order)."""
    return tuple(SpawnPlan(types[e.type], e.p, e.count, INHERIT_RANK if e.priority == INHERIT else
                           MIX_RANK if e.priority is None else labels.index(e.priority)) for e in spawns(step))


def spawning_run(step, demand_type: str, flow, plan):
    """The run-time of a step that spawns: its kind's own, built on a :class:`SpawningFlow`."""
    seen = SpawningFlow(flow, plan, step.spawn)
    run = KINDS[step.kind].run(step, demand_type, seen)
    seen.bind(run)
    return run


class Births:
    """The children of one replication: their item indices and the priorities drawn from their type's mix."""

    __slots__ = ("flow", "counts", "picks")

    def __init__(self, flow) -> None:
        self.flow = flow
        self.counts: dict[int, int] = {}  # per type: children born so far
        self.picks: dict[int, Any] = {}  # per type: U(0, 1) draws for priorities from the mix

    def give(self, parent, spawn: SpawnPlan, demands) -> None:
        """Raise ``spawn.count`` children of ``parent`` now (``demands``: the plan's types in force)."""
        for _ in range(spawn.count):
            born = self.counts.get(spawn.demand, 0)
            self.counts[spawn.demand] = born + 1
            self.flow.born(spawn.demand, SPAWN_INDEX + born, self._rank(parent, spawn, demands), parent)

    def _rank(self, parent, spawn: SpawnPlan, demands) -> int:
        if spawn.rank >= 0:
            return spawn.rank
        if spawn.rank == INHERIT_RANK and demands[parent.demand].prioritised:
            return parent.rank
        child = demands[spawn.demand]
        ranks = child.priority_ranks
        if len(ranks) == 1:
            return ranks[0]
        if spawn.demand not in self.picks:
            self.picks[spawn.demand] = uniforms(rng_stream(self.flow.seed, self.flow.replication, child.type,
                                                           "spawn_priority"))
        u, total = self.picks[spawn.demand](), 0.0
        for rank, p in zip(ranks, child.priority_probabilities):
            total += p
            if u < total:
                return rank
        return ranks[-1]


class SpawningFlow:
    """The replication as a step that spawns sees it: the same services, and ``done_step`` then raises
    the step's linked records. Services are bound once (attributes, not lookups through the wrapper)."""

    def __init__(self, flow, plan, spawn_plans: tuple[SpawnPlan, ...]) -> None:
        self._flow, self._demands, self._plans = flow, plan.demands, spawn_plans
        self.env, self.schedule, self.seed, self.replication = flow.env, flow.schedule, flow.seed, flow.replication
        self.teams, self.plan = flow.teams, flow.plan
        self.enter, self.route, self.complete, self.handoff = flow.enter, flow.route, flow.complete, flow.handoff
        self.shared, self.at_start, self._record = flow.shared, flow.at_start, flow.done_step
        self._births: Births = flow.shared(("spawn", "births"), lambda: Births(flow))[0]
        self._entries: list[tuple[SpawnPlan, Any]] = []

    def __getattr__(self, name: str) -> Any:
        """Any other service of the replication (one added later) is its own."""
        return getattr(self._flow, name)

    def bind(self, run) -> None:
        """Draw each entry's decision per item from ``run``'s own streams; p = 1 draws nothing, p = 0 never raises."""
        self._entries = [(spawn, None if spawn.p >= 1 else run.uniforms("spawn" if k == 0 else f"spawn.{k}"))
                         for k, spawn in enumerate(self._plans) if spawn.p > 0]

    leave = leave_in_parts  # not the replication's: this done_step raises the linked records

    def done_step(self, item, run, now: float, outcome: int, automated: bool, work: float) -> None:
        """Record the step's execution, then raise what it raises."""
        self._record(item, run, now, outcome, automated, work)
        for spawn, decide in self._entries:
            if decide is None or decide(item) < spawn.p:
                self._births.give(item, spawn, self._demands)
