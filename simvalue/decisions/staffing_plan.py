"""What ``staff`` searches over: the SLA goals, the headcounts it may change (posts) and their floors.

A post is one team's headcount, or one shift's where the team has ``shifts:``. Its floor comes from
the offered-load check (``scenario.capacity``): the fewest people who keep up with the work arriving
while they are on duty, floor(load) + 1, since a queue is stable only when load < people (Erlang C
needs a < c). A team's shifts together must also carry its week's work. Where people of other teams
help with a team's queue (``people``/``shared_with``), the floor counts only the work they cannot carry
even if they did nothing else while on duty: their groups stay as the file gives them, the team's own
headcount is the decision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import SimvalueError, unknown
from ..scenario.capacity import team_hourly_loads
from ..scenario.model import Scenario, SlaClock
from ..scenario.skills import helpers_on_duty, shift_hours
from ..scenario.variants import load_variant


class StaffingError(SimvalueError):
    """A staffing question that cannot be answered as asked: a bad goal, a goal people cannot meet, a
    search over its budget."""


class GoalError(StaffingError):
    """A goal that is not well formed or names what the scenario lacks; ``text`` is the goal as given."""

    def __init__(self, text: str, detail: str) -> None:
        self.text, self.detail = text, detail
        super().__init__(f"goal {text!r}: {detail}")


@dataclass(frozen=True)
class Goal:
    """The share of a type's items (of one priority, or all) that must meet their SLA target."""

    type: str
    priority: str | None
    share: float

    @property
    def label(self) -> str:
        """``incident`` or ``incident.P2``: how the goal is named in tables and JSON."""
        return self.type if self.priority is None else f"{self.type}.{self.priority}"


