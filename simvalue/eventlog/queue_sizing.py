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


def _trial(data: dict[str, Any], rate_per_hour: float) -> dict[str, Any]:
    """A copy of ``data`` to try a change on: CASES arrivals, in one run at most the scenario's own horizon (sized
    to the event budget) long, and as many runs of it as that takes (a short window holds few cases)."""
    from ..units import parse_duration
    hours = max(24.0, min(parse_duration(data["horizon"]), CASES / max(rate_per_hour, 1e-9)))
    trial = copy.deepcopy(data)
    trial.update(replications=max(1, math.ceil(CASES / max(rate_per_hour * hours, 1.0))), horizon=f"{hours:.6g}h")
    return trial


def settle(data: dict[str, Any], targets: dict[str, float], rate_per_hour: float, seed: int
           ) -> dict[str, tuple[int, int, float]]:
    """Grow the teams in ``targets`` (team -> the log's queueing per visit, hours) in ``data`` (the scenario
    mapping, changed in place) until their simulated queueing per visit is near the log's.

    Returns team -> (capacity before, capacity after, simulated queueing per visit at the end, hours).
    """
    from ..scenario import ScenarioWarning, load_scenario
    from ..results.simulation import simulate
    out = {team: (int(data["teams"][team]["capacity"]), int(data["teams"][team]["capacity"]), math.nan)
           for team in targets}
    if not targets:
        return out
    trial = _trial(data, rate_per_hour)
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
    in the log is the team's queueing plus waiting on others. The wait keeps the share of its observations
    (at most all of them) that brings the step's simulated mean elapsed time (wait, queueing, work, and the
    nights any of them spans) to the log's mean gap: found by WAIT_ROUNDS short simulations, the share
    moved by the secant through the last two (the elapsed time is not proportional to the share: a wait in
    working hours that ends at 17:55 leaves its item to queue overnight, one that ends at 09:00 does not).
    ``data`` is changed in place. Returns (stream, step) -> (simulated queueing per visit, share kept)."""
    chosen = [m for m in models if m.kind == "staffed" and m.before is not None and m.before.mean > 0]
    if not chosen:
        return {}
    kept = {(m.stream, m.name): 1.0 for m in chosen}
    tried: dict[tuple, list[tuple[float, float]]] = {key: [] for key in kept}
    queued: dict[tuple, float] = {}
    for _ in range(WAIT_ROUNDS):
        _write_waits(data, chosen, kept)
        elapsed, queueing = _elapsed_by_step(data, rate_per_hour, seed)
        for model in chosen:
            key = (model.stream, model.name)
            total = elapsed.get((model.stream, f"{model.name}_before"), 0.0) + elapsed.get(key, 0.0)
            tried[key].append((kept[key], total))
            queued[key] = queueing.get(key, 0.0)
            kept[key] = _next_share(tried[key], model.mean_gap)
    _write_waits(data, chosen, kept)
    return {key: (queued[key], share) for key, share in kept.items()}


#: Short simulations to settle the waits before team work.
WAIT_ROUNDS = 3


def _next_share(tried: list[tuple[float, float]], target: float) -> float:
    """The next share to try: the secant through the last two (share, elapsed) tried, or, after one, the share
    that would reach ``target`` were the elapsed time proportional to it; within [0, 1]."""
    share, total = tried[-1]
    if len(tried) >= 2 and abs(total - tried[-2][1]) > 1e-9:
        before, was = tried[-2]
        guess = share + (target - total) * (share - before) / (total - was)
    else:
        guess = share * target / total if total > 0 else share
    return min(1.0, max(0.0, guess))


def _write_waits(data: dict[str, Any], chosen: list, kept: dict[tuple, float]) -> None:
    from .fit import fit_duration
    for model in chosen:
        fitted = fit_duration(model.before_sample * kept[(model.stream, model.name)])
        for step in data["streams"][model.stream]["steps"]:
            if step["name"] == f"{model.name}_before":
                step["wait"]["delay"] = fitted.spelling


def _elapsed_by_step(data: dict[str, Any], rate_per_hour: float, seed: int) -> tuple[dict, dict]:
    """One short simulation of ``data``: (stream, step) -> mean hours from queued to finished, and to started."""
    from ..scenario import ScenarioWarning, load_scenario
    from ..results.simulation import simulate
    trial = _trial(data, rate_per_hour)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        events = simulate(load_scenario(trial), seed=seed).events
    key = [events["stream"].astype(str).to_numpy(), events["step"].astype(str).to_numpy()]
    elapsed = (events["finished"] - events["queued"]).groupby(key).mean()
    queueing = (events["started"] - events["queued"]).groupby(key).mean()
    return ({k: float(v) for k, v in elapsed.items()}, {k: float(v) for k, v in queueing.items()})


__all__ = ["settle", "settle_waits"]
