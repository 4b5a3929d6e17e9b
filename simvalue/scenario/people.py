"""The schema of people with several skills: a team's groups (``people``) and shares (``shared_with``).

YAML, on a team: ``people: [{name, count, skills: [TEAM, ...]}]`` (groups whose counts add up to the
team's capacity; on a team with a calendar, people on duty in its hours), or the shorthand
``shared_with: {TEAM: SHARE}``: a share of the team's *people* on duty (not of their time), rounded half
up to whole people (on each shift, of that shift's headcount), who also serve that team's queue. What they
mean across teams (groups, checks, pooled capacity) is scenario/skills.py.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import Field, PlainSerializer, PlainValidator, WithJsonSchema

from ..fields import Capacity, FrozenModel, Name
from ..limits import MAX_LABEL, MAX_SHARED_TEAMS

#: The serving rule and its tie-break when a team does not say (docs/scenario-format.md#people-with-several-skills).
DEFAULT_SERVE, DEFAULT_THEN = "own_first", "longest_queue"
#: Most groups of people one team may list.
MAX_GROUPS = 100


def _read_share(value: Any) -> float:
    """A share of people: '50%' or a number in (0, 1]; never a yes/no."""
    if isinstance(value, bool):
        raise ValueError(f"expected a share such as 50% or 0.5, got the yes/no value {value!r}")
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(f"expected a share such as 50% or 0.5, got {value!r}") from None
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        raise ValueError(f"expected a share such as 50% or 0.5, got {type(value).__name__}")
    if not (math.isfinite(number) and 0 < number <= 1):
        raise ValueError(f"must be more than 0% and at most 100%, got {value!r}")
    return number


#: A share of a team's people, written ``50%`` or ``0.5``; written back as a percentage.
Share = Annotated[float, PlainValidator(_read_share), PlainSerializer(lambda v: f"{100 * v:g}%", when_used="json"),
                  WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^\d*\.?\d+\s*%$"}, {"type": "number"}],
                                  "description": "A share of the team's people, e.g. 50% (rounded half up)."})]


class PeopleGroup(FrozenModel):
    """``count`` people of this team who also hold the skills of the teams in ``skills``."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_LABEL)] = Field(
        description="What the group is called in reports, e.g. 'network engineers who help the desk'.")
    count: Capacity = Field(description="People in the group (the groups of a team add up to its capacity).")
    skills: list[Name] = Field(default_factory=list, max_length=MAX_SHARED_TEAMS,
                               description="Other teams whose queues these people also serve (none: only their own).")
