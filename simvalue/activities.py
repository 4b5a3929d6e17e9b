"""The six ITIL 4 service value chain activities, spelled as in scenario files."""

from __future__ import annotations

from enum import StrEnum


class Activity(StrEnum):
    """A value-chain activity; every step of a value stream belongs to exactly one."""

    PLAN = "plan"
    IMPROVE = "improve"
    ENGAGE = "engage"
    DESIGN_AND_TRANSITION = "design_and_transition"
    OBTAIN_BUILD = "obtain_build"
    DELIVER_AND_SUPPORT = "deliver_and_support"
