"""Field types shared by the scenario format and the step kinds: names, finite numbers, counts,
durations, rates, money and distributions, each parsed and bounded once (limits.py).

Durations and distributions are parsed on the way in (``"20min"`` -> hours) and written back in
canonical spelling on ``model_dump(mode="json")``, so a scenario round-trips through YAML.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, PlainValidator
from pydantic import Strict, StringConstraints, WithJsonSchema

from .distributions import Distribution, parse_distribution
from .limits import MAX_CAPACITY, MAX_MONEY
from .units import format_hours, parse_duration, parse_rate

PROBABILITY_TOLERANCE = 1e-6
#: Routing words: an item leaves its stream with value (``done``) or without (``drop``).
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
                    "weibull(mean|scale, shape), empirical([...]), empirical([value: weight, ...]), "
                    "empirical(quantiles: {0: value, ..., 1: value}), mixture(weight: distribution, ...); "
                    "quote the last three in YAML."}),
]


class FrozenModel(BaseModel):
    """A part of the scenario format: unknown fields refused, frozen once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def sums_to_one(probabilities: dict[str, float], what: str) -> dict[str, float]:
    total = sum(probabilities.values())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise ValueError(f"{what} must sum to 1, got {total:.6g}")
    return probabilities
