"""Hold cases back, and measure how far a simulated cycle-time distribution is from the held-back one.

The replay floor is the same distance between the calibration cases' own cycle times and the
held-back ones: what a perfect model of the calibration cases would score from sampling alone.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimvalueError
from ..readable import duration, share
from .write import ARRIVAL

_SPLIT = re.compile(r"^(random|time):(\d*\.?\d+)$")


class SplitError(SimvalueError):
    """A --split specification that cannot be read."""


@dataclass(frozen=True)
class Split:
    """How cases are held back: ``kind`` 'random', 'time' or 'none', and the share held back."""

    kind: str
    share: float


def parse_split(text: str) -> Split:
    """'random:0.3', 'time:0.3' or 'none'."""
    text = text.strip()
    if text == "none":
        return Split("none", 0.0)
    match = _SPLIT.match(text)
    if not match or not 0 < float(match.group(2)) < 1:
        raise SplitError(f"--split {text!r}: expected random:SHARE, time:SHARE (SHARE between 0 and 1, e.g. "
                         "random:0.3) or none")
    return Split(match.group(1), float(match.group(2)))


def split_cases(log: pd.DataFrame, split: Split, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(calibration, held back): whole cases; 'time' holds back the latest-starting share."""
    if split.kind == "none":
        return log, log.iloc[:0]
    first = log.groupby("case", sort=True)["timestamp"].min()
    count = int(round(split.share * len(first)))
    if split.kind == "time":
        held = first.sort_values(kind="stable").index[len(first) - count:]
    else:
        held = first.index[rng.permutation(len(first))[:count]]
    mask = log["case"].isin(set(held))
    return log[~mask].reset_index(drop=True), log[mask].reset_index(drop=True)


def cycle_times(log: pd.DataFrame) -> np.ndarray:
    """Hours from each case's first event to its last."""
    times = log.groupby("case", sort=False)["timestamp"]
    return ((times.max() - times.min()).dt.total_seconds() / 3600.0).to_numpy()


def events_per_case(log: pd.DataFrame) -> pd.Series:
    """Mean events of each activity per case."""
    return log["activity"].value_counts() / log["case"].nunique()


def wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    """First Wasserstein distance between two samples (hours)."""
    from scipy import stats
    return float(stats.wasserstein_distance(a, b))


def distribution_figures(real: np.ndarray, other: np.ndarray) -> dict[str, float]:
    """Mean, p50, p85, p95 of ``other``; KS and Wasserstein against ``real`` (hours and share of real's mean)."""
    from scipy import stats
    distance = wasserstein(real, other)
    return {"mean": float(np.mean(other)), "p50": float(np.quantile(other, 0.5)),
            "p85": float(np.quantile(other, 0.85)), "p95": float(np.quantile(other, 0.95)),
            "ks": float(stats.ks_2samp(real, other).statistic), "wasserstein_h": distance,
            "wasserstein_share": share_of(distance, float(np.mean(real)))}


def share_of(distance: float, mean: float) -> float:
    """``distance`` as a share of ``mean``; with cases that take no time, 0 when equal and infinite otherwise."""
    return distance / mean if mean > 0 else (0.0 if distance == 0 else float("inf"))


def activity_table(real: pd.Series, simulated: pd.Series, floor: pd.Series, shares: pd.Series) -> pd.DataFrame:
    """Per activity: events per case held back, simulated, calibration; relative errors; share of events."""
    table = pd.DataFrame({"share": shares, "held_back": real, "simulated": simulated, "calibration": floor})
    table = table.fillna(0.0)
    table["error"] = (table["simulated"] - table["held_back"]) / table["held_back"].where(table["held_back"] > 0)
    table["floor"] = (table["calibration"] - table["held_back"]) / table["held_back"].where(table["held_back"] > 0)
    return table.sort_values("share", ascending=False)


def meets_targets(figures: dict[str, float], floor: dict[str, float], activities: pd.DataFrame,
                  distance: float = 0.10, per_activity: float = 0.15, slack: float = 1.3,
                  min_share: float = 0.01) -> dict[str, bool]:
    """The issue's targets, floor-adjusted: a target is the larger of its bound and ``slack`` x the floor."""
    cycle_bound = distance if floor["wasserstein_share"] <= distance else slack * floor["wasserstein_share"]
    ok = {"cycle_time": figures["wasserstein_share"] <= cycle_bound}
    for activity, row in activities[activities["share"] >= min_share].iterrows():
        bound = per_activity if abs(row["floor"]) <= per_activity else slack * abs(row["floor"])
        ok[f"activity {activity}"] = bool(abs(row["error"]) <= bound)
    return ok


