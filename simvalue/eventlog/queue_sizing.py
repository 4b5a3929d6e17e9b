"""Settle the size of a calibrated queueing team by simulation, against the queueing the log shows.

A team whose steps' gaps grow with the open cases is sized first by Erlang C (M/M/c at the mean
on-duty rate). Real arrivals come in bursts (a Monday-morning pile, a batch at 08:00) that M/M/c
does not see, so the simulated queueing can be many times the log's. Here the calibrated scenario
is simulated (one short replication, the calibration's seed) and each such team whose queueing per
visit exceeds SLACK times the log's grows by GROWTH, until none does or ROUNDS are spent. Only the
calibration cases' figures are used: the held-back cases stay unseen.
"""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any

import numpy as np

#: A team is settled when its simulated queueing per visit is at most this many times the log's (plus 0.1 h).
SLACK = 1.05
#: Growth of an unsettled team per round, and the most rounds.
GROWTH, ROUNDS = 1.25, 12
#: A team stops growing when a round's queueing is above this share of the round's before: people do not help.
RESPONSE = 0.9
#: Cases simulated per round (enough for a stable mean queueing; far fewer than the validation's).
CASES = 2000


def _trial_horizon(data: dict[str, Any], rate_per_hour: float) -> str:
    """CASES arrivals' worth of time, at most the scenario's own horizon (sized to the event budget)."""
    from ..units import parse_duration
    hours = min(parse_duration(data["horizon"]), CASES / max(rate_per_hour, 1e-9))
    return f"{max(24.0, hours):.6g}h"


def settle(data: dict[str, Any], targets: dict[str, float], rate_per_hour: float, seed: int
           ) -> dict[str, tuple[int, int, float]]:
    """Grow the teams in ``targets`` (team -> the log's queueing per visit, hours) in ``data`` (the scenario
    mapping, changed in place) until their simulated queueing per visit is near the log's.

    Returns team -> (capacity before, capacity after, simulated queueing per visit at the end, hours).
    """
    from ..scenario import ScenarioWarning, load_scenario
    from ..simulation import simulate
    out = {team: (int(data["teams"][team]["capacity"]), int(data["teams"][team]["capacity"]), math.nan)
           for team in targets}
    if not targets:
        return out
    trial = copy.deepcopy(data)
    trial.update(replications=1, horizon=_trial_horizon(data, rate_per_hour))
    last: dict[str, float] = {}
    stuck: set[str] = set()
    for _ in range(ROUNDS):
        for team in targets:
            trial["teams"][team]["capacity"] = data["teams"][team]["capacity"]
        with warnings.catch_warnings():  # the scenario's warnings are shown once, when it is validated
            warnings.simplefilter("ignore", ScenarioWarning)
            events = simulate(load_scenario(trial), seed=seed).events
        grown = False
        for team, target in targets.items():
            mine = events[events["team"].astype(object) == team]
            queued = float(np.mean(mine["started"] - mine["queued"])) if len(mine) else 0.0
            before = out[team][0]
            if queued > RESPONSE * last.get(team, math.inf):
                stuck.add(team)  # more people barely shorten it: waiting for the next working hour, not for people
            last[team] = queued
            if queued > SLACK * target + 0.1 and team not in stuck:
                data["teams"][team]["capacity"] = math.ceil(data["teams"][team]["capacity"] * GROWTH + 1e-9)
                grown = True
            out[team] = (before, int(data["teams"][team]["capacity"]), queued)
        if not grown:
            break
    return out


def settle_waits(data: dict[str, Any], models: list, rate_per_hour: float, seed: int) -> dict[tuple, tuple[float, float]]:
    """Take the team's simulated queueing out of the wait before each staffed step: the time before the work
    in the log is the team's queueing plus waiting on others; the simulation says how much is queueing
    (from the headcount and efforts), and the wait keeps the rest (its observations scaled by the share
    left). ``data`` is changed in place. Returns (stream, step) -> (simulated queueing, share kept)."""
    from ..scenario import ScenarioWarning, load_scenario
    from ..simulation import simulate
    from .fit import fit_duration
    chosen = [m for m in models if m.kind == "staffed" and m.before is not None and m.before.mean > 0]
    if not chosen:
        return {}
    trial = copy.deepcopy(data)
    trial.update(replications=1, horizon=_trial_horizon(data, rate_per_hour))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        events = simulate(load_scenario(trial), seed=seed).events
    queued = (events["started"] - events["queued"]).groupby(
        [events["stream"].astype(str), events["step"].astype(str)], observed=True).mean()
    out = {}
    for model in chosen:
        waited = float(queued.get((model.stream, model.name), 0.0))
        kept = max(0.0, 1.0 - waited / model.before.mean)
        fitted = fit_duration(model.before_sample * kept)
        for step in data["streams"][model.stream]["steps"]:
            if step["name"] == f"{model.name}_before":
                step["wait"]["delay"] = fitted.spelling
        out[(model.stream, model.name)] = (waited, kept)
    return out


__all__ = ["settle", "settle_waits"]
