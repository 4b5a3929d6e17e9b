"""Linked records as a step field: ``spawn: {type: change, p: 0.4}`` raises new items of another type.

A real desk links records: a problem, once diagnosed, raises a change; a failed change raises
incidents. When the step ends (a gate: when it decides; a wait: when it ends), with probability
``p`` it raises ``count`` items of demand type ``type``, each entering the first step of that type's
stream with its own id and its parent's id. Cross-references and the expected number of
descendants are checked in scenario/spawn_checks.py; the engine side is engine/spawn.py.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Discriminator, Field, Tag

from ..fields import FrozenModel, Name, Probability, count
from ..limits import MAX_SPAWN_COUNT, MAX_SPAWN_ENTRIES

#: ``priority: inherit``: the new item takes its parent's priority.
INHERIT = "inherit"
#: Items one entry raises at once (a module-level name: the field ``count`` shadows the function).
SpawnCount = count(ge=1, le=MAX_SPAWN_COUNT)


class Spawn(FrozenModel):
    """One kind of linked record a step raises: ``{type: change, p: 0.4, count: 1, priority: inherit}``."""

    type: Name = Field(description="Demand type of the new item; it enters the first step of that type's stream.")
    p: Probability = Field(1.0, description="Probability that an execution of the step raises it.")
    count: SpawnCount = Field(1, description="Items raised at once when it does.")
    priority: Name | None = Field(
        None, description="A priority label, or 'inherit' to take the parent's (default: drawn from the new "
                          "type's priority mix).")


def _shape(value: Any) -> str:
    return "<list>" if isinstance(value, list) else "<one>"


#: The ``spawn`` field: one entry or a list of them.
SpawnField = Annotated[Union[Annotated[Spawn, Tag("<one>")],
                             Annotated[list[Spawn], Tag("<list>"), Field(max_length=MAX_SPAWN_ENTRIES)]],
                       Discriminator(_shape)]


def spawns(step) -> list[Spawn]:
    """The entries under a step's ``spawn`` as a list (empty without one)."""
    value = getattr(step, "spawn", None)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


__all__ = ["INHERIT", "Spawn", "SpawnField", "spawns"]
