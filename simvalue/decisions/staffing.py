"""The fewest people (or the least cost) per team and shift that meet SLA goals: ``simvalue staff``.

The search (docs/staffing.md): start every post at its offered-load floor; while a goal fails, add the
one person who cuts the worst goal's shortfall most per unit cost (greedy marginal analysis; Fox 1966,
"Discrete optimization via marginal analysis", *Management Science* 13(3)); then take away any person
whose removal keeps every goal met. Every candidate runs on the same seeds (common random numbers, as
``compare`` does), so candidates differ by their people, not by their luck. A final run with twice the
replications and other seeds confirms the answer and gives each goal's interval (``results.stats``).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from dataclasses import dataclass, field

import numpy as np

from ..readable import share as percent
from ..results.simulation import as_scenario, simulate
from ..results.stats import t_interval
from ..scenario.model import Scenario
from .staffing_plan import (Goal, GoalError, Post, StaffingError, check_goal, goal_teams, overridden, parse_goal,
                            posts, staffed)

#: ``progress(evaluations_done, most_evaluations, what)``: called after each candidate is simulated.
StaffingProgress = Callable[[int, int, str], None]

#: The most people the search puts on one post: a goal still missed there is one people cannot meet.
MOST_PEOPLE = 200
#: The most candidates the search simulates (each ``replications`` replications) before it gives up.
MOST_EVALUATIONS = 300
#: Seeds of the confirming run are the search's plus this: other random numbers, the same scenario.
CONFIRM_SEED_OFFSET = 1_000_003


@dataclass(frozen=True)
class GoalResult:
    """A goal's attainment in the confirming run: the mean over replications and its 95% interval."""

    goal: Goal
    mean: float
    low: float
    high: float

    @property
    def verdict(self) -> str:
        """``holds`` (the whole interval meets the goal), ``marginal`` (the mean does, the lower end does not),
        ``missed`` (the mean falls short) or ``unsure`` (one replication: no interval)."""
        if self.mean < self.goal.share:
            return "missed"
        if math.isnan(self.low):
            return "unsure"
        return "holds" if self.low >= self.goal.share else "marginal"

    @property
    def statement(self) -> str:
        """The answer's confidence in one plain sentence."""
        label, shown = self.goal.label, percent(self.mean, 1)
        interval = ("" if math.isnan(self.low) else
                    f" (95% CI {percent(self.low, 1).rstrip('%')}–{percent(self.high, 1)})")
        head = f"{label} attainment {shown}{interval} against a goal of {percent(self.goal.share, 1)}: "
        return head + {
            "holds": "the goal holds (the whole interval is above it)",
            "marginal": "the goal holds on average, but the lower end is below the goal: add a person for safety",
            "missed": "the confirming run misses the goal (the search's replications were lucky): add a person, "
                      "or search with more replications",
            "unsure": "one replication gives no interval: confirm with 2 or more replications"}[self.verdict]


@dataclass(frozen=True)
class StaffingAnswer:
    """The fewest people found per post, the floors the search started from, and how sure the answer is."""

    posts: list[Post]
    headcounts: tuple[int, ...]
    goals: list[GoalResult]
    evaluations: int  # candidates simulated in the search (the confirming run not counted)
    replications: int  # per candidate in the search
    confirm_replications: int
    seed: int
    confirm_seed: int
    seconds: float
    costed: bool  # unit costs are cost_per_hour x hours a week (else people are counted)
    notes: list[str] = field(default_factory=list)

    def teams(self) -> dict[str, int]:
        """People per team: a team's capacity, or for a team with shifts its peak (the largest shift)."""
        result: dict[str, int] = {}
        for post, people in zip(self.posts, self.headcounts):
            result[post.team] = max(result.get(post.team, 0), int(people))
        return result

    def shifts(self) -> dict[str, dict[str, int]]:
        """People per shift of each team that has shifts, keyed by the shift's days and hours."""
        result: dict[str, dict[str, int]] = {}
        for post, people in zip(self.posts, self.headcounts):
            if post.shift is not None:
                result.setdefault(post.team, {})[post.shift_label] = int(people)
        return result

    @property
    def cost(self) -> float:
        """The answer's cost a week (cost_per_hour x hours on duty), or its people when teams carry no cost."""
        return float(sum(p.unit_cost * n for p, n in zip(self.posts, self.headcounts)))

    @property
    def sure(self) -> bool:
        """Whether every goal's whole interval meets it."""
        return all(g.verdict == "holds" for g in self.goals)

    def to_json(self) -> dict:
        """The answer as plain JSON: teams, attainment and its intervals, shifts, floors, the search's size."""
        return {
            "teams": self.teams(),
            "attainment": {g.goal.label: _plain(g.mean) for g in self.goals},
            "interval": {g.goal.label: [_plain(g.low), _plain(g.high)] for g in self.goals},
            "goals": {g.goal.label: g.goal.share for g in self.goals},
            "verdict": {g.goal.label: g.verdict for g in self.goals},
            "shifts": self.shifts(),
            "lower_bound": {p.label: p.floor for p in self.posts},
            "people": int(sum(self.headcounts)),
            "cost_per_week": self.cost if self.costed else None,
            "evaluations": self.evaluations, "replications": self.replications,
            "confirm_replications": self.confirm_replications, "seed": self.seed,
            "confirm_seed": self.confirm_seed, "seconds": round(self.seconds, 2), "notes": self.notes}


