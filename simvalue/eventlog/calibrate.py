"""Calibrate a scenario from an event log, and validate it on held-back cases when asked.

``calibrate(log, ...)`` discovers the stream (``discover``), decides for each step whether the gap
before its event is team work and queueing, work on a calendar, or a wait on others (``fit``),
fits arrivals, writes the scenario as commented YAML (every number says where it came from), and,
with cases held back, simulates it and compares cycle times and events per case (``holdout``).
"""

from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import fit
from .discover import FIRST, RARE_SHARE, TIMER, Discovery, discover
from .holdout import Split, cycle_times, split_cases
from .read import EventLogWarning

#: Evidence thresholds: a gap "grows with the open cases" when Spearman's rho reaches this (p < 0.001);
QUEUE_RHO = 0.2
#: it "stops outside working hours" when this share of its events fall in on-duty hours covering at most
ON_DUTY_EVENTS, ON_DUTY_COVER = 0.90, 0.75   # of the week,
#: and, measured in working hours, it depends on when it began at most this share of what it does on the clock
CLOCK_RATIO, CLOCK_MARGIN = 0.8, 0.03        # (and this much less: fit.clock_dependence).
#: Steps with fewer events than this are not judged (too little evidence): waits on the clock.
MIN_EVIDENCE = 100
#: Arrivals: the window starts where this share of the calibration cases had arrived (selection and old stragglers).
WINDOW_QUANTILE = 0.05


@dataclass
class StepModel:
    """How one discovered step is modelled: kind ('start', 'wait', 'calendar', 'queue') and its evidence."""

    name: str
    label: str
    kind: str
    fit: fit.Fit
    rho: float = 0.0
    clock: tuple[float, float] = (0.0, 0.0)
    on_duty: float = 0.0
    off_hours: float = 0.0
    events: int = 0
    reason: str = "others"
    mean_gap: float = 0.0


@dataclass
class Calibration:
    """The calibrated scenario (mapping and commented YAML), what was found, and the validation figures."""

    scenario: dict[str, Any]
    yaml_text: str
    findings: list[str]
    warnings: list[str]
    steps: list[StepModel]
    discovery: Discovery
    arrivals: dict[str, Any]
    validation: dict[str, Any] | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def calibrate(log: pd.DataFrame, split: Split = Split("none", 0.0), seed: int = 1, replications: int = 3,
              rare_share: float = RARE_SHARE, name: str = "calibrated", what_if: bool = True) -> Calibration:
    """Calibrate from ``log`` (``read_log``'s frame); with a split, validate on the held-back cases (and,
    with ``what_if``, simulate one person more and fewer in the busiest team)."""
    clock = time.perf_counter()
    rng = np.random.default_rng(seed)
    calibration_log, held = split_cases(log, split, rng)
    found = discover(calibration_log, rare_share)
    findings, cautions = _log_findings(log, calibration_log, found, split)
    arrivals = _arrivals(calibration_log, held, split, findings)
    mask = _on_duty(found)
    models = _step_models(found, mask, arrivals["origin"], findings)
    teams = _teams(models, found, arrivals, mask, findings)
    cycle = cycle_times(calibration_log)
    scenario, comments = _scenario(name, found, models, teams, arrivals, cycle, seed, replications)
    text = to_yaml(scenario, comments, _header(name, log, split, found, findings))
    result = Calibration(scenario, text, findings, cautions, models, found, arrivals)
    result.seconds["calibrate"] = time.perf_counter() - clock
    if len(held):
        from .holdout import validate
        result.validation = validate(result, calibration_log, held, seed, replications, what_if)
        result.seconds["validate"] = time.perf_counter() - clock - result.seconds["calibrate"]
    return result


