"""Team schedules built once per distinct calendar, and their size checked before anything is built.

A schedule holds tables per holiday (about 0.4 kB each), and a scenario may have hundreds of teams,
10,000 holidays and 100 changes over time. Teams and changes that keep a calendar share one schedule,
so only distinct (weekly pattern, start, holidays) count; a scenario whose distinct calendars would
still hold more than ``MAX_SCHEDULE_HOLIDAYS`` holiday entries is refused up front.
"""

from __future__ import annotations

from ..calendars.schedule import DEFAULT_START, Schedule
from ..errors import ScenarioError
from ..limits import MAX_SCHEDULE_HOLIDAYS
from .model import Scenario


class Schedules:
    """Each team's :class:`Schedule`, built once per distinct calendar (shared across teams and changes)."""

    def __init__(self) -> None:
        self._common: dict[int, tuple] = {}  # id(scenario.holidays) -> (the list, kept alive; its tuple)
        self._interned: dict[tuple, tuple] = {}
        self._built: dict[tuple, Schedule] = {}

    def key(self, scenario: Scenario, team: str) -> tuple:
        """What the team's schedule is built from; equal keys give equal schedules."""
        spec = scenario.teams[team]
        holder = self._common.get(id(scenario.holidays))
        if holder is None or holder[0] is not scenario.holidays:
            common = tuple(scenario.holidays)  # hashed once per scenario, not once per team
            holder = self._common[id(scenario.holidays)] = (scenario.holidays, self._interned.setdefault(common, common))
        return spec.pattern(), scenario.start or DEFAULT_START, id(holder[1]), tuple(spec.holidays)

    def get(self, scenario: Scenario, team: str) -> Schedule:
        """The team's schedule: its pattern from ``start``, with the scenario's and the team's holidays."""
        key = self.key(scenario, team)
        if key not in self._built:
            common = self._common[id(scenario.holidays)][1]
            self._built[key] = Schedule(key[0], key[1], [*common, *key[3]])
        return self._built[key]


def check_schedule_size(scenario: Scenario, epochs: list[tuple[float, Scenario]]) -> None:
    """Refuse teams, holidays and changes over time whose distinct calendars would fill memory."""
    book = Schedules()
    sizes: dict[tuple, int] = {}
    for _, period in [(0.0, scenario), *epochs]:
        common = len(period.holidays)
        for name, team in period.teams.items():
            if common or team.holidays:
                sizes[book.key(period, name)] = common + len(team.holidays)
    total = sum(sizes.values())
    if total > MAX_SCHEDULE_HOLIDAYS:
        raise ScenarioError(
            f"the teams' calendars would hold {total:,} holiday entries ({len(sizes):,} distinct calendars of teams "
            f"and changes over time, each with its holidays), more than {MAX_SCHEDULE_HOLIDAYS:,}; give fewer "
            "holidays (only those within the run), or fewer teams or changes with their own calendar",
            path="holidays")
