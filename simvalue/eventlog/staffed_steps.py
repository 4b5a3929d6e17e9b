"""The steps of a stream when the log says who works or when work starts: each is its team's work,
after a wait in the team's working hours for what came before it (staffing.py says how both are measured)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import fit, staffing
from .discover import FIRST, TIMER, Discovery
from .models import StepModel


def step_models(found: Discovery, masks: dict, origin: pd.Timestamp, stream: str, holidays: np.ndarray
                ) -> tuple[list[StepModel], list[str]]:
    """One model per discovered step, and the findings in words (times in working hours: the team's calendar
    less the log's ``holidays``, their midnights in hours on the events' clock)."""
    events = found.events
    origin_hours = fit.epoch_hours(origin)
    team_of = staffing.team_of_steps(events)
    work, before, ready_on = staffing.work_and_before(events, masks, team_of, origin_hours, holidays)
    step_team = events["step"].map(team_of).to_numpy(dtype=object)
    rows = events.groupby("step").indices
    models = []
    for name, step in found.steps.items():
        index = rows[name]
        team = team_of.get(name)
        gaps = events["gap"].to_numpy()[index]
        model = _model(step, team, work[index], before[index], work[step_team == team] if team else work[:0], gaps,
                       ready_on[index])
        model.stream, model.events, model.mean_gap = stream, step.events, float(gaps.mean())
        models.append(model)
    return models, _findings(models, stream)


def _model(step, team: str | None, work: np.ndarray, before: np.ndarray, pooled: np.ndarray,
           gaps: np.ndarray, ready_on: np.ndarray) -> StepModel:
    """A step's model: the arrival marker, a timer, a wait nobody is named for, or a team's work. The wait
    before the work comes from the cases that were ready while the team was on duty (where there are
    MIN_EFFORTS of them): those ready off duty also waited for the morning's backlog, which the simulation
    makes itself once the team's calendar holds them."""
    worked = work[~np.isnan(work)]
    if step.context == FIRST and (team is None or len(worked) == 0 or float(np.mean(worked)) < fit.ZERO):
        return StepModel(step.name, step.label, "start", fit.Fit("0h", 0.0, "the case's first event marks its arrival"))
    if step.context == TIMER:
        median = float(np.median(gaps))
        return StepModel(step.name, step.label, "wait", fit.Fit(fit.duration(median), median, (
            f"a timer: {len(gaps)} gaps in a sharp peak; fixed at their median")), reason="timer")
    if team is None:
        return StepModel(step.name, step.label, "wait", fit.fit_duration(gaps), reason="others")
    effort, sample = staffing.effort_of(work, pooled)
    unknown = np.isnan(work)
    wait = before.copy()
    wait[unknown] = np.maximum(before[unknown] - float(np.median(sample)), 0.0)  # the gap less a typical effort
    model = StepModel(step.name, step.label, "staffed", effort, team=team)
    if step.context != FIRST:
        on_duty = wait[ready_on]
        sample = on_duty if len(on_duty) >= staffing.MIN_EFFORTS else wait
        model.before, model.before_sample = fit.fit_duration(sample), sample
    return model


def _findings(models: list[StepModel], stream: str) -> list[str]:
    prefix = f"type {stream}: " if stream != "case" else ""
    staffed = [m for m in models if m.kind == "staffed"]
    if not staffed:
        return [f"{prefix}no step has a team: nobody is named for the events"]
    work = sum(m.events * m.fit.mean for m in staffed)
    before = sum(m.events * (m.before.mean if m.before else 0.0) for m in staffed)
    kinds = pd.Series([m.kind for m in models]).value_counts()
    return [f"{prefix}steps: " + ", ".join(f"{n} {k}" for k, n in kinds.items()),
            f"{prefix}of the working hours between events at team steps, {work / max(work + before, 1e-9):.1%} is "
            "work (start to complete, or since the same person's previous completion that day) and the rest "
            "comes before the work: queueing for the team and waiting on others, split by simulation"]


__all__ = ["step_models"]
