"""The open items a replication starts from: ``initial:`` compiled to ids, then drawn per replication.

Key space: arrivals of a type take item indices 0, 1, 2, ... (engine/flow.py) and every per-item
draw (engine/sampling.py: efforts, routes, decisions) is keyed by (type, step, purpose, visit,
index). Initial items take indices from ``INITIAL_INDEX`` = 2**39 on, per type. Arrivals cannot
reach it: a replication above MAX_EVENTS_PER_REPLICATION (1e8) events is refused, far below 2**39
(5.5e11) arrivals of one type; and the block key ``visit << 40 | index >> 9`` keeps the two ranges
apart on every visit. So a backlog takes no draw of a new arrival: adding one leaves their efforts,
routes and decisions as they were. Ages and unspecified priorities come from their own streams.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..distributions import Distribution
from ..rng import stream as rng_stream
from ..scenario.snapshot import open_items
from ..scenario.model import Scenario

#: First item index of initial items, per type (see the module's docstring).
INITIAL_INDEX = 1 << 39


@dataclass(frozen=True)
class InitialPlan:
    """``count`` open items of demand ``demand`` at local step ``position``, each ``age`` old."""

    demand: int  # index into Plan.demands
    position: int  # the step's position in the type's stream
    count: int
    rank: int  # priority rank; -1: drawn from the type's priority mix
    age: Distribution


def compile_initial(scenario: Scenario, labels: list[str]) -> tuple[InitialPlan, ...]:
    """The scenario's open items with names turned into ids (``labels``: priorities in rank order)."""
    types = {d.type: i for i, d in enumerate(scenario.demand)}
    plans = []
    for entry in open_items(scenario):
        demand = scenario.demand[types[entry.type]]
        steps = [s.name for s in scenario.streams[demand.stream].steps]
        rank = labels.index(entry.priority) if entry.priority is not None else -1
        if entry.count:
            plans.append(InitialPlan(types[entry.type], steps.index(entry.step), entry.count, rank, entry.age))
    return tuple(plans)


def initial_items(plan, replication: int) -> list[tuple[float, int, int, int, int]]:
    """(age, demand, rank, position, index) of every open item, in the order listed.

    Ages and the priorities left to the type's mix are drawn entry by entry, in that order, from
    streams of their own per type (``initial_age``, ``initial_priority``); a fixed age draws nothing.
    """
    streams: dict[tuple[int, str], np.random.Generator] = {}

    def rng(demand: int, purpose: str) -> np.random.Generator:
        if (demand, purpose) not in streams:
            streams[demand, purpose] = rng_stream(plan.seed, replication, plan.demands[demand].type, purpose)
        return streams[demand, purpose]

    counts: dict[int, int] = {}
    out = []
    for entry in plan.initial:
        demand = plan.demands[entry.demand]
        ages = ([entry.age.mean] * entry.count if entry.age.is_fixed
                else entry.age.sample(rng(entry.demand, "initial_age"), entry.count).tolist())
        fixed_rank = entry.rank if entry.rank >= 0 else demand.priority_ranks[0]
        ranks = ([fixed_rank] * entry.count if entry.rank >= 0 or len(demand.priority_ranks) == 1 else
                 [_pick(demand.priority_ranks, demand.priority_probabilities, u)
                  for u in rng(entry.demand, "initial_priority").random(entry.count).tolist()])
        first = INITIAL_INDEX + counts.get(entry.demand, 0)
        counts[entry.demand] = first - INITIAL_INDEX + entry.count
        out += [(age, entry.demand, rank, entry.position, first + k)
                for k, (age, rank) in enumerate(zip(ages, ranks))]
    return out


def _pick(ranks: tuple[int, ...], probabilities: tuple[float, ...], u: float) -> int:
    """The rank a uniform draw ``u`` falls on (as arrivals pick theirs)."""
    total = 0.0
    for rank, p in zip(ranks, probabilities):
        total += p
        if u < total:
            return rank
    return ranks[-1]