# -- what makes a log misleading --------------------------------------------------------------------
def _log_findings(log: pd.DataFrame, cal: pd.DataFrame, found: Discovery, split: Split) -> tuple[list, list]:
    """Findings (selection, trend, censoring, clock) in words; cautions are also issued as warnings."""
    findings, cautions = [], []
    times = log.groupby("case")["timestamp"]
    first, last = times.min(), times.max()
    span_first = (first.max() - first.min()).total_seconds()
    span_last = (last.max() - last.min()).total_seconds()
    if span_first > 0 and span_last <= 0.2 * span_first:
        text = (f"selection: every case's last event falls between {last.min():%Y-%m-%d} and {last.max():%Y-%m-%d} "
                f"while first events span {first.min():%Y-%m-%d} to {first.max():%Y-%m-%d}: the log looks selected "
                "by closing date; old cases are only the long ones")
        if split.kind == "time":
            text += ("; a time split is then meaningless (the latest-starting cases are the short ones): "
                     "use --split random:0.3")
            cautions.append(text)
        findings.append(text)
    for activity, share in found.dropped.items():
        findings.append(f"rare activity {activity!r} ({share:.2%} of events, under {RARE_SHARE:.1%}) dropped: "
                        "its gap is merged into the next event's")
    for activity, evidence in found.unfolded.items():
        if activity.endswith(" (timer)"):
            findings.append(f"activity {activity.removesuffix(' (timer)')!r} has a timer step of its own: {evidence}")
        else:
            findings.append(f"activity {activity!r} unfolded by its predecessor (second order): {evidence}")
    findings.extend(_clock_findings(log))
    findings.extend(_censoring(found, log))
    for caution in cautions:
        warnings.warn(caution, EventLogWarning, stacklevel=3)
    return findings, cautions


def _clock_findings(log: pd.DataFrame) -> list[str]:
    """Hours holding far more events than their neighbours: batch updates or a clock shift."""
    counts = np.bincount(log["timestamp"].dt.hour.to_numpy(), minlength=24).astype(float)
    out = []
    for hour in range(24):
        around = (counts[hour - 1] + counts[(hour + 1) % 24]) / 2
        if counts[hour] > 3 * max(around, 1) and counts[hour] > 0.01 * counts.sum():
            out.append(f"clock: {int(counts[hour])} events at {hour:02d}:00-{hour:02d}:59 against about "
                       f"{int(around)} in the hours beside it: batch updates or a clock shift; check the log's time zone")
    return out


def _censoring(found: Discovery, log: pd.DataFrame) -> list[str]:
    """Cases ending in an unusual last activity near the end of the log: probably still open (censored)."""
    events = found.events
    ends = events.loc[events["last"], ["activity", "timestamp"]]
    shares = ends["activity"].value_counts(normalize=True)
    usual = set(shares[shares.cumsum() <= 0.95].index) | {shares.index[0]}
    late = ends["timestamp"] >= log["timestamp"].max() - pd.Timedelta(days=7)
    odd = int((late & ~ends["activity"].isin(usual)).sum())
    if odd:
        return [f"censoring: {odd} cases end in the log's last week on an unusual last activity: probably still open"]
    return []


# -- arrivals ----------------------------------------------------------------------------------------
def _arrivals(cal: pd.DataFrame, held: pd.DataFrame, split: Split, findings: list[str]) -> dict[str, Any]:
    """Poisson rate over the window holding the bulk of arrivals, hour-of-week profile, weekly dispersion."""
    first = cal.groupby("case")["timestamp"].min().sort_values()
    begin = first.quantile(WINDOW_QUANTILE)
    origin = begin.normalize() - pd.Timedelta(days=int(begin.day_of_week))
    inside = first[first >= origin]
    hours = (inside.max() - origin).total_seconds() / 3600.0 or 1.0
    rate = len(inside) / hours
    by_hour, by_weekday = fit.arrival_profile(inside)
    weekly = fit.weekly_counts(inside).iloc[:-1] if len(inside) else pd.Series(dtype=float)
    spread = min(fit.dispersion(weekly), 10.0)
    trend = _trend(weekly, findings)
    if len(first) > len(inside):
        findings.append(f"arrivals: {len(first) - len(inside)} calibration cases started before the window "
                        f"({origin:%Y-%m-%d}, where {1 - WINDOW_QUANTILE:.0%} of them had arrived) and are used "
                        "for routing and delays only")
    target = len(held["case"].unique()) if len(held) else len(inside)
    return {"priority": _priority_mix(cal), "origin": origin, "rate": rate, "cases": len(inside), "hours": hours, "by_hour": by_hour,
            "by_weekday": by_weekday, "dispersion": spread, "weekly": weekly, "trend": trend,
            "horizon": max(24.0, math.ceil(target / rate / 24.0) * 24.0), "target": target}


