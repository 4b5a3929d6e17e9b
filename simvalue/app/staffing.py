"""The app's "How many people?" panel: SLA goals in, ``fewest_people`` run in a thread, the answer's table out.

The same search as ``simvalue staff`` (decisions.staffing); the page polls the job for progress. Goals the
baseline allows are one per demand type with an SLA, and one per priority its SLA lists.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from dash import dcc, html

from ..decisions.staffing import StaffingAnswer, fewest_people
from ..decisions.staffing_plan import Goal, GoalError, check_goal, parse_goal
from ..errors import SimvalueError
from ..reports.staffing_text import STAFFING_HEADERS, staffing_rows
from ..scenario import Scenario
from ..scenario.model import SlaClock
from .capture import captured

#: Replications per candidate the panel starts with (the confirming run uses twice as many).
DEFAULT_REPLICATIONS = 3


def goal_labels(scenario: Scenario) -> list[str]:
    """Every goal the baseline allows: ``incident`` and ``incident.P1``... for each type with an SLA."""
    labels = []
    for item_type, value in scenario.sla.items():
        labels.append(item_type)
        target = value.target if isinstance(value, SlaClock) else value
        if isinstance(target, dict):
            labels += [f"{item_type}.{priority}" for priority in target]
    return labels


def goals_from(scenario: Scenario, shares: dict[str, Any]) -> list[Goal]:
    """The goals of the panel's fields (label -> share in %, empty for no goal); StaffingError names the field."""
    goals = []
    for label, value in shares.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        text = f"{label}={str(value).strip().rstrip('%')}%"
        try:
            goal = parse_goal(text)
            check_goal(scenario, goal, text)
        except GoalError as exc:
            raise SimvalueError(f"goal {label}: {exc.detail}") from None
        goals.append(goal)
    if not goals:
        raise SimvalueError("give at least one goal: a share in % beside a type, e.g. 95")
    return goals


def panel(scenario: Scenario) -> html.Div:
    """The panel for a baseline: a share field per possible goal, the teams to search, replications, Run."""
    labels = goal_labels(scenario)
    if not labels:
        return html.Div([html.H2("How many people?"),
                         html.P("This baseline has no SLA (sla:), so there is no goal to staff for.",
                                className="muted")])
    goal_rows = [html.Tr([html.Td(label),
                          html.Td(dcc.Input(id={"type": "staff-goal", "goal": label}, name=f"staff-goal.{label}",
                                            type="number", min=1, max=100, step="any", className="short")),
                          html.Td("%", className="muted")]) for label in labels]
    return html.Div(id="staff-box", children=[
        html.H2("How many people?"),
        html.P(["The fewest people per team and shift that meet the SLA goals you give, found as the command "
                "simvalue staff finds them: from the offered-load lower bound, one person at a time "
                "where the worst goal gains most, then anyone not needed taken away, then a confirming run with "
                "twice the replications. Beside each goal you want, give the share of its items that must meet "
                "the SLA, in % (e.g. 95); leave the others empty."],
               className="hint"),
        html.Table(html.Tbody(goal_rows), className="staff-goals"),
        html.Div(className="row", children=[
            html.Label([html.Span("teams that may change", className="label"),
                        dcc.Checklist(id="staff-teams", options=list(scenario.teams), value=list(scenario.teams),
                                      inline=True)], className="field"),
        ]),
        html.Div(className="row", children=[
            html.Label([html.Span("replications per candidate", className="label"),
                        dcc.Input(id="staff-replications", name="staff-replications", type="number", min=1, step=1,
                                  value=DEFAULT_REPLICATIONS, className="short")], className="field"),
            html.Button("Find the fewest people", id="staff-run", className="primary"),
        ]),
        html.Div(id="staff-progress"),
        html.Div(id="staff-result"),
    ])


def answer_view(answer: StaffingAnswer) -> html.Div:
    """The answer as the terminal shows it: the table, each goal's statement, the search's size."""
    head = html.Tr([html.Th(h) for h in STAFFING_HEADERS])
    body = [html.Tr([html.Td(cell, **{"data-label": h}) for h, cell in zip(STAFFING_HEADERS, row)])
            for row in staffing_rows(answer)]
    return html.Div(className="staff-answer", children=[
        html.H3(f"{sum(answer.headcounts)} people on the posts searched"),
        html.Div(html.Table([html.Thead(head), html.Tbody(body)], className="table"), className="wide"),
        html.Ul([html.Li(g.statement, className=f"verdict-{g.verdict}") for g in answer.goals]),
        html.P(f"{answer.evaluations} candidates tried with {answer.replications} replications each (the same seeds "
               f"for every candidate), confirmed with {answer.confirm_replications} on other seeds; "
               f"{answer.seconds:.1f} s.", className="muted"),
        *[html.P(note, className="warning") for note in answer.notes]])


@dataclass
class StaffJob:
    """One search in its own thread: candidates tried so far, then the answer or why there is none."""

    tried: int = 0
    latest: str = ""
    answer: StaffingAnswer | None = None
    error: str = ""
    finished: bool = False

    def progress(self, done: int, most: int, what: str) -> None:
        self.tried, self.latest = done, what

    def run(self, scenario: Scenario, goals: list[Goal], teams: list[str], replications: int) -> None:
        try:
            with captured(wait=True):
                self.answer = fewest_people(scenario, goals, teams or None, replications, progress=self.progress)
        except SimvalueError as exc:
            self.error = str(exc)
        except Exception as exc:  # the app stays up whatever a search does
            self.error = f"the search failed: {type(exc).__name__}: {exc}"
        finally:
            self.finished = True


@dataclass
class StaffJobs:
    """The app's searches by id (the latest few kept)."""

    jobs: dict[str, StaffJob] = field(default_factory=dict)
    ids: Any = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, scenario: Scenario, goals: list[Goal], teams: list[str], replications: int) -> str:
        job = StaffJob()
        with self.lock:
            job_id = str(next(self.ids))
            self.jobs[job_id] = job
            for old in list(self.jobs)[:-4]:
                del self.jobs[old]
        threading.Thread(target=job.run, args=(scenario, goals, teams, replications), daemon=True,
                         name=f"simvalue-app-staff-{job_id}").start()
        return job_id

    def get(self, job_id: str | None) -> StaffJob | None:
        with self.lock:
            return self.jobs.get(str(job_id)) if job_id is not None else None


def progress_view(job: StaffJob | None, message: str = "") -> html.Div:
    """What the search is doing (or why it did not start, or why it stopped)."""
    if job is None:
        return html.Div(message, className="error") if message else html.Div()
    if job.error:
        return html.Div(job.error, className="error")
    if job.finished:
        return html.Div()
    latest = f": {job.latest}" if job.latest else ""
    return html.Div(f"searching… {job.tried} candidates tried{latest}", className="muted", id="staff-searching")
