"""Calibrate a scenario from an event log, and validate it on held-back cases when asked.

``calibrate(log, ...)`` discovers the stream (``discover``), decides for each step whether the gap
before its event is team work and queueing, work on a calendar, or a wait on others (``fit``),
fits arrivals, writes the scenario as commented YAML (every number says where it came from), and,
with cases held back, simulates it and compares cycle times and events per case (``holdout``).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..readable import share
from ..rng import fixed
from . import fit, staffing
from .discover import FIRST, RARE_SHARE, TIMER, Discovery, discover
from .names import scenario_name
from .staffed_steps import step_models as staffed_models
from .fit import ON_DUTY_COVER
from .holdout import Split, cycle_times, split_cases
from .models import StepModel, StreamModel
from .read import EventLogWarning
from .scenario_text import MIN_SIMULATED, fit_budget, header_lines, scenario_mapping, to_yaml
from .team_sizing import settle_queues, settle_waits, size_teams

#: Evidence thresholds: a gap "grows with the open cases" when Spearman's rho reaches this (p < 0.001);
QUEUE_RHO = 0.2
#: it "stops outside working hours" when this share of its events fall in on-duty hours covering at most
ON_DUTY_EVENTS = 0.90   # (fit.ON_DUTY_COVER) of the week,
#: and, measured in working hours, it depends on when it began at most this share of what it does on the clock
CLOCK_RATIO, CLOCK_MARGIN = 0.8, 0.03        # (and this much less: fit.clock_dependence).
#: Steps with fewer events than this are not judged (too little evidence): waits on the clock.
MIN_EVIDENCE = 100
#: The quiet quarter of a completions-only step needs this many gaps to fit an effort from.
MIN_QUIET = 20
#: With starts: a step is team work and queueing when at least this share of its events waited for their start.
QUEUED_SHARE = 0.10
#: Arrivals: the window starts where this share of the calibration cases had arrived (selection and old stragglers).
WINDOW_QUANTILE = 0.05


@dataclass
class Calibration:
    """The calibrated scenario (mapping and commented YAML), what was found, and the validation figures.

    ``steps`` holds every stream's steps; ``discovery`` is the first stream's and ``arrivals`` the whole log's.
    """

    scenario: dict[str, Any]
    yaml_text: str
    findings: list[str]
    warnings: list[str]
    steps: list[StepModel]
    discovery: Discovery
    arrivals: dict[str, Any]
    validation: dict[str, Any] | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    streams: list[StreamModel] = field(default_factory=list)


def calibrate(log: pd.DataFrame, split: Split = Split("none", 0.0), seed: int = 1, replications: int = 3,
              rare_share: float = RARE_SHARE, name: str = "calibrated", what_if: bool = True) -> Calibration:
    """Calibrate from ``log`` (``read_log``'s frame), one stream per demand type; with a split, validate on the
    held-back cases (and, with ``what_if``, simulate one person more and fewer in the busiest team)."""
    clock = time.perf_counter()
    rng = fixed(seed)
    log, pooled = pool_types(log)
    calibration_log, held = split_cases(log, split, rng)
    people = staffing.staffed(calibration_log)
    if people:
        calibration_log = calibration_log.assign(team=staffing.groups(calibration_log))
    elif "group" in calibration_log.columns:
        # completions only, and a group column but no people: each group is a team of its own (a step several
        # groups do is unfolded by group, as for people: an automated share beside a team's own work)
        calibration_log = calibration_log.assign(resource=calibration_log["group"],
                                                 team=staffing.groups(calibration_log))
    findings, cautions = _log_findings(log, split)
    if pooled:
        findings.append(f"types: {pooled:,} types with under {MIN_TYPE_CASES} cases, or beyond the {MAX_TYPES} "
                        f"most frequent, pooled as {OTHER_TYPES!r} (one stream each needs cases to fit)")
    thinned = calibration_log["case"].nunique() / log["case"].nunique() if split.kind == "random" else 1.0
    days_off = _holidays(calibration_log, findings)
    arrivals = _arrivals(calibration_log, held, findings, thinned=thinned, holidays=days_off)
    holidays = np.array([fit.epoch_hours(pd.Timestamp(day)) for day in days_off], dtype=float)
    parts = by_type(calibration_log)
    found = {stream: discover(part, rare_share) for stream, (_, part) in parts.items()}
    for stream, (_, part) in parts.items():
        prefix = f"type {stream}: " if len(parts) > 1 else ""
        findings.extend(prefix + f for f in _stream_findings(found[stream], part))
    events = _all_events(found, calibration_log)
    masks = _masks(events)
    streams = []
    for stream, (value, part) in parts.items():
        own = arrivals if len(parts) == 1 else _arrivals(part, held[held["case"].isin(_cases_of(held, value))],
                                                         [], window=(arrivals["origin"], arrivals["hours"]), thinned=thinned,
                                                         holidays=days_off)
        if people:
            models, words = staffed_models(found[stream], masks, arrivals["origin"], stream, holidays)
            findings.extend(words)
        else:
            models = _step_models(found[stream], masks, _team_of_activity(events), arrivals["origin"], findings, stream,
                                  holidays)
        closing = fit.closing_limit(_cycle_of(found[stream]))
        if closing[0] is not None:
            findings.append((f"type {stream}: " if len(parts) > 1 else "") + (
                f"closing rule: no case lasts longer than {fit.duration(closing[0])} and the cycle times do not "
                f"taper off before it ({closing[1]}): stale cases are closed, written as the stream's close_after"))
        streams.append(StreamModel(stream, value, found[stream], models, own, closing))
    teams = size_teams(streams, masks, events, arrivals, findings)
    scenario, comments = scenario_mapping(name, streams, teams, arrivals, cycle_times(calibration_log), seed, replications)
    fit_budget(scenario, comments)
    settle_queues(scenario, comments, teams, arrivals, seed, findings)
    fit_budget(scenario, comments)
    settle_waits(scenario, comments, streams, arrivals, seed, findings)
    text = to_yaml(scenario, comments, header_lines(name, log, split, found, findings))
    result = Calibration(scenario, text, findings, cautions, [m for s in streams for m in s.steps],
                         streams[0].discovery, arrivals, streams=streams)
    result.seconds["calibrate"] = time.perf_counter() - clock
    if len(held):
        from .holdout import validate
        result.validation = validate(result, calibration_log, held, seed, scenario["replications"], what_if)
        result.seconds["validate"] = time.perf_counter() - clock - result.seconds["calibrate"]
    return result


def _cycle_of(found: Discovery) -> np.ndarray:
    """Cycle times (hours) of a stream's cases: first to last kept event."""
    hours = found.events.groupby("case", sort=False)["hours"]
    return (hours.max() - hours.min()).to_numpy()


#: A demand type gets its own stream with at least MIN_TYPE_CASES cases, and at most MAX_TYPES streams are made
#: (the most frequent types); the rest are pooled as OTHER_TYPES. 5,000 types took minutes and fit nothing.
MIN_TYPE_CASES, MAX_TYPES, OTHER_TYPES = 30, 20, "other types"


def pool_types(log: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``log`` with its rare types (see MIN_TYPE_CASES) as OTHER_TYPES, and how many types were pooled."""
    if "type" not in log.columns or log["type"].isna().all():
        return log, 0
    counts = _case_types(log).value_counts()
    rare = counts.index[(counts < MIN_TYPE_CASES) | (np.arange(len(counts)) >= MAX_TYPES)]
    if len(rare) <= 1:
        return log, 0
    return log.assign(type=log["type"].where(~log["type"].astype(str).isin(set(rare)), OTHER_TYPES)), len(rare)


def by_type(log: pd.DataFrame) -> dict[str, tuple[str | None, pd.DataFrame]]:
    """Stream identifier -> (the log's type value, its cases' events); one stream ``case`` without a type column.
    A case's type is its first non-empty one; most frequent types first."""
    if "type" not in log.columns or log["type"].isna().all():
        return {"case": (None, log)}
    of_case = _case_types(log)
    out: dict[str, tuple[str | None, pd.DataFrame]] = {}
    for value in of_case.value_counts().index:
        stream = scenario_name(str(value), "type")
        while stream in out:
            stream += "_"
        out[stream] = (str(value), log[log["case"].isin(set(of_case.index[of_case == value]))])
    return out


def _case_types(log: pd.DataFrame) -> pd.Series:
    return log.groupby("case", sort=False)["type"].first().fillna("unknown").astype(str)


def _cases_of(log: pd.DataFrame, value: str | None) -> set:
    """The cases of ``log`` of one type value (every case when ``value`` is None)."""
    if value is None or "type" not in log.columns:
        return set(log["case"])
    of_case = _case_types(log)
    return set(of_case.index[of_case == value])


def _all_events(found: dict[str, Discovery], log: pd.DataFrame) -> pd.DataFrame:
    """Every stream's kept events, with the team (resource group) of each when the log has resources."""
    events = pd.concat([f.events for f in found.values()], ignore_index=True)
    if "team" in events.columns:  # the people's teams (staffing.groups), already on each event
        return events
    if "resource" in events.columns and events["resource"].notna().any():
        known = log.dropna(subset=["resource"])
        events["team"] = events["resource"].map(fit.resource_groups(known["resource"], known["activity"]))
    else:
        events["team"] = None
    return events


def _team_of_activity(events: pd.DataFrame) -> dict[str, str]:
    """Activity -> the team doing most of its events (none without resources)."""
    rows = events.dropna(subset=["team"])
    if rows.empty:
        return {}
    counts = rows.groupby(["activity", "team"]).size().sort_values(ascending=False, kind="stable")
    return {str(a): str(t) for (a, t) in counts.reset_index().drop_duplicates("activity")[["activity", "team"]]
            .itertuples(index=False)}


def _masks(events: pd.DataFrame) -> dict[str | None, np.ndarray]:
    """On-duty hours of the week: the whole log's (key None: hours with a quarter of a busy hour's events) and
    each team's (hours with its starts or completions in a quarter as many weeks as its most regular hour),
    from the events after a case's first (arrivals follow the customers' clock, not the desk's)."""
    later = events[~events["first"]]
    masks = {None: fit.on_duty_hours(fit.hour_of_week(later["timestamp"] if len(later) else events["timestamp"]))}
    for team, rows in later.dropna(subset=["team"]).groupby("team"):
        times = rows["timestamp"]
        if "start" in rows.columns:
            begun = rows["start"].dropna()
            times = pd.concat([times, pd.Series(pd.to_datetime(np.rint(begun * 3600).astype(np.int64), unit="s"))])
        mask = fit.on_duty_weeks(times)
        kept = mask.mean() <= ON_DUTY_COVER and fit.calendar_predicts(times)[0]
        masks[str(team)] = mask if kept else np.ones(168, dtype=bool)
    return masks


# -- what makes a log misleading --------------------------------------------------------------------
def _log_findings(log: pd.DataFrame, split: Split) -> tuple[list, list]:
    """Findings about the whole log (selection, clock) in words; cautions are also issued as warnings."""
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
    findings.extend(_clock_findings(log))
    for caution in cautions:
        warnings.warn(caution, EventLogWarning, stacklevel=3)
    return findings, cautions


def _stream_findings(found: Discovery, log: pd.DataFrame) -> list[str]:
    """What discovery dropped or unfolded, and censoring, for one stream."""
    findings = []
    for activity, part in found.dropped.items():
        findings.append(f"rare activity {activity!r} ({share(part, 2)} of events, under {share(RARE_SHARE, 1)}) dropped: "
                        "its gap is merged into the next event's")
    for activity, evidence in found.unfolded.items():
        if activity.endswith(" (timer)"):
            findings.append(f"activity {activity.removesuffix(' (timer)')!r} has a timer step of its own: {evidence}")
        elif activity.endswith(" (successor)"):
            findings.append(f"step {activity.removesuffix(' (successor)')} unfolded by its successor: {evidence}")
        else:
            findings.append(f"activity {activity!r} unfolded by its predecessor (second order): {evidence}")
    return findings + _censoring(found, log)


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
def _holidays(log: pd.DataFrame, findings: list[str]) -> list:
    """The log's holidays: days on which nobody worked (fit.holidays_of on every event but a case's first:
    arrivals follow the customers, not the desk), said in a finding."""
    times = log["timestamp"]
    later = times[times > times.groupby(log["case"]).transform("min")]
    days = fit.holidays_of(later)
    if days:
        findings.append(f"holidays: nobody worked on {len(days)} days on which the same weekday around them is busy "
                        f"({', '.join(f'{d:%Y-%m-%d}' for d in days[:6])}{' ...' if len(days) > 6 else ''}): the "
                        "scenario's holidays, for every team")
    return days


def _arrivals(cal: pd.DataFrame, held: pd.DataFrame, findings: list[str],
              window: tuple[pd.Timestamp, float] | None = None, thinned: float = 1.0,
              holidays: list | None = None) -> dict[str, Any]:
    """Poisson rate over the window holding the bulk of arrivals (or the given one: origin and hours), divided
    by the share of the cases kept for calibration by a random split (the teams served them all),
    hour-of-week profile, weekly dispersion. A case arrives at its first event (its first start, where
    the log has starts). When no case arrives on the log's holidays either, arrivals skip them and the rate
    is that of the other days."""
    first = arrival_times(cal).sort_values()
    if window is None:
        begin = first.quantile(WINDOW_QUANTILE)
        origin = begin.normalize() - pd.Timedelta(days=int(begin.day_of_week))
    else:
        origin = window[0]
    inside = first[first >= origin]
    hours = window[1] if window else (inside.max() - origin).total_seconds() / 3600.0 or 1.0
    skip = bool(holidays) and fit.quiet_on(inside, holidays)
    if skip:
        end = origin + pd.Timedelta(hours=hours)
        hours = max(hours - 24.0 * sum(origin <= pd.Timestamp(day) < end for day in holidays), 1.0)
    rate = len(inside) / hours / thinned
    by_hour, by_weekday = fit.arrival_profile(inside)
    weekly = fit.weekly_counts(inside).iloc[:-1] if len(inside) else pd.Series(dtype=float)
    spread = min(fit.dispersion(weekly), 10.0)
    trend = _trend(weekly, findings)
    if window is None and len(first) > len(inside):
        findings.append(f"arrivals: {len(first) - len(inside)} calibration cases started before the window "
                        f"({origin:%Y-%m-%d}, where {share(1 - WINDOW_QUANTILE)} of them had arrived) and are used "
                        "for routing and delays only")
    target = len(held["case"].unique()) if len(held) else len(inside)
    # The log's own window, with its holidays and trend (a longer one would thin the holidays out and run the
    # trend on); replications make up the cases simulated (scenario_text: MIN_SIMULATED).
    horizon = max(24.0, math.ceil(hours / 24.0) * 24.0)
    simulated = max(1, int(rate * horizon))
    return {"priority": _priority_mix(cal), "origin": origin, "rate": rate, "cases": len(inside), "thinned": thinned,
            "holidays": list(holidays or []), "skip_holidays": skip,
            "hours": hours, "by_hour": by_hour, "week_profile": fit.hour_of_week_profile(inside),
            "by_weekday": by_weekday, "dispersion": spread, "weekly": weekly, "trend": trend,
            "horizon": horizon, "target": target, "simulated": simulated}


def arrival_times(log: pd.DataFrame) -> pd.Series:
    """Each case's arrival: its first completion, or its first start where the log has one."""
    times = log["timestamp"]
    if "start" in log.columns:
        times = log["start"].where(log["start"].notna() & (log["start"] <= times), times)
    return times.groupby(log["case"]).min()


def _priority_mix(cal: pd.DataFrame) -> dict[str, float] | None:
    """Share of the cases with each priority (a case's first non-empty one), as scenario names; None without."""
    if "priority" not in cal.columns:
        return None
    first = cal.dropna(subset=["priority"]).groupby("case")["priority"].first()
    if first.empty:
        return None
    from .discover import probabilities
    counts: dict[str, int] = {}
    for value, n in first.value_counts().items():
        key = scenario_name(str(value), "p")
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
def _step_models(found: Discovery, masks: dict[str | None, np.ndarray], team_of: dict[str, str],
                 origin: pd.Timestamp, findings: list[str], stream: str, holidays: np.ndarray) -> list[StepModel]:
    """Decide each step's gap from the evidence (see the module's docstring), on the calendar of the team
    that does its activity (the whole log's without resources), and fit its duration."""
    events = found.events
    first = events.loc[events["first"], "hours"].to_numpy()
    last = events.loc[events["last"], "hours"].to_numpy()
    begin = events["hours"].to_numpy() - events["gap"].to_numpy()
    load = fit.open_cases(begin, first, last)
    origin_hours = fit.epoch_hours(origin)
    rows = events.groupby("step").indices
    step_team = staffing.team_of_steps(events) if "team" in events.columns else {}
    team_rows = _rows_of_teams(found, rows, step_team, team_of)
    evidence: dict[str | None, Evidence] = {}
    models = []
    for name, step in found.steps.items():
        team = step_team.get(name, team_of.get(step.label))
        if team not in evidence:
            own = _team_load(begin, events["hours"].to_numpy(), team_rows[team]) if team is not None else load
            evidence[team] = _measure(events, begin, own, masks.get(team, masks[None]), origin_hours, holidays,
                                      team is not None)
        model = _step_model(step, rows[name], evidence[team])
        model.team, model.stream = (team if model.kind in ("calendar", "queue") else None), stream
        models.append(model)
    prefix = f"type {stream}: " if stream != "case" else ""
    whole = evidence.get(None) or _measure(events, begin, load, masks[None], origin_hours, holidays)
    outside = 1.0 - whole.working.sum() / max(whole.gaps.sum(), 1e-9)
    findings.append(f"{prefix}working time: events fall in {share(whole.cover)} of the hours of the week (on-duty hours: "
                    f"those with at least a quarter of a busy hour's events); {share(outside)} of the elapsed time "
                    "between events lies outside them")
    blind = [m for m in models if m.fit.note.startswith("completions only")]
    if blind:
        queued = [m.name for m in blind if m.kind == "queue"]
        pooled = [m.name for m in blind if m.kind != "queue"]
        findings.append(f"{prefix}no starts: steps of a resource group whose completions fall on its duty hours (at "
                        f"least {share(ON_DUTY_EVENTS)}) are its work" + (
                            f"; {', '.join(queued)}: effort from the gaps that began with the fewest of the team's "
                            "own items open, queueing from the team's size (settled by simulation)" if queued else "") + (
                            f"; {', '.join(pooled)}: too few such gaps, so the working hours between events are the "
                            "effort, queueing included" if pooled else ""))
    kinds = pd.Series([m.kind for m in models]).value_counts()
    findings.append(f"{prefix}steps: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
    return models


def _rows_of_teams(found: Discovery, rows: dict, step_team: dict[str, str], team_of: dict[str, str]
                   ) -> dict[str, np.ndarray]:
    """Per team, the rows of the events of the steps it does (a step's own team, else its activity's)."""
    out: dict[str, list[np.ndarray]] = {}
    for name, step in found.steps.items():
        team = step_team.get(name, team_of.get(step.label))
        if team is not None and name in rows:
            out.setdefault(team, []).append(rows[name])
    return {team: np.concatenate(parts) for team, parts in out.items()}


def _team_load(begin: np.ndarray, end: np.ndarray, mine: np.ndarray) -> np.ndarray:
    """Per event, the team's own open items when its gap began: the other gaps before this team's events that
    span that instant (cases waiting for it or in its hands). The whole log's open cases say little of one
    team's queue: a quiet team among busy ones looks loaded. Events of other teams get -1 (unused)."""
    out = np.full(len(begin), -1.0)
    starts, ends = np.sort(begin[mine]), np.sort(end[mine])
    at = begin[mine]
    out[mine] = (np.searchsorted(starts, at, side="left") - np.searchsorted(ends, at, side="right")).astype(float)
    return out


def _measure(events: pd.DataFrame, begin: np.ndarray, load: np.ndarray, mask: np.ndarray,
             origin_hours: float, holidays: np.ndarray, team: bool = False) -> Evidence:
    """The per-event evidence measured on one calendar (``mask``, less the log's holidays)."""
    stamp = events["timestamp"].dt
    on_duty = mask[stamp.day_of_week.to_numpy() * 24 + stamp.hour.to_numpy()]
    end = events["hours"].to_numpy()
    working = fit.working_hours_between(begin, end, mask, origin_hours, holidays)
    began = pd.to_datetime(np.rint(begin * 3600.0).astype(np.int64), unit="s")
    weekday, hour = began.day_of_week.to_numpy(), began.hour.to_numpy()
    slots = weekday * 2 + mask[weekday * 24 + hour]
    cover = float(mask.mean())
    work, queued, start_on = np.full(len(events), np.nan), np.full(len(events), np.nan), on_duty.copy()
    if "start" in events.columns:  # start -> complete: in working hours on a calendar, else on the clock
        started = events["start"].to_numpy(float)
        has = ~np.isnan(started) & ~events["first"].to_numpy()
        if cover <= ON_DUTY_COVER:
            work[has] = fit.working_hours_between(started[has], end[has], mask, origin_hours, holidays)
        else:
            work[has] = end[has] - started[has]
        queued[has] = started[has] - begin[has]
        slot = np.mod(np.floor(started[has] - origin_hours).astype(np.int64), 168)
        start_on[has] = mask[slot]
    return Evidence(events["gap"].to_numpy(), load, on_duty, working, slots, cover, work, queued, start_on, team)


@dataclass(frozen=True)
class Evidence:
    """Per event of the calibration log: its gap (hours), the open cases when the gap began, whether the
    event fell on duty, the gap in working hours, the slot of the week it began in; the on-duty share; the
    start-to-complete duration (working hours on a calendar), the queueing before the start and whether the
    start fell on duty (NaN or the completion's without a start); whether a resource group does the step."""

    gaps: np.ndarray
    load: np.ndarray
    on_duty: np.ndarray
    working: np.ndarray
    slots: np.ndarray
    cover: float
    work: np.ndarray
    queued: np.ndarray
    start_on: np.ndarray
    team: bool


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
    work = e.work[index]
    work = work[~np.isnan(work)] if np.mean(~np.isnan(work)) >= 0.5 else None  # effort from starts when most have one
    if work is not None and e.team:
        timed = _timed_step(step, index, e, work, base)
        if timed is not None:
            return timed
    if rho >= QUEUE_RHO and p < 1e-3:
        # The effort is counted in the team's working hours (its calendar): so are the quiet gaps it comes from.
        if work is not None:
            return StepModel(step.name, step.label, "queue", _effort(work), **base)
        quiet = _quietest(working, e.load[index]) if e.team else working[e.load[index] <= np.quantile(e.load[index], 0.25)]
        fitted = fit.fit_duration(quiet)
        if e.team:  # a resource group's queue: its size is settled by simulation (team_sizing)
            fitted = fit.Fit(fitted.spelling, fitted.mean, f"completions only: working hours of the {len(quiet)} "
                             f"gaps that began with the fewest of the team's own items open: {fitted.note}")
        return StepModel(step.name, step.label, "queue", fitted, **base)
    if work is None and e.team and e.cover <= ON_DUTY_COVER and share_on >= ON_DUTY_EVENTS:
        # Completions only: a resource group's completions falling on its duty hours are its work and its
        # queue. The gaps that began on duty while the fewest cases were open hold (almost) no queueing: they
        # are the effort; the rest (the morning's backlog, a busy week) comes from the team's size, settled by
        # simulation against the log's mean gap (_settle_queues).
        began_on = e.slots[index] % 2 == 1
        pool, loads = working[began_on], e.load[index][began_on]
        if len(pool) >= 4 * MIN_QUIET:
            quiet = _quietest(pool, loads)
            fitted = fit.fit_duration(quiet)
            return StepModel(step.name, step.label, "queue", fit.Fit(fitted.spelling, fitted.mean, (
                f"completions only: working hours of the {len(quiet)} gaps that began on duty with the fewest of "
                f"the team's own items open: {fitted.note}")), **base)
        fitted = fit.fit_duration(working)
        return StepModel(step.name, step.label, "calendar", fit.Fit(fitted.spelling, fitted.mean,
                         "completions only, queueing included: " + fitted.note), **base)
    if (e.cover <= ON_DUTY_COVER and share_on >= ON_DUTY_EVENTS and clock[1] <= CLOCK_RATIO * clock[0]
            and clock[0] - clock[1] >= CLOCK_MARGIN):
        return StepModel(step.name, step.label, "calendar", _effort(work) if work is not None else
                         fit.fit_duration(working), **base)
    fitted = fit.fit_duration(own)
    reason = "timer" if "near-fixed" in fitted.note and fitted.mean >= 24 else "others"
    return StepModel(step.name, step.label, "wait", fitted, reason=reason, **base)


def _quietest(working: np.ndarray, load: np.ndarray) -> np.ndarray:
    """The gaps (in working hours) that began with the fewest of the team's own items open: the lowest loads
    that hold a tenth of the gaps and at least MIN_QUIET (a quarter of them at most). With nobody ahead of
    it a gap is the work alone; a quarter of the gaps reaches into the busy hours of a small team."""
    order = np.sort(load)
    need = min(max(MIN_QUIET, int(np.ceil(0.1 * len(load)))), max(len(load) // 4, 1))
    return working[load <= order[min(need, len(order)) - 1]]


def _timed_step(step, index: np.ndarray, e: Evidence, work: np.ndarray, base: dict) -> StepModel | None:
    """With starts and a resource group the work is seen directly: work on the team's calendar when its
    starts and completions fall on duty; team work and queueing when cases wait for a start; else None."""
    starts_on = float(np.mean(e.start_on[index]))
    if e.cover <= ON_DUTY_COVER and base["on_duty"] >= ON_DUTY_EVENTS and starts_on >= ON_DUTY_EVENTS:
        return StepModel(step.name, step.label, "calendar", _effort(work), **base)
    queued = e.queued[index]
    if np.mean(queued[~np.isnan(queued)] > fit.ZERO) >= QUEUED_SHARE:
        return StepModel(step.name, step.label, "queue", _effort(work), **base)
    return None


def _effort(work: np.ndarray) -> fit.Fit:
    """Effort fitted to start-to-complete durations (the queueing before the start is the simulation's)."""
    fitted = fit.fit_duration(work)
    return fit.Fit(fitted.spelling, fitted.mean, "start to complete: " + fitted.note)


__all__ = ["Calibration", "by_type", "calibrate"]
