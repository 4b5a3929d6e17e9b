"""People with several skills across teams: their groups, the checks, and the pooled capacity.

A team's ``people`` (or ``shared_with``, scenario/people.py) puts some of its people in groups that also
serve other teams' queues; ``serve: own_first`` and ``then: longest_queue | highest_priority`` state how
a freed person picks the next item (engine/skills.py runs it). Teams linked by skills form a pool.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from collections.abc import Sequence
from itertools import combinations

import numpy as np

from ..calendars.schedule import WEEK, WeeklyPattern
from ..errors import ScenarioError, unknown
from .model import Scenario, Team
from .people import DEFAULT_THEN

#: Teams linked by skills in one pool whose every subset the offered-load check tries (2^12 subsets at most);
#: a larger pool is checked on each team alone and on the whole pool.
MAX_SUBSET_TEAMS = 12


@dataclass(frozen=True)
class Group:
    """A resolved group of people: of ``team``, ``count`` strong, serving ``team`` then ``skills``."""

    team: str
    name: str
    count: int
    skills: tuple[str, ...]
    then: str  # the tie-break between the other queues: longest_queue or highest_priority
    share: float | None = None  # shared_with: this share of the team's people on duty (rounded half up)
    rest: bool = False  # the team's people on duty outside its shares (shared_with's rest, or the whole team)


def on_duty(group: Group, groups: Sequence[Group], headcount: int) -> int:
    """People of ``group`` on duty while its team has ``headcount`` on duty: a share of them (rounded half up),
    the rest once the shares are out, or a listed group's count whenever the team works (``capacity``)."""
    if group.share is not None:
        return shared_count(group.share, headcount)
    if group.rest:
        shared = sum(shared_count(g.share, headcount) for g in groups if g.team == group.team and g.share is not None)
        return max(headcount - shared, 0)
    return group.count if headcount > 0 else 0


def weekly_people(group: Group, groups: Sequence[Group], pattern: WeeklyPattern) -> list[tuple[float, int]]:
    """(hour of the week it starts, people on duty) of each stretch of ``group``'s week, from its team's."""
    return [(start, on_duty(group, groups, headcount)) for start, headcount in zip(pattern.breaks, pattern.headcounts)]


def average_people(group: Group, groups: Sequence[Group], pattern: WeeklyPattern) -> float:
    """People of ``group`` on duty on average over the week (its count around the clock)."""
    stretches = weekly_people(group, groups, pattern)
    ends = [start for start, _ in stretches[1:]] + [WEEK]
    return sum(people * (end - start) for (start, people), end in zip(stretches, ends)) / WEEK


def shared_count(share: float, capacity: int) -> int:
    """People a share gives: share x capacity rounded half up (50% of 3 is 2, 33% of 3 is 1)."""
    return int(math.floor(share * capacity + 0.5 + 1e-9))


def team_groups(name: str, team: Team) -> list[Group]:
    """A team's groups: as listed in ``people``; from ``shared_with`` (one group per team named, called
    '<team>+<other>', the rest called '<team>'); or none when the team shares nobody. A group's ``count``
    is the most people it has on duty at once (on a team with shifts, on its largest shift)."""
    then = team.then or DEFAULT_THEN
    if team.people is not None:
        return [Group(name, g.name, g.count, tuple(g.skills), then) for g in team.people]
    if team.shared_with is None:
        return []
    shares = [Group(name, f"{name}+{other}", 0, (other,), then, share=share) for other, share in team.shared_with.items()]
    rest = Group(name, name, 0, (), then, rest=True)
    headcounts = team.pattern().headcounts
    sized = [replace(g, count=max(on_duty(g, shares, h) for h in headcounts)) for g in [*shares, rest]]
    return [g for g in sized if g.count > 0 or g.share is not None]


def skill_groups(scenario: Scenario) -> list[Group]:
    """The groups of people of every team in a pool (teams linked by skills), in team order: as listed,
    from ``shared_with``, or, for a team whose queue others help with but which lists no groups, its
    whole capacity as one group named after it. [] when no team shares people (no pool is built)."""
    listed = [group for name, team in scenario.teams.items() for group in team_groups(name, team)]
    pooled = {team for pool in pools(listed) for team in pool}
    result = []
    for name, team in scenario.teams.items():
        if name in pooled:
            own = [g for g in listed if g.team == name]
            result += own or [Group(name, name, team.pattern().peak_headcount, (), team.then or DEFAULT_THEN, rest=True)]
    return result