def _priority_mix(cal: pd.DataFrame) -> dict[str, float] | None:
    """Share of the cases with each priority (a case's first non-empty one), as scenario names; None without."""
    if "priority" not in cal.columns:
        return None
    first = cal.dropna(subset=["priority"]).groupby("case")["priority"].first()
    if first.empty:
        return None
    from .discover import probabilities, safe_name
    counts: dict[str, int] = {}
    for value, n in first.value_counts().items():
        key = safe_name(str(value))
        counts[key] = counts.get(key, 0) + int(n)
    return probabilities(counts)


def _trend(weekly: pd.Series, findings: list[str]) -> float:
    from scipy import stats
    if len(weekly) < 4:
        return 0.0
    rho = float(stats.spearmanr(np.arange(len(weekly)), weekly.to_numpy()).statistic)
    if abs(rho) >= 0.5:
        findings.append(f"trend: weekly arrivals {'rise' if rho > 0 else 'fall'} over the window (Spearman "
                        f"{rho:.2f}); a shorter calibration window may fit the present better")
    return rho


# -- each step: queue, calendar or wait ---------------------------------------------------------------
def _on_duty(found: Discovery) -> np.ndarray:
    """On-duty hours of the week from the events after a case's first (arrivals follow the customers' clock)."""
    events = found.events
    later = events.loc[~events["first"], "timestamp"]
    return fit.on_duty_hours(fit.hour_of_week(later if len(later) else events["timestamp"]))


