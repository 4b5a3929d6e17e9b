"""The scenario file format as pydantic models: every field, default and range lives here.

Durations and distributions are parsed on the way in (``"20min"`` -> hours) and written back
in canonical spelling on ``model_dump(mode="json")``, so a scenario round-trips through YAML.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, PlainValidator, PrivateAttr
from pydantic import Strict, StringConstraints, WithJsonSchema, field_validator, model_validator

from ..activities import Activity
from ..distributions import Distribution, fixed, parse_distribution
from ..limits import MAX_CAPACITY, MAX_MONEY, MAX_PROFILE_MULTIPLIER
from ..units import format_hours, parse_duration, parse_rate

PROBABILITY_TOLERANCE = 1e-6
DONE = "done"
DROP = "drop"

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")]


def _not_a_boolean(value: Any) -> Any:
    """YAML reads yes/no/on/off as booleans; a boolean is never accepted where a number is expected."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got the yes/no value {value!r}")
    return value


def number(**bounds: float):
    """A finite float field type (no NaN, no infinity, no yes/no) within ``bounds`` (ge, le, gt)."""
    return Annotated[float, BeforeValidator(_not_a_boolean), Field(allow_inf_nan=False, **bounds)]


def _whole_number(value: Any) -> Any:
    """A whole float (2.0, as a sweep's table stores it) is an integer; a yes/no never is."""
    value = _not_a_boolean(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def count(**bounds: int):
    """A whole-number field type: an integer (never a yes/no, a fraction or text) within ``bounds``."""
    return Annotated[int, BeforeValidator(_whole_number), Strict(), Field(**bounds)]


Probability = number(ge=0.0, le=1.0)
Money = number(ge=0.0, le=MAX_MONEY)
Capacity = count(ge=1, le=MAX_CAPACITY)

def _spell_rate(per_hour: float) -> str:
    return f"{per_hour!r}/h"


def _each(spell):
    """A serializer that spells a value, or each value of a mapping (for per-priority unions)."""
    return lambda value: {k: spell(v) for k, v in value.items()} if isinstance(value, dict) else spell(value)


_DURATION_PATTERN = r"^\d*\.?\d+\s*(s|min|h|d|w)$"


def _duration(parse, description: str):
    """A duration field type: parsed from '20min', written back in canonical spelling."""
    return Annotated[float, PlainValidator(parse), PlainSerializer(_each(format_hours), when_used="json"),
                     WithJsonSchema({"type": "string", "pattern": _DURATION_PATTERN, "description": description})]


Duration = _duration(parse_duration, "A duration with a unit: s, min, h, d or w (e.g. '20min', '3d').")
PositiveDuration = _duration(lambda v: parse_duration(v, allow_zero=False),
                             "A positive duration with a unit: s, min, h, d or w.")
_RATE_PATTERN = r"^\d*\.?\d+\s*/\s*\d*\.?\d*\s*(s|min|h|d|w)$"
Rate = Annotated[
    float,
    PlainValidator(parse_rate),
    PlainSerializer(_each(_spell_rate), when_used="json"),
    WithJsonSchema({"type": "string", "pattern": _RATE_PATTERN,
                    "description": "Events per unit of time, e.g. '40/d' or '3/h'."}),
]
MoneyRate = Annotated[
    float,
    PlainValidator(lambda v: parse_rate(v, maximum=MAX_MONEY, what="money rate")),
    PlainSerializer(_each(_spell_rate), when_used="json"),
    WithJsonSchema({"type": "string", "pattern": _RATE_PATTERN,
                    "description": "Money per unit of time, e.g. '200/d'."}),
]
Dist = Annotated[
    Distribution,
    PlainValidator(parse_distribution),
    PlainSerializer(str, when_used="json"),
    WithJsonSchema({"type": "string", "description":
                    "A fixed duration ('2h') or a distribution: exponential(mean), lognormal(mean, sd|cv), "
                    "gamma(mean, cv|sd), triangular(min, mode, max), uniform(min, max), "
                    "weibull(mean|scale, shape), empirical([...])."}),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _sums_to_one(probabilities: dict[str, float], what: str) -> dict[str, float]:
    total = sum(probabilities.values())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise ValueError(f"{what} must sum to 1, got {total:.6g}")
    return probabilities


class Team(_Model):
    """A resource pool: ``capacity`` people (or agents) working items one at a time each."""

    capacity: Capacity = Field(description="Number of people who can each work one item at a time.")
    cost_per_hour: Money | None = Field(None, description="Cost of one person-hour, in `currency`.")


class Profile(_Model):
    """Relative arrival intensity by hour of day and day of week (Monday first), scaled to mean 1."""

    by_hour: list[number(ge=0, le=MAX_PROFILE_MULTIPLIER)] | None = Field(None, min_length=24, max_length=24)
    by_weekday: list[number(ge=0, le=MAX_PROFILE_MULTIPLIER)] | None = Field(None, min_length=7, max_length=7)

    @field_validator("by_hour", "by_weekday")
    @classmethod
    def _some_positive(cls, values: list[float] | None) -> list[float] | None:
        if values is not None and max(values) <= 0:
            raise ValueError("needs at least one positive multiplier")
        return values


class Arrivals(_Model):
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


class Demand(_Model):
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
        return _sums_to_one(value, "priority probabilities") if isinstance(value, dict) else value


class Automation(_Model):
    """A ``share`` of this step's executions run automated: ``effort`` long, holding no team."""

    share: Probability
    effort: Dist


class _Gate(_Model):
    approve: Probability = Field(1.0, description="Probability an item is approved.")
    on_reject: Name = Field(DROP, description="Step a rejected item returns to (rework), or 'drop'.")


class CabGate(_Gate):
    """A change advisory board: items wait for the next meeting, then are decided."""

    kind: Literal["cab"]
    meets: PositiveDuration = Field(description="Interval between meetings, e.g. '1w'.")
    first: Duration | None = Field(None, description="Time of the first meeting (default: one interval in).")
    capacity: Capacity | None = Field(None, description="Most items decided per meeting (default: all).")


class ApproverGate(_Gate):
    """An approver queue: a team reviews each item with an effort, then decides."""

    kind: Literal["approver"]
    team: Name
    effort: Dist


class AutoGate(_Gate):
    """An automated check: a fixed or random delay, then a decision; no team is held."""

    kind: Literal["auto"]
    delay: Dist = Field(fixed(0.0), json_schema_extra={"default": "0h"})


Gate = Annotated[Union[CabGate, ApproverGate, AutoGate], Field(discriminator="kind")]


class Step(_Model):
    """A step of a value stream: work by a team, or an approval gate."""

    name: Name
    activity: Activity
    team: Name | None = None
    effort: Dist | None = None
    gate: Gate | None = None
    automation: Automation | None = None
    next: dict[Name, Probability] | None = Field(
        None, description="Routing: step name (or 'done') -> probability; default is the next listed step.")

    @field_validator("next")
    @classmethod
    def _next_sums(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return _sums_to_one(value, "'next' probabilities") if value is not None else value

    @model_validator(mode="after")
    def _work_or_gate(self) -> "Step":
        if self.gate is not None:
            extra = [f for f in ("team", "effort", "automation") if getattr(self, f) is not None]
            if extra:
                raise ValueError(f"a gate step takes no {', '.join(extra)} (an approver gate names its team "
                                 "and effort inside 'gate')")
        elif self.team is None or self.effort is None:
            missing = " and ".join(f for f in ("team", "effort") if getattr(self, f) is None)
            raise ValueError(f"a work step needs {missing} (or a 'gate')")
        return self

    @property
    def is_gate(self) -> bool:
        return self.gate is not None


class Stream(_Model):
    """A value stream: its steps in order; value is realised when ``value_at`` completes."""

    steps: list[Step] = Field(min_length=1)
    value_at: Name | None = Field(None, description="Step whose completion realises value (default: the end).")


class Scenario(_Model):
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
