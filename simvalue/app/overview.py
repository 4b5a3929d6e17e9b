"""The baseline at a glance: each stream's steps in flow order, and the offered-load check per team and gate.

The same facts as ``simvalue check`` (``text.scenario_overview``) as data the page lays out: visits
per step from the stream's traffic equations (``capacity.step_visits``) and offered load from
``capacity.offered_loads`` (rate x visits x mean manual effort, in Erlangs; gates in items per meeting).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..scenario import Scenario
from ..scenario.capacity import offered_loads, step_visits
from ..scenario.checks import HIGH_UTILISATION


@dataclass(frozen=True)
class StepFacts:
    """One step as the overview shows it: who does it, what it takes, how often an item passes it."""

    name: str
    activity: str
    kind: str  # work, cab, approver, auto, wait, fork or release
    by: str
    takes: str
    visits: float


@dataclass(frozen=True)
class StreamFacts:
    """A stream's steps in flow order (as listed in the scenario) and the demand types entering it."""

    name: str
    demand: tuple[str, ...]
    steps: tuple[StepFacts, ...]


@dataclass(frozen=True)
class LoadFacts:
    """Offered load on one team or capacity-limited gate; ``status`` is ok, high or overloaded. A team's
    ``capacity`` and ``offered`` are people (on duty, on average over the week; busy, on average), with
    ``on_duty`` the headcount its fields edit (``2``, or ``1-4`` over its shifts); a gate's are items a meeting."""

    name: str
    kind: str
    capacity: float
    offered: float
    utilisation: float
    status: str
    on_duty: str = ""


def streams(scenario: Scenario) -> list[StreamFacts]:
    """Every stream with its steps in flow order and expected visits per item."""
    result = []
    for name, stream in scenario.streams.items():
        steps = tuple(StepFacts(step.name, str(step.activity), step.kind.name, *step.kind.describe(step), float(visits))
                      for step, visits in zip(stream.steps, step_visits(stream)))
        result.append(StreamFacts(name, tuple(d.type for d in scenario.demand if d.stream == name), steps))
    return result


def loads(scenario: Scenario) -> list[LoadFacts]:
    """Offered load per team and gate, with the status ``simvalue check`` gives it."""
    return [LoadFacts(load.name, load.kind, float(load.capacity), float(load.offered), float(load.utilisation),
                      status(load.utilisation), _on_duty(scenario, load.name) if load.kind == "team" else "")
            for load in offered_loads(scenario)]


def _on_duty(scenario: Scenario, name: str) -> str:
    """The people on duty when the team works, as its fields edit them: ``2``, or ``1-4`` over its shifts."""
    team = scenario.teams[name]
    if team.shifts is None:
        return str(team.capacity)
    low, high = min(s.capacity for s in team.shifts), max(s.capacity for s in team.shifts)
    return str(low) if low == high else f"{low}–{high}"


def status(utilisation: float) -> str:
    """ok, high (from HIGH_UTILISATION, as ``simvalue check`` says) or overloaded (at or above capacity)."""
    return "overloaded" if utilisation >= 1 else "high" if utilisation >= HIGH_UTILISATION else "ok"
