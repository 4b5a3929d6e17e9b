"""A variant file's format (pydantic): its name, its edits of a base scenario and its economics.

variants.py applies it; the Scenario built from it keeps it (``variants.variant_of``).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..fields import FrozenModel, Money, number
from ..limits import MAX_MONEY
from .edits import MAX_SCALE


class Economics(FrozenModel):
    """What a variant costs and when its benefit starts (used by business cases)."""

    investment: Money = Field(0.0, description="One-off cost, in the scenario's currency.")
    running_cost: Money = Field(0.0, description="Cost per month while it runs.")
    lead_time: number(ge=0, le=1200) = Field(0.0, description="Months before the benefit starts.")
    size: number(gt=0, le=MAX_MONEY) | None = Field(None, description="Effort to deliver it, for WSJF-style ranking.")


class Variant(FrozenModel):
    """A variant file: a name and the edits that turn its base scenario into it."""

    name: str
    description: str = ""
    base: str | None = Field(None, description="Base scenario file, relative to the variant file.")
    set: dict[str, Any] = Field(default_factory=dict, description="Dotted path -> new value.")
    scale: dict[str, number(gt=0, le=MAX_SCALE)] = Field(default_factory=dict, description="Dotted path -> multiplier.")
    economics: Economics | None = None