def parse_goal(text: str) -> Goal:
    """``TYPE=95%``, ``TYPE=0.95`` or ``TYPE.PRIORITY=95%`` as a Goal (not yet checked against a scenario)."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value:
        raise GoalError(text, "expected TYPE=SHARE, e.g. incident=95% or incident.P2=0.95")
    item_type, dot, priority = name.partition(".")
    if not item_type or (dot and not priority):
        raise GoalError(text, "expected TYPE or TYPE.PRIORITY before '=', e.g. incident.P2")
    try:
        share = float(value[:-1]) / 100.0 if value.endswith("%") else float(value)
    except ValueError:
        raise GoalError(text, f"expected a share such as 95% or 0.95, got {value!r}") from None
    if not 0 < share <= 1:
        raise GoalError(text, f"the share must be above 0 and at most 1 (or 100%), got {value}")
    return Goal(item_type, priority if dot else None, share)


def check_goal(scenario: Scenario, goal: Goal, text: str | None = None) -> None:
    """Refuse a goal on a type the scenario lacks, a type without an SLA, or a priority its SLA lacks."""
    text = goal.label if text is None else text
    types = [d.type for d in scenario.demand]
    if goal.type not in types:
        raise GoalError(text, unknown("demand type", goal.type, types))
    if goal.type not in scenario.sla:
        raise GoalError(text, f"demand type {goal.type!r} has no SLA (sla: gives one to "
                              f"{', '.join(scenario.sla) or 'no type'})")
    value = scenario.sla[goal.type]
    target = value.target if isinstance(value, SlaClock) else value
    if goal.priority is not None:
        if not isinstance(target, dict):
            raise GoalError(text, f"the SLA of {goal.type!r} has one target for every priority; "
                                  f"give the goal as {goal.type}={_percent(goal.share)}")
        if goal.priority not in target:
            raise GoalError(text, unknown(f"priority in the SLA of {goal.type!r}", goal.priority, list(target)))


def _percent(share: float) -> str:
    return f"{share * 100:g}%"


@dataclass(frozen=True)
class Post:
    """A headcount the search may change: a team's (``shift`` None) or one of its shifts'."""

    team: str
    shift: int | None
    shift_label: str  # "mon-fri 08:00-18:00" for a shift, "" for a whole team
    hours_per_week: float  # hours on duty a week of one person on this post
    load: float  # offered load while on duty, in people busy on average
    floor: int  # the fewest people the offered load allows
    unit_cost: float  # cost a week of one more person here (1 when people are counted)

    @property
    def label(self) -> str:
        return self.team if self.shift is None else f"{self.team} {self.shift_label}"


def posts(scenario: Scenario, teams: list[str] | None = None) -> list[Post]:
    """The posts of ``teams`` (default: every team but those with ``people:`` groups, whose counts are the
    headcount), in scenario order, with their floors and unit costs. Costs are ``cost_per_hour`` x hours on
    duty a week when every team searched has one; else each person counts 1."""
    for name in teams or []:
        if name not in scenario.teams:
            raise StaffingError(unknown("team", name, list(scenario.teams)))
        if grouped(scenario, name):
            raise StaffingError(f"team {name!r} lists its people in groups with several skills (people:), whose "
                                "counts add up to its capacity: staff cannot tell which group gets a person; leave "
                                "it out of --team")
    names = teams or [name for name in scenario.teams if not grouped(scenario, name)]
    if not names:
        raise StaffingError("no team to search: every team lists its people in groups (people:)")
    costed = all(scenario.teams[n].cost_per_hour for n in names)
    hourly = team_hourly_loads(scenario)
    for name in names:
        hourly[name] = np.maximum(hourly[name] - helpers_on_duty(scenario, name), 0.0)
    result: list[Post] = []
    for name in (n for n in scenario.teams if n in names):  # scenario order, each once
        result += _team_posts(scenario, name, hourly[name], costed)
    return result


def grouped(scenario: Scenario, team: str) -> bool:
    """Whether a team lists its people in groups with several skills (``people:``): its headcount is theirs."""
    return bool(getattr(scenario.teams[team], "people", None))


def _team_posts(scenario: Scenario, name: str, hourly: np.ndarray, costed: bool) -> list[Post]:
    """One team's posts: the whole team, or one per shift; the shifts' floors raised until the week's
    person-hours exceed its work (a team must keep up over the week)."""
    team = scenario.teams[name]
    rate = team.cost_per_hour or 0.0
    if team.shifts is None:
        hours = team.pattern().working_hours_per_week
        load = float(hourly.mean()) * 168.0 / hours if hours else math.inf
        return [Post(name, None, "", hours, load, math.floor(load) + 1, rate * hours if costed else 1.0)]
    found = []
    for index, shift in enumerate(team.shifts):
        weights = shift_hours(shift.weekdays.indices, shift.window.start / 60.0, shift.window.end / 60.0)
        hours = float(weights.sum())
        load = float(weights @ hourly / hours)
        label = f"{shift.weekdays.spelling} {shift.window.spelling}"
        found.append(Post(name, index, label, hours, load, math.floor(load) + 1, rate * hours if costed else 1.0))
    floors = [p.floor for p in found]
    week = float(hourly.sum())
    while sum(f * p.hours_per_week for f, p in zip(floors, found)) <= week:
        busiest = max(range(len(found)), key=lambda k: found[k].load / floors[k])
        floors[busiest] += 1
    return [Post(p.team, p.shift, p.shift_label, p.hours_per_week, p.load, f, p.unit_cost)
            for p, f in zip(found, floors)]




def goal_teams(scenario: Scenario, goal: Goal) -> set[str]:
    """The teams that work on the goal type's items: the only ones whose people can move its attainment."""
    streams = {d.stream for d in scenario.demand if d.type == goal.type}
    return {team for name in streams for step in scenario.streams[name].steps for team in step.kind.teams(step)}


def staffed(scenario: Scenario, chosen: list[Post], headcounts: tuple[int, ...] | list[int]) -> Scenario:
    """``scenario`` with each post at its headcount: ``teams.T.capacity``, or the whole ``teams.T.shifts``
    list with each shift's capacity (checked like any variant)."""
    edits: dict[str, object] = {}
    teams = scenario.model_dump(mode="json")["teams"]
    for post, people in zip(chosen, headcounts):
        if post.shift is None:
            edits[f"teams.{post.team}.capacity"] = int(people)
        else:
            shifts = edits.setdefault(f"teams.{post.team}.shifts", [dict(s) for s in teams[post.team]["shifts"]])
            shifts[post.shift]["capacity"] = int(people)  # type: ignore[index]
    return load_variant(scenario, {"name": scenario.name, "set": edits})


def overridden(scenario: Scenario, chosen: list[Post]) -> list[str]:
    """Notes on the changes over time that set or scale a searched team's headcount: from then on the file's
    value, not the search's, is simulated (staff sets headcounts from the start)."""
    teams, notes = {p.team for p in chosen}, []
    for change in scenario.changes:
        for path in [*change.set, *change.scale]:
            parts = path.split(".")
            if len(parts) >= 3 and parts[0] == "teams" and parts[1] in teams and parts[2] in ("capacity", "shifts"):
                notes.append(f"changes: {path} at {change.at:g} h overrides the searched headcount of team "
                             f"{parts[1]!r} from then on; the answer holds for the run with that change")
    return notes
