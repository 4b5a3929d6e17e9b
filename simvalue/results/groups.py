"""How people with several skills spend their time: per group, the share of each team's work and idle.

``groups`` — per replication, group and what its people did, over the reporting window
[warmup, warmup + horizon]: replication, team (the group's own team), group, people, served (a team
whose items they worked, own team first, then their skills as listed, then ``idle``), hours
(person-hours) and share (hours over the group's person-hours on duty in the window: the shares of a
group add up to 1; on a team with working time, ``people`` is the most on duty at once). Empty for a scenario where no team shares people. The engine records each piece of
their work as a segment (kernel/recorder.py: SEGMENT_FIELDS).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.plan import Plan

IDLE = "idle"
GROUP_COLUMNS = ["replication", "team", "group", "people", "served", "hours", "share"]


def _segments(plan: Plan, steps: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(group, team served, hours inside the reporting window) of each recorded segment."""
    group = steps.get("segment_group", np.empty(0)).astype(np.int64)
    team = steps.get("segment_team", np.empty(0)).astype(np.int64)
    start, end = steps.get("segment_start", np.empty(0)), steps.get("segment_end", np.empty(0))
    hours = np.maximum(np.minimum(end, plan.arrivals_end) - np.maximum(start, plan.warmup), 0.0)
    return group, team, hours


def people_busy(plan: Plan, steps: dict[str, np.ndarray]) -> dict[int, float]:
    """Busy hours in the window of each team whose people are in groups, whatever queue they served:
    a team's utilisation is its own people's time (a helper's work is not its hosts' busy time)."""
    group, _, hours = _segments(plan, steps)
    per_group = np.bincount(group, weights=hours, minlength=len(plan.groups)) if group.size else np.zeros(
        len(plan.groups))
    busy: dict[int, float] = {}
    for index, spec in enumerate(plan.groups):
        busy[spec.team] = busy.get(spec.team, 0.0) + float(per_group[index])
    return busy


def group_hours(plan: Plan, index: int, start: float, end: float) -> float:
    """Person-hours group ``index`` is on duty in [start, end]: its count, or, on a team with a schedule, its
    people on duty at each headcount of the team (holidays included) over the time at that headcount."""
    spec = plan.groups[index]
    schedule = plan.schedules[spec.team]
    if not spec.by_headcount or schedule is None:
        return spec.count * max(end - start, 0.0)
    total, since, people = 0.0, start, spec.people_at(schedule.headcount_at(start))
    for at, headcount in schedule.changes(start, end):
        total += people * (at - since)
        since, people = at, spec.people_at(headcount)
    return total + people * max(end - since, 0.0)


def group_rows(plan: Plan, replication: int, steps: dict[str, np.ndarray]) -> list[dict]:
    """``groups`` rows of one replication (or of a chunk of it: hours add up over chunks)."""
    if not plan.groups:
        return []
    group, team, hours = _segments(plan, steps)
    width = len(plan.teams)
    table = (np.bincount(group * width + team, weights=hours, minlength=len(plan.groups) * width) if group.size
             else np.zeros(len(plan.groups) * width)).reshape(len(plan.groups), width)
    rows = []
    for index, spec in enumerate(plan.groups):
        scheduled = group_hours(plan, index, plan.warmup, plan.arrivals_end)
        served = [(plan.teams[t], float(table[index, t])) for t in (spec.team, *spec.skills)]
        served.append((IDLE, scheduled - sum(h for _, h in served)))
        rows += [{"replication": replication, "team": plan.teams[spec.team], "group": spec.name,
                  "people": spec.count, "served": name, "hours": value,
                  "share": value / scheduled if scheduled else np.nan} for name, value in served]
    return rows


def groups_table(plan: Plan, rows: list[dict]) -> pd.DataFrame:
    """The ``groups`` frame from its rows (columns GROUP_COLUMNS)."""
    frame = pd.DataFrame(rows, columns=GROUP_COLUMNS)
    return frame.astype({"people": "int64", "hours": "float64", "share": "float64"})


def added_groups(total: pd.DataFrame | None, part: pd.DataFrame) -> pd.DataFrame:
    """Two chunks of one replication's ``groups`` summed (streamed runs): hours add, shares follow, idle is
    what is left of the group's person-hours."""
    if total is None or total.empty:
        return part
    total = total.copy()
    busy = total["served"] != IDLE
    total.loc[busy, "hours"] = total.loc[busy, "hours"].to_numpy() + part.loc[busy, "hours"].to_numpy()
    return total


def finished_groups(plan: Plan, frame: pd.DataFrame) -> pd.DataFrame:
    """Idle hours and shares of a replication's ``groups`` once every chunk is added (streamed runs)."""
    if frame is None or frame.empty:
        return groups_table(plan, [])
    frame = frame.copy()
    hours = {(plan.teams[spec.team], spec.name): group_hours(plan, index, plan.warmup, plan.arrivals_end)
             for index, spec in enumerate(plan.groups)}
    scheduled = pd.Series([hours[key] for key in zip(frame["team"], frame["group"])], index=frame.index)
    key = [frame["group"], frame["team"]]
    busy = frame["hours"].where(frame["served"] != IDLE, 0.0).groupby(key).transform("sum")
    frame.loc[frame["served"] == IDLE, "hours"] = (scheduled - busy)[frame["served"] == IDLE]
    frame["share"] = frame["hours"] / scheduled
    return frame
