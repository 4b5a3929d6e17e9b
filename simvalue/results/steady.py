"""Whether a run reached a steady state: the backlog at the end of the horizon and how fast it grows.

An overloaded team (offered load at or above its capacity, ``scenario.overload``) has no steady
state: its queue grows for as long as work arrives, so no warm-up settles it and time-to-value grows
with the horizon. The run measures the backlog (items in flight) half-way through the reporting
window and at its end (``Results.flow``); their difference per week is the growth, with a
Student-t interval over replications. A backlog that grows clearly without an overload means the
warm-up or horizon was too short for the queues to settle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from .. import readable
from ..scenario.capacity import HOURS_PER_WEEK, Load, offered_loads
from ..scenario.overload import RestartLoad, growth_words, restart_loads
from .stats import t_interval

#: Measured growth that says "still growing" without an overload: over the window's second half, at least
#: this share of the backlog half-way (and an interval above zero), so noise around a settled queue does not.
GROWING_SHARE = 0.25


@dataclass(frozen=True)
class SteadyState:
    """The backlog at the end of the horizon and its growth per week (items, each with a t-interval),
    and the teams and gates whose offered load reaches their capacity.

    ``per_replication``: replication, backlog_mid, backlog_end (items in flight half-way through the
    reporting window and at its end), growth_per_week (their difference per week).
    """

    per_replication: pd.DataFrame = field(repr=False)
    backlog: tuple[float, float, float]   # estimate, low, high
    growth: tuple[float, float, float]    # items a week over the window's second half
    overloaded: tuple[Load, ...]
    restarted: tuple[RestartLoad, ...]    # teams that preempt: restart overloads
    warmup: float
    horizon: float

    @property
    def growing(self) -> bool:
        """The backlog grows: a team or gate is overloaded, or the measured growth is clear and large."""
        estimate, low, _ = self.growth
        mid = float(self.per_replication["backlog_mid"].mean()) if len(self.per_replication) else 0.0
        clear = not math.isnan(low) and low > 0
        return bool(self.overloaded or self.restarted) or (
            clear and estimate * self.horizon / 2 / HOURS_PER_WEEK >= GROWING_SHARE * max(mid, 1.0))

    @property
    def settled(self) -> bool:
        return not self.growing


def steady_state(results, confidence: float = 0.95) -> SteadyState:
    """The steady-state check of ``results`` (Results): backlog and growth from its ``flow`` frame, overload
    from its scenario's offered load (``scenario.capacity.offered_loads``)."""
    flow = results.flow
    scenario = results.scenario
    weeks = scenario.horizon / 2 / HOURS_PER_WEEK
    per = flow.groupby("replication", sort=True)[["backlog_mid", "backlog_end"]].sum().reset_index()
    per["growth_per_week"] = (per["backlog_end"] - per["backlog_mid"]) / weeks
    backlog = t_interval(per["backlog_end"].to_numpy(dtype=float), confidence)
    growth = t_interval(per["growth_per_week"].to_numpy(dtype=float), confidence)
    # a team whose callers give up (patience) keeps a finite queue: not overloaded in this sense
    overloaded = tuple(load for load in offered_loads(scenario) if load.utilisation >= 1 and not load.abandons)
    restarted = tuple(load for load in restart_loads(scenario) if load.utilisation >= 1)
    return SteadyState(per, tuple(backlog), tuple(growth), overloaded, restarted, scenario.warmup, scenario.horizon)


def steady_text(state: SteadyState) -> str | None:
    """The steady-state finding in words for the terminal and the reports; None when the run settled."""
    if state.settled:
        return None
    backlog, growth = _spelled(state.backlog), _spelled(state.growth)
    measured = (f"At the end of the horizon {backlog} items were in flight (the backlog), growing by {growth} "
                "items a week over the horizon's second half.")
    if not (state.overloaded or state.restarted):
        return ("Not settled: the backlog still grows. " + measured + f" The warm-up ({readable.duration(state.warmup)}) "
                "and horizon were too short for the queues to settle: raise warmup or horizon, and read "
                "time-to-value as a lower bound.")
    causes = [f"{load.kind.capitalize()} {load.name!r} is overloaded (offered load {readable.figure(load.offered)} against "
              f"capacity {readable.figure(load.capacity)}, {readable.share(load.utilisation)}): {growth_words(load)}"
              for load in state.overloaded]
    causes += [f"Team {load.team!r} is overloaded by the work it restarts (preempt: restart: about "
               f"{readable.figure(load.effective)} person-hours an hour against {readable.figure(load.capacity)})"
               for load in state.restarted]
    return ("No steady state: the queue grows. " + "; ".join(causes) + ". " + measured
            + " No warm-up can settle an overloaded team: its backlog grows for as long as work arrives, so "
            "time-to-value depends on the horizon (the longer the run, the longer the waits).")


def _spelled(interval: tuple[float, float, float]) -> str:
    """'420 ±31' (the half-width of the interval; the estimate alone from one replication)."""
    estimate, low, high = interval
    if math.isnan(low):
        return readable.number(estimate)
    return f"{readable.number(estimate)} ±{readable.number((high - low) / 2)}"