def _step_models(found: Discovery, mask: np.ndarray, origin: pd.Timestamp, findings: list[str]) -> list[StepModel]:
    """Decide each step's gap from the evidence (see the module's docstring) and fit its duration."""
    events = found.events
    first = events.loc[events["first"], "hours"].to_numpy()
    last = events.loc[events["last"], "hours"].to_numpy()
    begin = events["hours"].to_numpy() - events["gap"].to_numpy()
    load = fit.open_cases(begin, first, last)
    stamp = events["timestamp"].dt
    on_duty = mask[stamp.day_of_week.to_numpy() * 24 + stamp.hour.to_numpy()]
    origin_hours = origin.to_datetime64().astype("datetime64[s]").astype(np.int64) / 3600.0
    working = fit.working_hours_between(begin, events["hours"].to_numpy(), mask, origin_hours)
    began = pd.to_datetime(np.rint(begin * 3600.0).astype(np.int64), unit="s")
    weekday, hour = began.day_of_week.to_numpy(), began.hour.to_numpy()
    slots = weekday * 2 + mask[weekday * 24 + hour]
    rows = events.groupby("step").indices
    cover = float(mask.mean())
    evidence = Evidence(events["gap"].to_numpy(), load, on_duty, working, slots, cover)
    models = [_step_model(step, rows[name], evidence) for name, step in found.steps.items()]
    gaps = events["gap"].to_numpy()
    outside = 1.0 - working.sum() / max(gaps.sum(), 1e-9)
    findings.append(f"working time: events fall in {cover:.0%} of the hours of the week (on-duty hours: those with at "
                    f"least a quarter of a busy hour's events); {outside:.0%} of the elapsed time between events lies "
                    "outside them")
    kinds = pd.Series([m.kind for m in models]).value_counts()
    findings.append("steps: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
    return models


@dataclass(frozen=True)
class Evidence:
    """Per event of the calibration log: its gap (hours), the open cases when the gap began, whether the
    event fell on duty, the gap in working hours, the slot of the week it began in; and the on-duty share."""

    gaps: np.ndarray
    load: np.ndarray
    on_duty: np.ndarray
    working: np.ndarray
    slots: np.ndarray
    cover: float


def _step_model(step, index: np.ndarray, e: Evidence) -> StepModel:
    """Queue (grows with the open cases), calendar (stops off duty), timer (a sharp peak) or a wait on others."""
    if step.context == FIRST:
        return StepModel(step.name, step.label, "start", fit.Fit("0h", 0.0, "the case's first event marks its arrival"),
                         events=step.events)
    own, working = e.gaps[index], e.working[index]
    rho, p = fit.load_dependence(own, e.load[index])
    clock = fit.clock_dependence(own, working, e.slots[index]) if len(index) >= MIN_EVIDENCE else (0.0, 0.0)
    share_on = float(e.on_duty[index].mean())
    off = 1.0 - float(working.sum()) / max(float(own.sum()), 1e-9)
    base = dict(rho=rho, clock=clock, on_duty=share_on, off_hours=off, events=step.events, mean_gap=float(own.mean()))
    if step.context == TIMER:
        median = float(np.median(own))
        return StepModel(step.name, step.label, "wait", fit.Fit(fit.duration(median), median, (
            f"a timer: {len(own)} gaps in a sharp peak, p10-p90 {fit.duration(float(np.quantile(own, 0.1)))}-"
            f"{fit.duration(float(np.quantile(own, 0.9)))}; fixed at their median")), reason="timer", **base)
    if rho >= QUEUE_RHO and p < 1e-3:
        quiet = own[e.load[index] <= np.quantile(e.load[index], 0.25)]
        return StepModel(step.name, step.label, "queue", fit.fit_duration(quiet), **base)
    if (e.cover <= ON_DUTY_COVER and share_on >= ON_DUTY_EVENTS and clock[1] <= CLOCK_RATIO * clock[0]
            and clock[0] - clock[1] >= CLOCK_MARGIN):
        return StepModel(step.name, step.label, "calendar", fit.fit_duration(working), **base)
    fitted = fit.fit_duration(own)
    reason = "timer" if "near-fixed" in fitted.note and fitted.mean >= 24 else "others"
    return StepModel(step.name, step.label, "wait", fitted, reason=reason, **base)


def _teams(models: list[StepModel], found: Discovery, arrivals: dict, mask: np.ndarray,
           findings: list[str]) -> dict[str, dict[str, Any]]:
    """Teams for queue and calendar steps, with capacities from Little's law (L = lambda W) and Erlang C."""
    cases = found.events["case"].nunique()
    teams: dict[str, dict[str, Any]] = {}
    calendar = fit.calendar_of(mask) if mask.mean() <= ON_DUTY_COVER else None
    share = float(mask.mean()) if calendar else 1.0
    for kind, team in (("calendar", "office"), ("queue", "desk")):
        chosen = [m for m in models if m.kind == kind]
        if not chosen:
            continue
        work = sum(m.events / cases * m.fit.mean for m in chosen)            # hours of work per case
        visits = sum(m.events / cases for m in chosen)
        load = arrivals["rate"] * work / share                               # people busy while on duty
        if kind == "calendar":
            capacity = max(1, math.ceil(load / 0.6))
            why = (f"Little's law: {arrivals['rate'] * 24:.1f} cases/d x {work:.2f} working hours each = {load:.2f} "
                   "people busy on duty; no sign of queueing, so sized for 60% utilisation")
        else:
            excess = sum(m.events / cases * max(m.mean_gap - m.fit.mean, 0.0) for m in chosen) / visits
            capacity = _erlang_capacity(arrivals["rate"] * visits / share, work / visits, excess)
            why = (f"Erlang C: the smallest team whose M/M/c mean queueing ({fit.duration(excess)} per visit) matches "
                   f"the gaps above the quiet-time effort; {load:.2f} people busy on duty")
        teams[team] = {"capacity": capacity, **({"calendar": calendar} if calendar else {}), "_why": why}
        findings.append(f"team {team}: {capacity} people ({why})")
    return teams


def _erlang_capacity(rate: float, effort: float, excess: float) -> int:
    """Smallest c with utilisation below 0.95 whose M/M/c mean wait (Erlang C) is at most ``excess`` hours."""
    from ..theory import mmc_mean_wait
    c = max(1, math.ceil(rate * effort / 0.95))
    while c < 100_000 and mmc_mean_wait(rate, 1.0 / max(effort, 1e-9), c) > excess:
        c += 1
    return c


# -- the scenario -------------------------------------------------------------------------------------
def _scenario(name: str, found: Discovery, models: list[StepModel], teams: dict, arrivals: dict,
              cycle: np.ndarray, seed: int, replications: int) -> tuple[dict[str, Any], dict[tuple, str]]:
    """The scenario mapping and a comment per path (a tuple of keys and list indices)."""
    notes: dict[tuple, str] = {}
    drain = max(1, math.ceil(1.5 * float(np.max(cycle, initial=168.0)) / 168.0))
    queues = any(m.kind == "queue" for m in models)
    warmup = "2w" if queues else "0h"
    data: dict[str, Any] = {"name": name, "description": "Calibrated from an event log by simvalue calibrate.",
                            "start": f"{arrivals['origin']:%Y-%m-%d}", "warmup": warmup,
                            "horizon": fit.duration(arrivals["horizon"]), "drain": f"{drain}w",
                            "replications": replications, "seed": seed}
    notes[("start",)] = "the Monday on or before the arrival window: calendars and profiles on the log's clock"
    notes[("warmup",)] = ("teams start empty: two weeks to fill their queues" if queues else
                          "no queueing team (waits, and teams sized not to queue): nothing to warm")
    notes[("horizon",)] = (f"{arrivals['target']} cases expected at {arrivals['rate'] * 24:.1f}/d: the scale of the "
                           "cases compared")
    notes[("drain",)] = f"1.5 x the longest cycle time in the log ({fit.duration(float(np.max(cycle, initial=0)))})"
    if teams:
        data["teams"] = {}
        for team, spec in teams.items():
            data["teams"][team] = {k: v for k, v in spec.items() if not k.startswith("_")}
            notes[("teams", team, "capacity")] = spec["_why"]
            if "calendar" in spec:
                notes[("teams", team, "calendar")] = "hours of the week in which the log's events happen"
    data["demand"] = [{"type": "case", "stream": "case", "arrivals": _arrival_spec(arrivals, notes)}]
    if arrivals.get("priority"):
        data["demand"][0]["priority"] = arrivals["priority"]
        notes[("demand", 0, "priority")] = "share of the calibration cases with each priority (the log's priority column)"
    data["streams"] = {"case": {"steps": _steps(found, models, teams, notes)}}
    return data, notes


def _arrival_spec(arrivals: dict, notes: dict) -> dict[str, Any]:
    where = ("demand", 0, "arrivals")
    notes[(*where, "rate")] = (f"{arrivals['cases']} calibration cases arrived (first event) in "
                               f"{arrivals['hours'] / 24:.1f} days")
    notes[(*where, "profile", "by_hour")] = "first events per hour of the day, relative"
    notes[(*where, "profile", "by_weekday")] = "first events per weekday (Monday first), relative"
    spec = {"rate": f"{arrivals['rate'] * 24:.4g}/d",
            "profile": {"by_hour": arrivals["by_hour"], "by_weekday": arrivals["by_weekday"]}}
    if arrivals["dispersion"] > 0:
        spec["dispersion"] = round(arrivals["dispersion"], 3)
        notes[(*where, "dispersion")] = f"sqrt((var - mean) / mean^2) of {len(arrivals['weekly'])} weekly counts"
    return spec


def _steps(found: Discovery, models: list[StepModel], teams: dict, notes: dict) -> list[dict[str, Any]]:
    """The entry step (routing only) then one step per discovered step."""
    where = ("streams", "case", "steps")
    steps = [{"name": "start", "activity": "engage", "label": "",
              "wait": {"delay": "0h", "reason": "start"}, "next": found.entry}]
    notes[(*where, 0, "name")] = "entry, routing only: takes no time and is no event of the log"
    notes[(*where, 0, "next")] = f"first activity of the {int(found.events['first'].sum())} calibration cases"
    team_of = {"calendar": "office", "queue": "desk"}
    for index, model in enumerate(models, start=1):
        step: dict[str, Any] = {"name": model.name, "activity": "deliver_and_support", "label": model.label}
        context = found.steps[model.name].context
        after = ("as a case's first event" if context == FIRST else "in its timer's peak" if context == TIMER else
                 f"after {context!r} (unfolded by context)" if context else "after any other activity")
        notes[(*where, index, "name")] = f"activity {model.label!r} {after}: {model.events} events; {_evidence(model)}"
        if model.kind in team_of:
            step.update(team=team_of[model.kind], effort=model.fit.spelling)
            notes[(*where, index, "effort")] = ("working hours between events: " if model.kind == "calendar"
                                                 else "gaps when few cases are open: ") + model.fit.note
        else:
            step["wait"] = {"delay": model.fit.spelling, "reason": "start" if model.kind == "start" else model.reason}
            notes[(*where, index, "wait", "delay")] = model.fit.note
        step["next"] = found.routing[model.name]
        notes[(*where, index, "next")] = "directly-follows counts: " + ", ".join(
            f"{k} {v}" for k, v in sorted(found.counts[model.name].items(), key=lambda kv: -kv[1])[:6])
        steps.append(step)
    return steps


def _evidence(model: StepModel) -> str:
    if model.kind == "start":
        return "zero time: the first event marks the arrival"
    facts = (f"gap vs open cases rho {model.rho:.2f}, {model.on_duty:.0%} of events in on-duty hours, "
             f"{model.off_hours:.0%} of the gap off duty, dependence on its start {model.clock[0]:.3f} on the clock "
             f"and {model.clock[1]:.3f} in working hours")
    if model.kind == "wait" and model.reason == "timer":
        return f"a timer (auto-close): a near-fixed delay on the clock ({facts})"
    return {"queue": "team work and queueing: the gap grows with the open cases",
            "calendar": "work on a calendar: the gap stops outside working hours",
            "wait": f"a wait on {model.reason}: the gap neither grows with load nor stops off duty"}[model.kind] \
        + f" ({facts})"


def _header(name: str, log: pd.DataFrame, split: Split, found: Discovery, findings: list[str]) -> list[str]:
    lines = [f"{name}: calibrated by simvalue calibrate from {log['case'].nunique()} cases and {len(log)} events",
             f"(split: {split.kind}{f' {split.share:g}' if split.kind != 'none' else ''}; "
             f"{found.events['case'].nunique()} cases calibrate).",
             "A case's time_to_value is its cycle time as the log measures it: first event to last event.",
             "Findings:"]
    return lines + [f"- {f}" for f in findings]


# -- YAML with comments -------------------------------------------------------------------------------
def to_yaml(data: Any, notes: dict[tuple, str], header: list[str]) -> str:
    """Block-style YAML of ``data`` with ``notes`` as end-of-line comments; scalars quoted as JSON."""
    lines = [f"# {line}" for line in header]
    _emit(data, (), 0, lines, notes)
    return "\n".join(lines) + "\n"


def _emit(value: Any, path: tuple, indent: int, lines: list[str], notes: dict, dash: bool = False) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        for i, (key, item) in enumerate(value.items()):
            lead = pad[:-2] + "- " if dash and i == 0 else pad
            note = notes.get((*path, key))
            comment = f"   # {note}" if note else ""
            if isinstance(item, dict) and item and not _flat(item):
                lines.append(f"{lead}{key}:{comment}")
                _emit(item, (*path, key), indent + 1, lines, notes)
            elif isinstance(item, list) and item and isinstance(item[0], dict):
                lines.append(f"{lead}{key}:{comment}")
                for j, element in enumerate(item):
                    _emit(element, (*path, key, j), indent + 2, lines, notes, dash=True)
            else:
                lines.append(f"{lead}{key}: {_scalar(item)}{comment}")


def _flat(mapping: dict) -> bool:
    """A small mapping of scalars, written on one line ({done: 0.3, a_2: 0.7})."""
    return all(not isinstance(v, (dict, list)) for v in mapping.values()) and len(mapping) <= 12


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


__all__ = ["Calibration", "StepModel", "calibrate", "to_yaml"]
