"""The scenario file format as pydantic models: every field, default and range lives here.

Durations and distributions are parsed on the way in (``"20min"`` -> hours) and written back
in canonical spelling on ``model_dump(mode="json")``, so a scenario round-trips through YAML.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field, PrivateAttr, field_validator, model_validator

from ..activities import Activity
from ..fields import (DONE, DROP, Capacity, Dist, Duration, FrozenModel, Money, MoneyRate, Name,
                      PositiveDuration, Probability, Rate, count, number, sums_to_one)
from ..limits import MAX_PROFILE_MULTIPLIER
from ..steps import GATE_SCHEMAS, Automation, WaitSettings, kind_of

_Model = FrozenModel  # the name variants.py and older code use
__all__ = ["DONE", "DROP"]  # routing words, re-exported for the modules that read them here


class Team(FrozenModel):
    """A resource pool: ``capacity`` people (or agents) working items one at a time each."""

    capacity: Capacity = Field(description="Number of people who can each work one item at a time.")
    cost_per_hour: Money | None = Field(None, description="Cost of one person-hour, in `currency`.")


class Profile(FrozenModel):
    """Relative arrival intensity by hour of day and day of week (Monday first), scaled to mean 1."""

    by_hour: list[number(ge=0, le=MAX_PROFILE_MULTIPLIER)] | None = Field(None, min_length=24, max_length=24)
    by_weekday: list[number(ge=0, le=MAX_PROFILE_MULTIPLIER)] | None = Field(None, min_length=7, max_length=7)

    @field_validator("by_hour", "by_weekday")
    @classmethod
    def _some_positive(cls, values: list[float] | None) -> list[float] | None:
        if values is not None and max(values) <= 0:
            raise ValueError("needs at least one positive multiplier")
        return values


class Arrivals(FrozenModel):
    """Either a Poisson ``rate`` (optionally shaped by a ``profile``) or a renewal process ``every``."""

    rate: Rate | None = Field(None, description="Mean arrival rate of a Poisson process, e.g. '40/d'.")
    every: Dist | None = Field(None, description="Time between arrivals (a renewal process).")
    profile: Profile | None = None

    @model_validator(mode="after")
    def _one_process(self) -> "Arrivals":
        if (self.rate is None) == (self.every is None):
            raise ValueError("give exactly one of 'rate' (e.g. 40/d) or 'every' (e.g. gamma(mean=3h, cv=0.7))")
        if self.profile is not None and self.rate is None:
            raise ValueError("'profile' shapes a Poisson 'rate'; it cannot be combined with 'every'")
        if self.every is not None and not self.every.mean > 0:
            raise ValueError(f"'every' must have a mean time between arrivals above zero, got {self.every}")
        return self


class Demand(FrozenModel):
    """One type of work item arriving as demand and flowing through one value stream."""

    type: Name
    stream: Name
    arrivals: Arrivals
    priority: Name | dict[Name, Probability] | None = Field(
        None, description="A fixed priority label, or label -> probability (P1 is served first).")
    cost_of_delay: Annotated[Union[MoneyRate, dict[Name, MoneyRate]], Field(union_mode="left_to_right")] | None = \
        Field(None, description="Money lost per unit of time-to-value, e.g. '200/d', or per priority.")
    sla_breach_cost: Annotated[Union[Money, dict[Name, Money]], Field(union_mode="left_to_right")] | None = Field(
        None, description="Penalty per item that misses its SLA target, or per priority.")

    @field_validator("priority")
    @classmethod
    def _priority_sums(cls, value: str | dict[str, float] | None) -> str | dict[str, float] | None:
        return sums_to_one(value, "priority probabilities") if isinstance(value, dict) else value


Gate = Annotated[Union[GATE_SCHEMAS], Field(discriminator="kind")]


class Step(FrozenModel):
    """A step of a value stream: work by a team, an approval gate, or a wait on others (steps/)."""

    name: Name
    activity: Activity
    team: Name | None = None
    effort: Dist | None = None
    gate: Gate | None = None
    wait: WaitSettings | None = None
    automation: Automation | None = None
    next: dict[Name, Probability] | None = Field(
        None, description="Routing: step name (or 'done') -> probability; default is the next listed step.")

    @field_validator("next")
    @classmethod
    def _next_sums(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return sums_to_one(value, "'next' probabilities") if value is not None else value

    @model_validator(mode="after")
    def _one_kind(self) -> "Step":
        if self.gate is not None and self.wait is not None:
            raise ValueError("a step is either a gate or a wait, not both")
        special = "gate" if self.gate is not None else "wait" if self.wait is not None else None
        if special is not None:
            extra = [f for f in ("team", "effort", "automation") if getattr(self, f) is not None]
            if extra:
                hint = " (an approver gate names its team and effort inside 'gate')" if special == "gate" else ""
                raise ValueError(f"a {special} step takes no {', '.join(extra)}{hint}")
        elif self.team is None or self.effort is None:
            missing = " and ".join(f for f in ("team", "effort") if getattr(self, f) is None)
            raise ValueError(f"a work step needs {missing} (or a 'gate' or a 'wait')")
        return self

    @property
    def kind(self):
        """This step's kind (steps/): work, cab, approver, auto or wait."""
        return kind_of(self)


class Stream(FrozenModel):
    """A value stream: its steps in order; value is realised when ``value_at`` completes."""

    steps: list[Step] = Field(min_length=1)
    value_at: Name | None = Field(None, description="Step whose completion realises value (default: the end).")


class Scenario(FrozenModel):
    """A whole scenario: teams, demand and value streams, and how long and often to run it."""

    name: str
    description: str = ""
    horizon: PositiveDuration = Field(description="How long demand arrives after the warm-up.")
    warmup: Duration = Field(0.0, description="Arrivals during the warm-up are simulated, not reported.",
                             json_schema_extra={"default": "0h"})
    drain: Duration | None = Field(
        None, description="Longest time items in flight may take to finish after arrivals stop "
                          "(default: one horizon).")
    allow_overload: bool = Field(
        False, description="Run even when offered load reaches capacity: for short transient studies "
                           "(a surge, a backlog burn-down); the drain limit still ends each run.")
    replications: count(ge=1, le=100_000) = 10
    seed: count(ge=0, lt=2**63) = 1
    currency: str | None = Field(None, description="Label of the money amounts (e.g. EUR); never assumed.")
    sla: dict[Name, Annotated[Union[Duration, dict[Name, Duration]], Field(union_mode="left_to_right")]] = Field(
        default_factory=dict, description="Time-to-value targets per item type, optionally per priority: "
                                          "{incident: {P1: 4h, P2: 8h}, change: 10d}.")
    teams: dict[Name, Team] = Field(default_factory=dict)
    demand: list[Demand] = Field(min_length=1)
    streams: dict[Name, Stream] = Field(min_length=1)
    _variant: Any = PrivateAttr(default=None)  # the Variant this scenario was built from, if any

    def sla_target(self, item_type: str, priority: str | None) -> float | None:
        """The time-to-value target in hours for one type (and priority), or None."""
        target = self.sla.get(item_type)
        if isinstance(target, dict):
            return target.get(priority) if priority is not None else None
        return target

    @property
    def drain_limit(self) -> float:
        return self.horizon if self.drain is None else self.drain
