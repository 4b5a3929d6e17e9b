"""Checks of ``spawn`` (linked records) that one field cannot make: the types and priorities it
names, and that the items raised, generation after generation, come to an end.

The end is checked with the traffic equations across types: ``M[i, j]`` is the expected number of
items of class j (type, priority) one item of class i raises itself (capacity.spawn_matrix); the
expected descendants of an item are the sum of M + M^2 + ..., finite only when the spectral radius
of M is below 1 (the branching process is subcritical: Harris, *The Theory of Branching
Processes*, 1963, ch. II). Each error names the field path of the entry to change.
"""

from __future__ import annotations

import numpy as np

from ..errors import ScenarioError, unknown
from ..steps.by_priority import priority_of
from .capacity import priority_mix, spawn_matrix
from .model import Scenario, Step
from .spawn import INHERIT, spawns

#: Spectral radius at and above which spawning never ends (rounding tolerance below 1).
CRITICAL_RADIUS = 1.0 - 1e-9


def check_spawns(scenario: Scenario) -> None:
    """Refuse unknown types and priorities under ``spawn``, and chains of spawns that never end."""
    found = False
    for name, stream in scenario.streams.items():
        for step in stream.steps:
            for position, entry in enumerate(spawns(step)):
                found = True
                _check_entry(scenario, name, step, position, entry)
    if found:
        _check_ending(scenario)


def entry_path(stream: str, step: Step, position: int) -> str:
    """The field path of one spawn entry: ``...spawn`` for a single one, ``...spawn[type]`` in a list."""
    path = f"streams.{stream}.steps[{step.name}].spawn"
    return f"{path}[{spawns(step)[position].type}]" if isinstance(step.spawn, list) else path


def _labels(demand) -> list[str]:
    """The priority labels of a demand type's items (its classes' priorities)."""
    return list(dict.fromkeys(priority_of(label) for label, _ in priority_mix(demand) if priority_of(label) is not None))


def _check_entry(scenario: Scenario, stream: str, step: Step, position: int, entry) -> None:
    path = entry_path(stream, step, position)
    types = {d.type: d for d in scenario.demand}
    if entry.type not in types:
        raise ScenarioError(unknown("demand type", entry.type, list(types)), path=f"{path}.type")
    if entry.priority is None:
        return
    child = types[entry.type]
    own = _labels(child)
    if not own:
        raise ScenarioError(f"items of type {entry.type!r} carry no priority (demand[{entry.type}].priority is "
                            "not set): leave 'priority' out, or give the type priorities", path=f"{path}.priority")
    if entry.priority != INHERIT and entry.priority not in own:
        raise ScenarioError(unknown(f"priority of {entry.type}", entry.priority, own + [INHERIT]),
                            path=f"{path}.priority")
    if entry.priority == INHERIT:
        parents = sorted({label for d in scenario.demand if d.stream == stream for label in _labels(d)})
        missing = [label for label in parents if label not in own]
        if missing:
            raise ScenarioError(f"inherit: items entering stream {stream!r} may have priority "
                                f"{', '.join(missing)}, which type {entry.type!r} does not have (its priorities: "
                                f"{', '.join(own)}); add them to demand[{entry.type}].priority or name one "
                                "priority here", path=f"{path}.priority")


def _check_ending(scenario: Scenario) -> None:
    """Refuse a spectral radius of M at or above 1, naming the types of the loop and one of its entries."""
    classes, matrix = spawn_matrix(scenario)
    if not matrix.any() or _radius(matrix) < CRITICAL_RADIUS:
        return
    reach = _reachability(matrix > 0)
    for k in range(len(classes)):
        members = [j for j in range(len(classes)) if reach[k, j] and reach[j, k]]
        radius = _radius(matrix[np.ix_(members, members)]) if members else 0.0
        if radius >= CRITICAL_RADIUS:
            types = list(dict.fromkeys(classes[j][0].type for j in members))
            loop = " -> ".join([*types, types[0]])
            raise ScenarioError(
                f"spawned items would never stop coming: along {loop} each generation of items raised is "
                f"{radius:.3g} times the one before (the spectral radius of the expected children per item, visits "
                "x p x count, must be below 1); lower p or count here or elsewhere in the loop",
                path=_an_entry_in(scenario, set(types)))


def _radius(matrix: np.ndarray) -> float:
    return float(np.abs(np.linalg.eigvals(matrix)).max())


def _reachability(edges: np.ndarray) -> np.ndarray:
    """reach[i, j]: class j can be reached from class i in one or more spawns (Warshall's closure)."""
    reach = edges.copy()
    for k in range(len(reach)):
        reach |= np.outer(reach[:, k], reach[k, :])
    return reach


def _an_entry_in(scenario: Scenario, types: set[str]) -> str:
    """The path of the first spawn entry linking two types of the loop."""
    for demand in scenario.demand:
        if demand.type not in types:
            continue
        for step in scenario.streams[demand.stream].steps:
            for position, entry in enumerate(spawns(step)):
                if entry.type in types and entry.p > 0:
                    return entry_path(demand.stream, step, position)
    return "streams"