def _plain(value: float) -> float | None:
    """A number JSON can hold: NaN (no interval from one replication) becomes null."""
    return None if math.isnan(value) else float(value)


class _Evaluator:
    """Simulates candidates on common random numbers, once each (a cache by headcounts), within a budget."""

    def __init__(self, scenario: Scenario, chosen: list[Post], goals: list[Goal], replications: int, seed: int,
                 budget: int, progress: StaffingProgress | None, max_events: float | None) -> None:
        self.scenario, self.posts, self.goals = scenario, chosen, goals
        self.replications, self.seed, self.budget = replications, seed, budget
        self.progress, self.max_events = progress, max_events
        self.cache: dict[tuple[int, ...], np.ndarray] = {}

    @property
    def done(self) -> int:
        return len(self.cache)

    def __call__(self, headcounts: tuple[int, ...]) -> np.ndarray:
        """Mean attainment of each goal with these headcounts."""
        if headcounts not in self.cache:
            if self.done >= self.budget:
                raise _OverBudget
            with warnings.catch_warnings():  # a candidate's warnings (near saturation) are not the answer's
                warnings.simplefilter("ignore")
                values = attainment(staffed(self.scenario, self.posts, headcounts), self.goals, self.replications,
                                    self.seed, self.max_events)
            self.cache[headcounts] = np.array([_mean(v) for v in values])
            if self.progress is not None:
                self.progress(self.done, self.budget, self.describe(headcounts))
        return self.cache[headcounts]

    def describe(self, headcounts: tuple[int, ...]) -> str:
        people = ", ".join(f"{p.label}={n}" for p, n in zip(self.posts, headcounts))
        reached = ", ".join(f"{g.label} {percent(v, 1)}" for g, v in zip(self.goals, self.cache[headcounts]))
        return f"{people}: {reached}"

    def met(self, headcounts: tuple[int, ...]) -> bool:
        return bool((self(headcounts) >= np.array([g.share for g in self.goals])).all())

    def shortfalls(self, headcounts: tuple[int, ...]) -> np.ndarray:
        return np.maximum(np.array([g.share for g in self.goals]) - self(headcounts), 0.0)


class _OverBudget(Exception):
    """The search has simulated as many candidates as it may."""


def _mean(values: np.ndarray) -> float:
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if finite.size else math.nan


def attainment(scenario: Scenario, goals: list[Goal], replications: int, seed: int,
               max_events: float | None = None) -> list[np.ndarray]:
    """Per goal, the share of its items that met their SLA in each replication (NaN where none was reported),
    from the run's tally (``record="summary"``: no rows kept)."""
    results = simulate(scenario, replications=replications, seed=seed, record="summary", max_events=max_events)
    groups = results.tally.groups
    index = np.arange(replications)
    values = []
    for goal in goals:
        mine = groups[(groups["type"] == goal.type) & (groups["priority"] == (goal.priority or ""))]
        mine = mine.set_index("replication").reindex(index)
        values.append((mine["sla_met"] / mine["sla_items"]).where(mine["sla_items"] > 0).to_numpy(dtype=float))
    return values


def fewest_people(scenario: Scenario | str | Path | Mapping[str, Any], goals: Sequence[Goal | str],
                  teams: list[str] | None = None, replications: int = 5, seed: int | None = None,
                  progress: StaffingProgress | None = None, most_people: int = MOST_PEOPLE,
                  most_evaluations: int = MOST_EVALUATIONS, max_events: float | None = None) -> StaffingAnswer:
    """The fewest people (the least cost where every team searched has ``cost_per_hour``) on each post of
    ``teams`` (default: all but those with ``people:`` groups) such that every goal's mean attainment over
    ``replications`` meets its share, confirmed by a run with twice the replications on other seeds.

    Raises StaffingError for a bad goal, for goals still missed with ``most_people`` on every post (people
    cannot meet them: a wait, an automated step or a team not searched stands in the way) and for a search
    that needs more than ``most_evaluations`` candidates.
    """
    scenario = as_scenario(scenario)
    goals = checked_goals(scenario, goals)
    started = time.perf_counter()
    seed = scenario.seed if seed is None else seed
    chosen = posts(scenario, teams)
    too_many = [p for p in chosen if p.floor > most_people]
    if too_many:
        raise StaffingError(f"{too_many[0].label}: the offered load ({too_many[0].load:.1f} people busy) needs more "
                            f"than the {most_people} people a post may have")
    evaluate = _Evaluator(scenario, chosen, goals, replications, seed, most_evaluations, progress, max_events)
    try:
        headcounts, notes = _search(evaluate, most_people)
    except _OverBudget:
        raise StaffingError(f"the search tried {most_evaluations} candidates without meeting every goal; allow "
                            "more, search fewer teams or ease a goal") from None
    confirm_seed = seed + CONFIRM_SEED_OFFSET
    values = attainment(staffed(scenario, chosen, headcounts), goals, 2 * replications, confirm_seed, max_events)
    results = [GoalResult(goal, *t_interval(v)) for goal, v in zip(goals, values)]
    costed = all(scenario.teams[p.team].cost_per_hour for p in chosen)
    return StaffingAnswer(chosen, headcounts, results, evaluate.done, replications, 2 * replications, seed,
                          confirm_seed, time.perf_counter() - started, costed, overridden(scenario, chosen) + notes)