def pools(groups: list[Group]) -> list[list[str]]:
    """The teams linked by skills, each pool in team order (a team whose groups serve only it is alone)."""
    linked: dict[str, set[str]] = {}
    for group in groups:
        for team in (group.team, *group.skills):
            linked.setdefault(team, set()).update((group.team, *group.skills))
    seen: set[str] = set()
    result = []
    for team in linked:
        if team in seen:
            continue
        pool, todo = set(), [team]
        while todo:
            current = todo.pop()
            if current not in pool:
                pool.add(current)
                todo += linked[current] - pool
        seen |= pool
        result.append(pool)
    order = [g.team for g in groups] + [s for g in groups for s in g.skills]
    return [sorted(pool, key=order.index) for pool in result if len(pool) > 1]


def check_people(scenario: Scenario) -> None:
    """Refuse what the groups cannot mean: unknown or own teams in skills, counts that do not add up, fixed
    counts on a team with shifts, preemption in a pool, and changes over time to a pool's teams."""
    names = list(scenario.teams)
    for name, team in scenario.teams.items():
        _check_team(name, team, names)
    groups = skill_groups(scenario)
    involved = [name for name in scenario.teams if any(g.team == name for g in groups)]
    for name in involved:
        _check_preemption(scenario, name, groups)
    in_time_order = sorted(range(len(scenario.changes)), key=lambda i: scenario.changes[i].at)  # as epochs are
    for index, (_, epoch) in zip(in_time_order, scenario.epochs):
        if skill_groups(epoch) != groups or any(epoch.teams.get(name) != scenario.teams[name] for name in involved):
            raise ScenarioError("a change over time may not edit a team whose people serve several teams' queues "
                                "(or whose queue helpers serve), nor share people: the groups are fixed for the run",
                                path=f"changes[{index}].set")


def _check_team(name: str, team: Team, names: list[str]) -> None:
    path = f"teams.{name}"
    if team.people is not None and team.shared_with is not None:
        raise ScenarioError("give either 'people' (groups and their skills) or 'shared_with' (a share of the people "
                            "per other team), not both", path=f"{path}.shared_with")
    if team.people is None and team.shared_with is None:
        for word in ("serve", "then"):
            if getattr(team, word) is not None:
                raise ScenarioError(f"'{word}' is the rule of people with several skills: give 'people' or "
                                    "'shared_with' on this team, or remove it", path=f"{path}.{word}")
        return
    if team.people is not None and team.shifts is not None:
        raise ScenarioError("groups with fixed counts ('people') cannot go on a team with shifts: its headcount "
                            "changes from shift to shift, so a group's count has no fixed meaning; give "
                            "'shared_with: {TEAM: SHARE}' instead (on each shift that share of the people on duty, "
                            "rounded half up, also serve TEAM's queue), or 'capacity' with a 'calendar'",
                            path=f"{path}.people")
    if team.people is not None:
        _check_listed(name, team, names)
    else:
        _check_shares(name, team, names)


def _check_listed(name: str, team: Team, names: list[str]) -> None:
    path = f"teams.{name}.people"
    seen: set[str] = set()
    for group in team.people or []:
        where = f"{path}[{group.name}]"
        if group.name in seen:
            raise ScenarioError(f"group name {group.name!r} is used twice in this team", path=f"{where}.name")
        seen.add(group.name)
        _check_skills(name, group.skills, names, f"{where}.skills")
    total = sum(group.count for group in team.people or [])
    if total != team.capacity:
        raise ScenarioError(f"the groups' counts add up to {total} people, but the team's capacity is {team.capacity}; "
                            "list every person of the team in one group (a group without skills serves only its "
                            "own team)", path=path)


def _check_shares(name: str, team: Team, names: list[str]) -> None:
    """Each share gives at least one person on some shift (or on duty), and the shares never give more people
    than are on duty (each share names different people)."""
    path = f"teams.{name}.shared_with"
    _check_skills(name, list(team.shared_with or {}), names, path)
    headcounts = sorted({h for h in team.pattern().headcounts if h > 0})
    shifts = team.shifts is not None
    for other, share in (team.shared_with or {}).items():
        if shared_count(share, headcounts[-1]) < 1:
            where = f"the largest shift's {headcounts[-1]}" if shifts else str(headcounts[-1])
            raise ScenarioError(f"{100 * share:g}% of {where} people is less than one person once rounded; give a "
                                "larger share or name the group in 'people'", path=f"{path}.{other}")
    for headcount in headcounts:
        total = sum(shared_count(share, headcount) for share in (team.shared_with or {}).values())
        if total > headcount:
            where = f"a shift of {headcount} people" if shifts else f"the team's capacity of {headcount}"
            raise ScenarioError(f"the shares give {total} people (each rounded half up), more than {where}; each "
                                "share names different people: lower them, or list the groups in 'people' (a group "
                                "may hold several skills)", path=path)


