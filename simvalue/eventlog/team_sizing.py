"""Teams of a calibrated scenario: who does the work, how many people, on which calendar.

Without resources, the calendar steps share ``office`` (Little's law at 60% utilisation: no queueing
evidence) and the queueing steps share ``desk`` (Erlang C on the queueing the log shows); with a
resource column, each resource group is a team sized from its concurrency, or, without starts, from
the smallest team that keeps up. Queueing teams are then settled by simulation (queue_sizing.py).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..readable import share
from . import fit, shifts, staffing
from .fit import ON_DUTY_COVER
from .models import StepModel, StreamModel


def size_teams(streams: list[StreamModel], masks: dict, events: pd.DataFrame, arrivals: dict,
               findings: list[str]) -> dict[str, dict[str, Any]]:
    """Teams of the queue and calendar steps: a resource group's (capacity from concurrency) or, without
    resources, ``office`` (Little's law) and ``desk`` (Erlang C)."""
    teams: dict[str, dict[str, Any]] = {}
    for kind, team in (("calendar", "office"), ("queue", "desk")):
        chosen = [(m, s) for s in streams for m in s.steps if m.kind == kind and m.team is None]
        if chosen:
            teams[team] = _legacy_team(kind, chosen, masks[None])
    named = sorted({m.team for s in streams for m in s.steps if m.team is not None})
    people = events["people_team"] if "people_team" in events.columns else events["team"]
    for team in named:
        chosen = [(m, s) for s in streams for m in s.steps if m.team == team]
        if all(m.kind == "staffed" for m, _ in chosen):
            teams[team] = _staffed_team(chosen, masks.get(team, masks[None]), events[people == team])
            continue
        teams[team] = _resource_team(team, chosen, masks.get(team, masks[None]), events[events["team"] == team], arrivals["origin"])
    for team, spec in teams.items():
        findings.append(f"team {team}: {spec.get('capacity', spec.get('_headcount'))} people ({spec['_why']})")
    return teams


def _work_per_hour(chosen: list[tuple[StepModel, StreamModel]]) -> tuple[float, float, float, float]:
    """Hours of work arriving per hour, cases arriving per hour, and hours of work and visits per case."""
    hourly = sum(s.arrivals["rate"] * m.events / _cases(s) * m.fit.mean for m, s in chosen)
    rate = sum(s.arrivals["rate"] for s in {id(s): s for _, s in chosen}.values())
    visits = sum(s.arrivals["rate"] * m.events / _cases(s) for m, s in chosen) / max(rate, 1e-9)
    return hourly, rate, hourly / max(rate, 1e-9), visits


def _cases(stream: StreamModel) -> int:
    return max(int(stream.discovery.events["case"].nunique()), 1)


def _legacy_team(kind: str, chosen: list, mask: np.ndarray) -> dict[str, Any]:
    """Without resources: ``office`` sized by Little's law at 60% utilisation, ``desk`` by Erlang C."""
    calendar = fit.calendar_of(mask) if mask.mean() <= ON_DUTY_COVER else None
    share = float(mask.mean()) if calendar else 1.0
    hourly, rate, work, visits = _work_per_hour(chosen)
    load = hourly / share                                                   # people busy while on duty
    extra: dict[str, float] = {}
    if kind == "calendar":
        capacity = max(1, math.ceil(load / 0.6))
        why = (f"Little's law: {rate * 24:.1f} cases/d x {work:.2f} working hours each = {load:.2f} "
               "people busy on duty; no sign of queueing, so sized for 60% utilisation")
    else:
        excess = sum(m.events / _cases(s) * max(m.mean_gap - m.fit.mean, 0.0) for m, s in chosen) / max(visits, 1e-9)
        capacity = _erlang_capacity(rate * visits / share, work / max(visits, 1e-9), excess)
        extra["_excess"] = excess
        why = (f"Erlang C: the smallest team whose M/M/c mean queueing ({fit.duration(excess)} per visit) matches "
               f"the gaps above the quiet-time effort; {load:.2f} people busy on duty")
    return {"capacity": capacity, **({"calendar": calendar} if calendar else {}), "_why": why,
            "_calendar_why": "hours of the week in which the log's events happen", **extra}


def _resource_team(team: str, chosen: list, mask: np.ndarray, rows: pd.DataFrame, origin: pd.Timestamp
                   ) -> dict[str, Any]:
    """A resource group's team: its calendar from its own events, its capacity from concurrency (never below
    what the work needs: 95% utilisation when efforts come from starts, 60% when they include queueing)."""
    calendar = fit.calendar_of(mask) if mask.mean() <= ON_DUTY_COVER else None
    share = float(mask.mean()) if calendar else 1.0
    hourly = _work_per_hour(chosen)[0]
    load = hourly / share
    from_starts = all(m.fit.note.startswith("start to complete") for m, _ in chosen)
    timed = rows.dropna(subset=["start"]) if "start" in rows.columns else rows.iloc[:0]
    if len(timed) >= 0.5 * max(len(rows), 1) and len(timed):
        observed = fit.concurrency(timed["start"].to_numpy(float), timed["hours"].to_numpy(float))
        how = f"at most {observed} of its busy intervals (start to complete) at once"
    else:
        hours0 = fit.epoch_hours(origin)
        observed = fit.active_per_hour(rows["hours"].to_numpy(), rows["resource"].to_numpy(), mask, hours0)
        how = f"{observed} of its resources active in a typical working hour"
    queues = [(m, s) for m, s in chosen if m.kind == "queue" and m.fit.note.startswith("completions only")]
    extra: dict[str, float] = {}
    if queues:
        # Its queueing is seen only in the gaps: start from the smallest stable team; the simulation grows it
        # until its queueing matches the log's (_settle_queues).
        visits = sum(m.events / _cases(s) for m, s in queues)
        extra["_excess"] = sum(m.events / _cases(s) * max(m.mean_gap - m.fit.mean, 0.0) for m, s in queues
                               ) / max(visits, 1e-9)
        capacity = max(1, math.ceil(load / 0.95))
        why = (f"the smallest team that keeps up ({load:.2f} people busy on duty by Little's law; {how}), grown by "
               f"simulation while its queueing exceeds the log's ({fit.duration(extra['_excess'])} per visit)")
        return {"capacity": capacity, **({"calendar": calendar} if calendar else {}), "_why": why,
                "_calendar_why": "hours of the week in which this team's events happen",
                "_resources": _resources(rows), **extra}
    floor = math.ceil(load / (0.95 if from_starts else 0.6))
    capacity = max(1, observed, floor)
    why = f"concurrency: {how}; {load:.2f} people busy on duty by Little's law"
    if capacity > observed:
        why += f", so raised to {capacity} ({'95' if from_starts else '60'}% utilisation)"
    return {"capacity": capacity, **({"calendar": calendar} if calendar else {}), "_why": why,
            "_calendar_why": "hours of the week in which this team's events happen", "_resources": _resources(rows)}


#: A team of people is never sized above this utilisation on duty: it would not keep up with the log's work.
KEEP_UP = 0.9


def _staffed_team(chosen: list, mask: np.ndarray, rows: pd.DataFrame) -> dict[str, Any]:
    """A team of the log's people: headcount from the people active in a typical week (or, without names,
    from how many were busy at once), its calendar from when they complete or start work."""
    calendar = fit.calendar_of(mask) if mask.mean() < 1 else None
    on_duty = float(mask.mean())
    load = _work_per_hour(chosen)[0] / on_duty
    people, weekly = staffing.weekly_people(rows)
    extra: dict[str, Any] = {}
    if people and _round_the_clock(rows):
        return _system_team(rows, load)
    if people:
        capacity = max(1, round(weekly))
        why = (f"{weekly:g} of its {people} people active in a typical week (median of the weeks it works); "
               f"{load:.2f} busy on duty by Little's law")
        extra["members"] = sorted(map(str, rows["resource"].dropna().unique()))
    else:
        capacity = staffing.concurrency_on_duty(rows)
        why = (f"{capacity} busy at once (99th percentile of overlapping start-to-complete times; the log names no "
               f"people); {load:.2f} busy on duty by Little's law")
    if people:
        groups = shifts.rotas(rows)
        duty = shifts.headcounts(groups)
        if len(groups) > 1 and float(duty.sum()) >= _work_per_hour(chosen)[0] * 168 / KEEP_UP:
            why = (f"{len(groups)} rotas of people who keep the same hours: {shifts.described(groups)}; "
                   f"{weekly:g} of its {people} people active in a typical week; {load:.2f} busy on duty by "
                   "Little's law")
            return {"shifts": shifts.shifts_of(duty), **extra, "_why": why, "_people": people, "_weekly": weekly,
                    "_load": load, "_headcount": int(duty.max())}
    if load > KEEP_UP * capacity:
        capacity = math.ceil(load / KEEP_UP)
        why += f", so raised to {capacity} to keep up ({share(KEEP_UP)} utilisation)"
    return {"capacity": capacity, **({"calendar": calendar} if calendar else {}), **extra, "_why": why,
            "_calendar_why": "first to last hour of the week in which its people complete or start work",
            "_people": people, "_weekly": weekly, "_load": load}


def _round_the_clock(rows: pd.DataFrame) -> bool:
    """Whether every resource of a team works round the clock (staffing.round_the_clock): no person."""
    named = rows.dropna(subset=["resource"])
    found = staffing.round_the_clock(named["resource"], staffing.event_hours(named["hours"].to_numpy(float)))
    return bool(found) and set(map(str, named["resource"].unique())) <= found


def _system_team(rows: pd.DataFrame, load: float) -> dict[str, Any]:
    """A team of resources that work round the clock (a system, a shared account, others' time): no calendar,
    and as many items in hand at once as the log shows open with it (from the case's previous event to its
    completion), so nobody queues for it and its time with an item is the gap the log shows. It has no
    ``members``: they name people, and its headcount is no staffing."""
    ready = rows["hours"].to_numpy(float) - rows["gap"].to_numpy(float)
    capacity = max(1, fit.concurrency(ready, rows["hours"].to_numpy(float)))
    members = sorted(map(str, rows["resource"].dropna().unique()))
    why = (f"round the clock ({', '.join(members[:3])}{' ...' if len(members) > 3 else ''}: events in every hour of "
           f"the day, so a system or others' time, not people): at most {capacity} of its items open at once, so "
           f"nothing queues for it; {load:.2f} busy by Little's law")
    return {"capacity": capacity, "_why": why, "_resources": _resources(rows), "_people": 0, "_weekly": 0.0,
            "_load": load, "_system": True}


def _resources(rows: pd.DataFrame) -> str:
    members = sorted(map(str, rows["resource"].dropna().unique()))
    shown = ", ".join(repr(r) for r in members[:8]) + (f" and {len(members) - 8} more" if len(members) > 8 else "")
    return f"resources {shown} in the log"


def _erlang_capacity(rate: float, effort: float, excess: float) -> int:
    """Smallest c with utilisation below 0.95 whose M/M/c mean wait (Erlang C) is at most ``excess`` hours."""
    from ..theory import mmc_mean_wait
    c = max(1, math.ceil(rate * effort / 0.95))
    while c < 100_000 and mmc_mean_wait(rate, 1.0 / max(effort, 1e-9), c) > excess:
        c += 1
    return c


def settle_waits(scenario: dict, notes: dict, streams: list[StreamModel], arrivals: dict, seed: int,
                 findings: list[str]) -> None:
    """Split the time before each team's work into its simulated queueing and the wait left (queue_sizing.py)."""
    from .queue_sizing import settle_waits as settle
    models = [m for s in streams for m in s.steps]
    settled = settle(scenario, models, arrivals["rate"], seed)
    for stream in scenario["streams"]:
        for index, step in enumerate(scenario["streams"][stream]["steps"]):
            key = (stream, step["name"].removesuffix("_before"))
            if step["name"].endswith("_before") and key in settled:
                waited, kept = settled[key]
                notes[("streams", stream, "steps", index, "wait", "delay")] += (
                    f"; the simulated queueing for the team ({fit.duration(waited)} per visit) taken out: "
                    f"{share(kept)} of it kept as waiting on others")
    if settled:
        total = sum(w for w, _ in settled.values())
        findings.append(f"time before team work: the simulation queues {fit.duration(total / len(settled))} per "
                        f"visit on average over {len(settled)} steps; the rest of the log's time before the work "
                        "is waiting on others")


def settle_queues(scenario: dict, notes: dict, teams: dict, arrivals: dict, seed: int, findings: list[str]) -> None:
    """Grow queueing teams whose simulated queueing exceeds the log's (queue_sizing.py); say so."""
    from .queue_sizing import SLACK, settle
    targets = {team: spec["_excess"] for team, spec in teams.items() if "_excess" in spec}
    for team, (before, after, queued) in settle(scenario, targets, arrivals["rate"], seed).items():
        if after != before:
            words = (f"raised from {before} to {after} by simulation, until the simulated queueing per visit "
                     f"({fit.duration(queued)}) is at most {SLACK:g} x the log's ({fit.duration(targets[team])})")
            notes[("teams", team, "capacity")] += "; " + words
            findings.append(f"team {team}: {words}")


__all__ = ["settle_queues", "settle_waits", "size_teams"]
