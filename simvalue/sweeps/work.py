"""How much work a sweep is, estimated before it starts: refused over its budget, run in-process when small.

A sweep's total is points x replications x (the events of one replication of a point, from
``scenario/workload.py``, plus SWEEP_TASK_EVENTS for building the run and its metrics). The events of
a replication are the mean over a few points spread through the design, since parameters change the
load (a capacity does not, an arrival rate does). limits.py gives the figures and why.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimulationError, SimvalueError
from ..limits import DEFAULT_MAX_SWEEP_EVENTS, EVENTS_PER_SECOND, SMALL_SWEEP_SECONDS, SWEEP_TASK_EVENTS
from ..readable import figure
from ..scenario import Scenario
from ..scenario.variants import load_variant
from ..scenario.workload import workload

#: Points of the design whose load is estimated (evenly spread, the first and the last among them).
SAMPLED_POINTS = 5


@dataclass(frozen=True)
class SweepWork:
    """The estimated work of a sweep: its tasks and the events of one replication (mean over points)."""

    points: int
    replications: int
    events_per_replication: float

    @property
    def tasks(self) -> int:
        return self.points * self.replications

    @property
    def events(self) -> float:
        """Events in all, each task's fixed cost counted as SWEEP_TASK_EVENTS events."""
        return self.tasks * (self.events_per_replication + SWEEP_TASK_EVENTS)

    @property
    def seconds(self) -> float:
        """Estimated time on one core."""
        return self.events / EVENTS_PER_SECOND

    def remaining(self, points: int) -> "SweepWork":
        """The same sweep with only ``points`` left to run (the others resumed from its store)."""
        return SweepWork(points, self.replications, self.events_per_replication)


def estimate(base: Scenario, points: pd.DataFrame, edits: Callable[[dict[str, Any]], dict[str, Any]],
             replications: int) -> SweepWork:
    """The work of running ``replications`` of every point; ``edits`` gives a design row's dotted-path edits.
    A sampled point that cannot be loaded is left out of the mean (it will be an infeasible row)."""
    rows = points.to_dict("records")
    picked = sorted({int(i) for i in np.linspace(0, len(rows) - 1, min(SAMPLED_POINTS, len(rows)))}) if rows else []
    events = []
    for index in picked:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scenario = load_variant(base, {"name": f"sweep point {index}", "set": edits(rows[index])})
        except SimvalueError:
            continue
        events.append(workload(scenario).events)
    return SweepWork(len(rows), replications, float(np.mean(events)) if events else workload(base).events)


def check_total(work: SweepWork, max_total_events: float | None = None) -> None:
    """Refuse a sweep whose total work is over ``max_total_events`` (default DEFAULT_MAX_SWEEP_EVENTS)."""
    limit = DEFAULT_MAX_SWEEP_EVENTS if max_total_events is None else max_total_events
    if not 0 < limit < float("inf"):
        raise SimulationError(f"max_total_events must be a positive finite number of events, got {limit!r}")
    if not work.events <= limit:
        raise SimulationError(
            f"this sweep would simulate about {figure(work.events)} events in all ({work.points:,} points x "
            f"{work.replications} replications x about {figure(work.events_per_replication)} events, plus "
            f"{SWEEP_TASK_EVENTS:,} a replication for building it and its metrics), about {_duration(work.seconds)} "
            f"on one core, more than the sweep budget of {figure(limit)}; use fewer points or replications, or "
            "raise the budget with --max-total-events (max_total_events= in Python)")


def small(work: SweepWork) -> bool:
    """Whether the sweep is shorter than a process pool's start-up (then it runs in this process)."""
    return work.seconds < SMALL_SWEEP_SECONDS


def _duration(seconds: float) -> str:
    return f"{figure(seconds)} s" if seconds < 120 else f"{figure(seconds / 60)} minutes" if seconds < 7200 \
        else f"{figure(seconds / 3600)} hours"