def _check_skills(name: str, skills: list[str], names: list[str], path: str) -> None:
    for skill in skills:
        if skill not in names:
            raise ScenarioError(unknown("team", skill, names), path=path)
        if skill == name:
            raise ScenarioError(f"{skill!r} is this group's own team (its people serve it first anyway); list only "
                                "the other teams they also serve", path=path)
    if len(set(skills)) < len(skills):
        raise ScenarioError("a team is listed twice", path=path)


def _check_preemption(scenario: Scenario, name: str, groups: list[Group]) -> None:
    """No team of a pool preempts work: a helper's interrupted item would have no rule for who resumes it."""
    team = scenario.teams[name]
    if team.preempt is None:
        return
    owner = next((g.team for g in groups if name in g.skills), name)
    why = ("its people serve other teams' queues" if team.people is not None or team.shared_with is not None
           else f"people of {owner!r} help with its queue")
    raise ScenarioError(f"preemption on team {name!r} cannot go with people who serve several teams' queues "
                        f"({why}): their shared pool does not interrupt work; remove 'preempt'",
                        path=f"teams.{name}.preempt")


def pooled_capacities(scenario: Scenario, offered: dict[str, float]) -> dict[str, tuple[float, str]]:
    """For each team of a pool: the capacity the offered-load check gives it, and a note saying how.

    A pool can keep up only if every set of its teams has fewer Erlangs offered than the people who may
    serve some team of the set (Hall's condition; with full cross-skilling, the whole pool as one M/M/c).
    A team's capacity is therefore the tightest share of those people, in proportion to load:
    min over sets A holding the team of people(A) x offered(team) / offered(A); its utilisation is
    max over A of offered(A) / people(A). Sets {team} alone (its people and its helpers) and the whole
    pool are always tried; every set when the pool has at most MAX_SUBSET_TEAMS teams. A team offered no work
    keeps the people who may serve it (no share of a set's load makes it overloaded). On teams with working
    time, a group's people are its average on duty over the week."""
    groups = skill_groups(scenario)
    result: dict[str, tuple[float, str]] = {}
    for pool in pools(groups):
        sets = ([set(c) for k in range(1, len(pool) + 1) for c in combinations(pool, k)]
                if len(pool) <= MAX_SUBSET_TEAMS else [{t} for t in pool] + [set(pool)])
        for team in pool:
            best, worst_set = math.inf, {team}
            for chosen in (s for s in sets if team in s and (offered.get(team, 0.0) > 0 or s == {team})):
                people = sum(average_people(g, groups, scenario.teams[g.team].pattern()) for g in groups
                             if g.team in chosen or chosen & set(g.skills))
                load = sum(offered.get(t, 0.0) for t in chosen)
                share = people * offered.get(team, 0.0) / load if load > 0 else float(people)
                if share < best - 1e-12:
                    best, worst_set = share, chosen
            words = ("its people and the helpers who hold its skill" if worst_set == {team} else
                     f"the people who may serve {'+'.join(t for t in pool if t in worst_set)}, shared in proportion "
                     "to their load")
            result[team] = (best, f"people with several skills: capacity counts {words} (pooled bound)")
    return result


def helpers_on_duty(scenario: Scenario, team: str) -> np.ndarray:
    """People of other teams on duty who may serve ``team``'s queue, in each hour of the week (Monday 00:00
    first): at most what they take off its own people's load, so the floors stay lower bounds."""
    groups = skill_groups(scenario)
    hourly = np.zeros(168)
    for group in (g for g in groups if team in g.skills):
        stretches = weekly_people(group, groups, scenario.teams[group.team].pattern())
        ends = [start for start, _ in stretches[1:]] + [168.0]
        for (start, people), end in zip(stretches, ends):
            if people:
                hourly += people * shift_hours((0,), start, end)
    return hourly


def shift_hours(days: tuple[int, ...], start: float, end: float) -> np.ndarray:
    """Hours on duty in each hour of the week (Monday 00:00 first) of a shift from ``start`` to ``end``
    o'clock (past 24 for a night shift) on each of ``days``: 1 for a whole hour, a fraction for a part."""
    weights = np.zeros(168)
    for day in days:
        begin, finish = day * 24 + start, day * 24 + end
        hour = math.floor(begin)
        while hour < finish:
            weights[hour % 168] += min(hour + 1, finish) - max(hour, begin)
            hour += 1
    return weights
