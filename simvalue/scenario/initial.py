"""The open items a run starts from (``initial:``): the schema of a list in the YAML or a snapshot file,
and the checked open items the loader makes of either (snapshot.py reads and checks them).

A real service desk plans from the tickets already open. Each open item has a type, the step it is
at, a priority and an age; the engine places them there at t = 0 (engine/initial.py). A snapshot
file is a CSV export of open tickets (columns ``id, type, priority, step, opened_at``); its ages are
measured from the scenario's ``start``, and a relative path is relative to the scenario file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Union

from pydantic import Discriminator, Field, Tag, model_validator

from ..distributions import Distribution
from ..fields import Dist, FrozenModel, Name
from ..fields import count as whole  # the field below is named count
from ..limits import MAX_INITIAL_ITEMS

#: The columns a snapshot file must have (others are ignored: real exports carry many more).
SNAPSHOT_COLUMNS = ("id", "type", "priority", "step", "opened_at")


class InitialItems(FrozenModel):
    """``count`` open items of one type at one step, each ``age`` old (a duration or a distribution)."""

    type: Name = Field(description="The demand type of the items.")
    step: Name = Field(description="The step of the type's stream the items are at (in its queue).")
    count: whole(ge=0, le=MAX_INITIAL_ITEMS) = Field(1, description="How many such items are open.")
    priority: Name | None = Field(None, description="Their priority (default: drawn from the type's mix).")
    age: Dist = Field(description="Time since each item arrived: '3d', or e.g. 'uniform(min=1d, max=10d)'.")


class InitialSnapshot(FrozenModel):
    """A snapshot file of open tickets: ``{file: open_tickets.csv}`` (relative to the scenario file)."""

    file: str = Field(min_length=1, max_length=4096, description="CSV file with the columns id, type, "
                      "priority, step, opened_at (opened_at before the scenario's start).")

    @model_validator(mode="before")
    @classmethod
    def _a_file(cls, data: Any) -> Any:
        if isinstance(data, dict) and "file" not in data:
            raise ValueError("expected a list of open items ([{type, step, count, age}, ...]) or a snapshot "
                             "file ({file: open_tickets.csv})")
        return data


def _shape(value: Any) -> str:
    return "<file>" if isinstance(value, (dict, InitialSnapshot)) else "<items>"


#: ``initial:``: a list of open items, or a snapshot file of open tickets.
Initial = Annotated[Union[Annotated[list[InitialItems], Tag("<items>")], Annotated[InitialSnapshot, Tag("<file>")]],
                    Discriminator(_shape)]


@dataclass(frozen=True)
class OpenItems:
    """``count`` checked open items of ``type`` at ``step``; ``ticket`` is a snapshot row's id."""

    type: str
    step: str
    count: int
    priority: str | None
    age: Distribution
    ticket: str | None = None