def checked_goals(scenario: Scenario, goals: Sequence[Goal | str]) -> list[Goal]:
    """Goals given as text (``incident.P2=95%``) or Goals, each checked against the scenario (GoalError)."""
    found = [parse_goal(g) if isinstance(g, str) else g for g in goals]
    if not found:
        raise StaffingError("give at least one goal, e.g. incident=95%")
    labels: set[str] = set()
    for goal, given in zip(found, goals):
        text = given if isinstance(given, str) else goal.label
        check_goal(scenario, goal, text)
        if goal.label in labels:
            raise GoalError(text, f"a second goal for {goal.label}: give one share per type (and priority)")
        labels.add(goal.label)
    return found


def _search(evaluate: _Evaluator, most_people: int) -> tuple[tuple[int, ...], list[str]]:
    """Greedy from the floors, after a check at the ceiling, then the removal pass."""
    chosen, goals = evaluate.posts, evaluate.goals
    floors = tuple(p.floor for p in chosen)
    missing = [g.label for g, v in zip(goals, evaluate(floors)) if math.isnan(v)]
    if missing:
        raise StaffingError(f"no item of {', '.join(missing)} with an SLA target was reported in the run: "
                            "lengthen the horizon or use more replications")
    if not evaluate.met(floors):
        _check_ceiling(evaluate, most_people)
    headcounts = floors
    while not evaluate.met(headcounts):
        headcounts = _add_one(evaluate, headcounts, most_people)
    notes: list[str] = []
    try:
        headcounts = _remove(evaluate, headcounts)
    except _OverBudget:
        notes.append("the removal pass stopped at the budget of candidates: a person might still be spared")
    return headcounts, notes


def _check_ceiling(evaluate: _Evaluator, most_people: int) -> None:
    """Refuse goals that ``most_people`` on every post still miss: no number of people meets them."""
    ceiling = tuple(max(most_people, p.floor) for p in evaluate.posts)
    if evaluate.met(ceiling):
        return
    reached = evaluate(ceiling)
    missed = [f"{g.label} reaches only {percent(v, 2)} (goal {percent(g.share, 1)})"
              for g, v in zip(evaluate.goals, reached) if v < g.share]
    raise StaffingError(f"even {most_people} people on every post searched, "
                        + "; ".join(missed) + ": people cannot meet this goal (working hours, a wait, an automated "
                        "step, a gate or a team not searched takes longer than the target allows)")


def _add_one(evaluate: _Evaluator, headcounts: tuple[int, ...], most_people: int) -> tuple[int, ...]:
    """One more person on the post that cuts the worst goal's shortfall most per unit cost (then the total
    shortfall, then the busiest post per person, so the search always moves)."""
    short = evaluate.shortfalls(headcounts)
    worst = int(np.argmax(short))
    relevant = goal_teams(evaluate.scenario, evaluate.goals[worst])
    open_posts = [k for k, p in enumerate(evaluate.posts) if headcounts[k] < most_people]
    candidates = [k for k in open_posts if evaluate.posts[k].team in relevant] or open_posts
    if not candidates:
        raise StaffingError(f"every post searched has {most_people} people and {evaluate.goals[worst].label} "
                            "is still missed")

    def gain(k: int) -> tuple[float, float, float]:
        post, trial = evaluate.posts[k], _plus(headcounts, k, 1)
        after = evaluate.shortfalls(trial)
        return ((short[worst] - after[worst]) / post.unit_cost, (short.sum() - after.sum()) / post.unit_cost,
                post.load / headcounts[k])
    return _plus(headcounts, max(candidates, key=gain), 1)


def _remove(evaluate: _Evaluator, headcounts: tuple[int, ...]) -> tuple[int, ...]:
    """Take away, dearest post first, every person whose removal keeps all goals met, until none can go."""
    order = sorted(range(len(headcounts)), key=lambda k: -evaluate.posts[k].unit_cost)
    removed = True
    while removed:
        removed = False
        for k in order:
            if headcounts[k] > evaluate.posts[k].floor and evaluate.met(trial := _plus(headcounts, k, -1)):
                headcounts, removed = trial, True
    return headcounts


def _plus(headcounts: tuple[int, ...], k: int, change: int) -> tuple[int, ...]:
    return tuple(n + change if i == k else n for i, n in enumerate(headcounts))
