"""Values that depend on an item's priority: ``{by: priority, P1: ..., other: ...}`` tables.

A step's ``next`` (routing) and ``effort`` may be given per priority, so that a P1 is handled
differently all the way through (a major-incident path, a shorter triage) without a demand type
per priority. ``other`` covers every priority not listed and items without a priority. A table is
resolved to a plain value per priority (``Stream.for_priority``); everything downstream (traffic
equations, offered load, the engine's routing tables) works on resolved streams.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import Field, field_validator, model_validator

from ..fields import Dist, FrozenModel, Name, Probability, sums_to_one

#: The key of a table's default entry.
OTHER = "other"
#: What a table may depend on besides a declared attribute's name.
PRIORITY = "priority"


class ItemClass(NamedTuple):
    """What the tables of an item's way depend on: its priority and its attributes' values
    (``((name, value), ...)``, sorted by name). Items of a type without attributes use the bare
    priority label instead; ``value_of`` reads either."""

    priority: str | None
    attributes: tuple[tuple[str, str], ...] = ()


def value_of(item_class: ItemClass | str | None, by: str) -> str | None:
    """The value a table ``by: <by>`` looks up for an item class (an ItemClass, or a priority label)."""
    if isinstance(item_class, ItemClass):
        return item_class.priority if by == PRIORITY else dict(item_class.attributes).get(by)
    return item_class if by == PRIORITY else None


def priority_of(item_class: ItemClass | str | None) -> str | None:
    """The priority label of an item class (an ItemClass, or a priority label itself)."""
    return item_class.priority if isinstance(item_class, ItemClass) else item_class


class _ByPriority(FrozenModel):
    """A table ``{by: priority | <attribute>, <value>: entry, ..., other: entry}``; ``cases`` holds the
    entries."""

    by: Name = Field(description="What the value depends on: 'priority', or a declared attribute's name.")
    cases: dict[Name, Any]

    @model_validator(mode="before")
    @classmethod
    def _entries(cls, data: Any) -> Any:
        if isinstance(data, dict) and "cases" not in data:
            entries = {k: v for k, v in data.items() if k != "by"}
            if not entries:
                raise ValueError("a 'by: priority' table needs at least one entry (a priority, or 'other')")
            return {"by": data.get("by"), "cases": entries}
        return data

    def for_priority(self, label: str | None) -> Any:
        """The entry for the value ``label`` of what the table depends on (None: an item without one),
        else ``other``; None if neither."""
        if label is not None and label in self.cases:
            return self.cases[label]
        return self.cases.get(OTHER)

    def for_class(self, item_class: ItemClass | str | None) -> Any:
        """The entry an item of ``item_class`` (an ItemClass or a priority label) takes."""
        return self.for_priority(value_of(item_class, self.by))

    def labels(self) -> list[str]:
        return [k for k in self.cases if k != OTHER]


class NextByPriority(_ByPriority):
    """Routing per priority: ``{by: priority, P1: {major: 1.0}, other: {resolve: 0.9, escalate: 0.1}}``."""

    cases: dict[Name, dict[Name, Probability]]

    @field_validator("cases")
    @classmethod
    def _sums(cls, cases: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for label, probabilities in cases.items():
            sums_to_one(probabilities, f"'next' probabilities for {label}")
        return cases


class EffortByPriority(_ByPriority):
    """Effort per priority: ``{by: priority, P1: 30min, other: "exponential(mean=2h)"}``."""

    cases: dict[Name, Dist]

    def __str__(self) -> str:
        return "by priority: " + ", ".join(f"{k} {v}" for k, v in self.cases.items())


class ApproveByPriority(_ByPriority):
    """A gate's approval probability per priority: ``{by: priority, P1: 1.0, other: 0.9}``."""

    cases: dict[Name, Probability]


def shape(value: Any) -> str:
    """Which spelling a ``next`` or ``effort`` uses: a plain value or a table by priority."""
    if isinstance(value, _ByPriority) or (isinstance(value, dict) and "by" in value):
        return "<by priority>"
    return "<plain>"


__all__ = ["ApproveByPriority", "EffortByPriority", "ItemClass", "NextByPriority", "OTHER", "PRIORITY", "priority_of",
           "shape", "value_of"]