def validate(calibration, calibration_log: pd.DataFrame, held: pd.DataFrame, seed: int,
             replications: int, with_what_if: bool = True) -> dict:
    """Simulate the calibrated scenario (read back from its YAML text) and measure it against ``held``.

    Returns the figures of the simulated and the calibration (floor) cycle times against the held-back
    ones, events per case per activity, per-replication distances, the split of the simulated cycle
    time and a one-person change in the busiest team.
    """
    import yaml
    from ..scenario import load_scenario
    from ..results.simulation import simulate
    scenario = load_scenario(yaml.safe_load(calibration.yaml_text))
    results = simulate(scenario, replications=replications, seed=seed)
    items = results.items[results.items["outcome"] == "done"]
    real, simulated, own = cycle_times(held), items["time_to_value"].to_numpy(), cycle_times(calibration_log)
    figures, floor = distribution_figures(real, simulated), distribution_figures(real, own)
    shares = held["activity"].value_counts(normalize=True)
    simulated_counts = simulated_events_per_case(results)
    if ARRIVAL not in shares.index:   # the export's arrival event: compared only where the log has one
        simulated_counts = simulated_counts.drop(ARRIVAL, errors="ignore")
    activities = activity_table(events_per_case(held), simulated_counts, events_per_case(calibration_log), shares)
    per_replication = [share_of(wasserstein(real, group["time_to_value"].to_numpy()), float(np.mean(real)))
                       for _, group in items.groupby("replication")]
    return {"real": real, "simulated": simulated, "calibration": own, "figures": figures, "floor": floor,
            "by_type": by_type(calibration, calibration_log, held, items),
            "real_figures": distribution_figures(real, real), "activities": activities,
            "targets": meets_targets(figures, floor, activities), "per_replication": per_replication,
            "split": time_split(items), "teams": team_table(scenario, results),
            "what_if": what_if(scenario, results, replications, seed) if with_what_if else {
                "team": None, "note": "not simulated (what_if=False)"},
            # Every item that arrived, finished or not: the arrivals of a late week are not only those done.
            "arrived": pd.Timestamp(scenario.start) + pd.to_timedelta(results.items["arrived"].to_numpy(), unit="h"),
            "held_arrived": held.groupby("case")["timestamp"].min()}


def team_table(scenario, results) -> list[dict]:
    """Each team of the calibrated scenario for the report: headcount, the people the log names in it, the
    working hours per week of its calendar (168 without one) and its simulated utilisation."""
    from ..calendars.schedule import WEEK, WeeklyPattern
    utilisation = results.teams.groupby("team", observed=True)["utilisation"].mean() if not results.teams.empty \
        else pd.Series(dtype=float)
    out = []
    for name, team in scenario.teams.items():
        hours = WEEK
        if team.calendar is not None or team.shifts:
            pattern = (WeeklyPattern.from_calendar(team.calendar, 1) if team.calendar is not None
                       else WeeklyPattern.from_shifts([shift.model_dump() for shift in team.shifts]))
            ends = list(pattern.breaks[1:]) + [WEEK]
            hours = sum(end - begin for begin, end, n in zip(pattern.breaks, ends, pattern.headcounts) if n)
        people = team.capacity if team.capacity is not None else max(s.capacity for s in team.shifts or [])
        out.append({"name": name, "people": people, "named": len(team.members or []),
                    "hours_per_week": float(hours), "utilisation": float(utilisation.get(name, np.nan))})
    return out


def by_type(calibration, calibration_log: pd.DataFrame, held: pd.DataFrame, items: pd.DataFrame) -> dict:
    """Per demand type (with more than one): held-back cases, and the simulated and floor figures against them."""
    if len(calibration.streams) < 2:
        return {}
    held_types = held.groupby("case", sort=False)["type"].first().fillna("unknown").astype(str)
    cal_types = calibration_log.groupby("case", sort=False)["type"].first().fillna("unknown").astype(str)
    out = {}
    for stream in calibration.streams:
        real_log = held[held["case"].isin(set(held_types.index[held_types == stream.type]))]
        own_log = calibration_log[calibration_log["case"].isin(set(cal_types.index[cal_types == stream.type]))]
        simulated = items.loc[items["type"] == stream.name, "time_to_value"].to_numpy()
        if real_log.empty or len(simulated) == 0:
            continue
        real = cycle_times(real_log)
        out[stream.name] = {"type": stream.type, "cases": len(real), "real_figures": distribution_figures(real, real),
                            "figures": distribution_figures(real, simulated),
                            "floor": distribution_figures(real, cycle_times(own_log))}
    return out


def simulated_events_per_case(results) -> pd.Series:
    """Mean events per reported item of each log label, as the exported log holds them: one arrival each, and
    an event per step with a label (steps with an empty label, e.g. the entry, are no events)."""
    labels = {(stream, step.name): step.label for stream, spec in results.scenario.streams.items()
              for step in spec.steps}
    events = results.events
    label = pd.Series([labels.get(key) for key in zip(events["stream"].astype(str), events["step"].astype(str))],
                      dtype=object)
    label = label[label.notna() & (label != "")]
    counts = label.value_counts() / max(len(results.items), 1)
    counts[ARRIVAL] = counts.get(ARRIVAL, 0.0) + 1.0  # the export writes each item's arrival as an event
    return counts


def time_split(items: pd.DataFrame) -> dict[str, float]:
    """Mean hours per case of work, queueing, off-hours standstill and waiting on others."""
    others, off = items["others_time"], items["off_hours_time"]
    return {"work": float(items["work_time"].mean()), "queueing": float((items["wait_time"] - others - off).mean()),
            "off_hours": float(off.mean()), "waiting on others": float(others.mean())}


#: What the what-if says of one person fewer where the team would then be overloaded.
OVERLOADED = ("with one person fewer the team cannot keep up with this work (offered load at or above its "
              "people): its queue grows over the whole horizon")


def what_if(scenario, results, replications: int, seed: int) -> dict:
    """The busiest team (highest utilisation) with one person fewer and one more, same seed (common random
    numbers): mean cycle time, and its mean queueing per visit with the paired 95% interval of the change.
    ``moves`` says whether both changes move the queueing the right way, outside their intervals."""
    from ..scenario import ScenarioWarning, load_variant
    from ..scenario.capacity import offered_loads
    from ..results.simulation import simulate
    if results.teams.empty:
        return {"team": None, "moves": False, "note": "no team: every gap is a wait on others or a timer, so "
                                                      "staffing cannot move the cycle time"}
    utilisation = results.teams.groupby("team", observed=True)["utilisation"].mean()
    busiest = str(utilisation.idxmax())
    team = scenario.teams[busiest]
    capacity = team.capacity if team.capacity is not None else max(s.capacity for s in team.shifts)
    base_queue = team_queueing(results, busiest, replications)
    out = {"team": busiest, "capacity": capacity, "utilisation": float(utilisation.max()),
           "base": float(results.items["time_to_value"].mean()), "changes": {}, "queueing": {},
           "base_queueing": float(base_queue.mean())}
    moves = capacity > 1
    for change in (-1, 1):
        if capacity + change < 1:
            continue
        try:
            with warnings.catch_warnings():  # the scenario's warnings were shown when it was validated
                warnings.simplefilter("ignore", ScenarioWarning)
                variant = load_variant(scenario, {"name": f"{busiest}_{capacity + change}",
                                                  "set": _one_person(busiest, team, change)})
                changed = simulate(variant, replications=replications, seed=seed)
        except SimvalueError as exc:
            out["changes"][change], moves = str(exc), False
            continue
        out["changes"][change] = float(changed.items["time_to_value"].mean())
        if any(load.name == busiest and load.utilisation >= 1 for load in offered_loads(variant)):
            out["overloaded"] = change   # it cannot keep up: its queue grows over the horizon
        diff = team_queueing(changed, busiest, replications) - base_queue
        half = paired_halfwidth(diff)
        out["queueing"][change] = (float(diff.mean() + base_queue.mean()), float(diff.mean()), half)
        moves &= bool(-change * diff.mean() > half)
    out["moves"] = moves
    if not moves:
        out["note"] = (f"one person more or fewer in {busiest} (busy {share(utilisation.max())} of its working hours "
                       f"with this log's work) does not move its queueing outside the paired 95% interval "
                       f"(queueing {duration(float(base_queue.mean()))} per visit): the time between events is waiting "
                       "on others and off-hours, which staffing does not move")
    return out


def _one_person(name: str, team, change: int) -> dict[str, Any]:
    """The edit that gives a team one person more or fewer: its capacity, or, for a team with shifts, each of
    its fullest shifts (a desk's day shift, not its night cover)."""
    if team.capacity is not None:
        return {f"teams.{name}.capacity": team.capacity + change}
    fullest = max(s.capacity for s in team.shifts)
    shifts = [{**s.model_dump(exclude_none=True), "capacity": s.capacity + change if s.capacity == fullest
               else s.capacity} for s in team.shifts]
    return {f"teams.{name}.shifts": shifts}


def team_queueing(results, team: str, replications: int) -> np.ndarray:
    """Mean hours queued per visit to ``team``, one value per replication."""
    events = results.events
    mine = events[events["team"].astype(object) == team]
    waited = (mine["started"] - mine["queued"]).groupby(mine["replication"]).mean()
    return waited.reindex(range(replications), fill_value=0.0).to_numpy(float)


def paired_halfwidth(diff: np.ndarray, level: float = 0.95) -> float:
    """Half-width of the t interval of a mean of paired differences (infinite with one pair)."""
    from scipy import stats
    if len(diff) < 2:
        return math.inf
    return float(stats.t.ppf(0.5 + level / 2, len(diff) - 1) * np.std(diff, ddof=1) / math.sqrt(len(diff)))


__all__ = ["Split", "SplitError", "activity_table", "by_type", "cycle_times", "distribution_figures", "events_per_case",
           "meets_targets", "paired_halfwidth", "parse_split", "team_queueing", "simulated_events_per_case",
           "split_cases", "team_table", "time_split", "validate", "wasserstein", "what_if"]
