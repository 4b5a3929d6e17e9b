"""Effort and inter-arrival distributions, parameterised the way practitioners think.

Spellings: ``2h`` (fixed), ``exponential(mean=3h)``, ``lognormal(mean=20min, sd=10min)``,
``gamma(mean=2h, cv=1.2)``, ``triangular(min=1h, mode=3h, max=12h)``, ``uniform(min=1h, max=2h)``,
``weibull(mean=4h, shape=1.5)`` or ``weibull(scale=4h, shape=1.5)``, ``empirical([1h, 2h, 5h])``.
A small regular-expression parser reads them; user text is never evaluated.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .limits import (MAX_CV, MAX_EMPIRICAL_VALUES, MAX_HOURS, MAX_WEIBULL_SHAPE, MIN_CV,
                     MIN_WEIBULL_SHAPE)
from .units import format_hours, parse_duration

_CALL = re.compile(r"^\s*([A-Za-z_]+)\s*\((.*)\)\s*$", re.DOTALL)
_LIST = re.compile(r"^\s*\[(.*)\]\s*$", re.DOTALL)


@dataclass(frozen=True)
class Distribution:
    """A non-negative random duration in hours. ``kind`` names it; ``params`` are hours or numbers."""

    kind: str
    params: tuple[tuple[str, float], ...] = ()
    values: tuple[float, ...] = ()

    def param(self, name: str) -> float:
        return dict(self.params)[name]

    @property
    def mean(self) -> float:
        """Expected value in hours (used for offered load and theory checks)."""
        return _MEANS[self.kind](self)

    @property
    def is_fixed(self) -> bool:
        return self.kind == "fixed"

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values in hours."""
        return _SAMPLERS[self.kind](self, rng, size)

    def __str__(self) -> str:
        if self.kind == "fixed":
            return format_hours(self.param("value"))
        if self.kind == "empirical":
            return "empirical([" + ", ".join(format_hours(v) for v in self.values) + "])"
        args = ", ".join(f"{k}={_format_param(k, v)}" for k, v in self.params)
        return f"{self.kind}({args})"


def fixed(hours: float) -> Distribution:
    """A deterministic duration."""
    return Distribution("fixed", (("value", float(hours)),))


_NUMBER_PARAMS = {"cv", "shape"}


def _format_param(name: str, value: float) -> str:
    return repr(value) if name in _NUMBER_PARAMS else format_hours(value)


# Accepted parameter sets per distribution: tuple of names -> canonical kind parameters.
_SIGNATURES: dict[str, list[tuple[str, ...]]] = {
    "exponential": [("mean",)],
    "lognormal": [("mean", "sd"), ("mean", "cv")],
    "gamma": [("mean", "cv"), ("mean", "sd")],
    "triangular": [("min", "mode", "max")],
    "uniform": [("min", "max")],
    "weibull": [("mean", "shape"), ("scale", "shape")],
}

KNOWN = ("fixed", *_SIGNATURES, "empirical")


def parse_distribution(value: object) -> Distribution:
    """Parse a distribution spelling (see the module docstring) into a :class:`Distribution`."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, str) and not _CALL.match(value):
        return fixed(parse_duration(value))
    if not isinstance(value, str):
        parse_duration(value)  # raises the right message for numbers and other types
    name, body = _CALL.match(value).groups()  # type: ignore[union-attr]
    name = name.lower()
    if name == "empirical":
        return _parse_empirical(body, value)
    if name not in _SIGNATURES:
        raise ValueError(f"unknown distribution {name!r} in {value!r}; expected one of {', '.join(KNOWN)}")
    args = _parse_args(body, value)
    for signature in _SIGNATURES[name]:
        if set(signature) == set(args):
            return _build(name, args)
    options = " or ".join(f"{name}({', '.join(s)})" for s in _SIGNATURES[name])
    raise ValueError(f"{value!r} has parameters ({', '.join(args)}); expected {options}")


def _parse_args(body: str, text: str) -> dict[str, float]:
    args: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in body.split(","))):
        key, sep, raw = part.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"expected name=value parameters in {text!r}, got {part!r}")
        if key in args:
            raise ValueError(f"parameter {key!r} given twice in {text!r}")
        args[key] = _parse_number(raw, text) if key in _NUMBER_PARAMS else parse_duration(raw)
    return args


def _parse_number(raw: str, text: str) -> float:
    try:
        number = float(raw)
    except (ValueError, OverflowError):
        raise ValueError(f"expected a plain number in {text!r}, got {raw!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"expected a non-negative number in {text!r}, got {raw!r}")
    return number


def _parse_empirical(body: str, text: str) -> Distribution:
    match = _LIST.match(body)
    if not match:
        raise ValueError(f"expected empirical([1h, 2h, ...]), got {text!r}")
    parts = [v.strip() for v in match.group(1).split(",") if v.strip()]
    if len(parts) > MAX_EMPIRICAL_VALUES:
        raise ValueError(f"empirical takes at most {MAX_EMPIRICAL_VALUES:,} values, got {len(parts):,}")
    values = tuple(parse_duration(v) for v in parts)
    if not values:
        raise ValueError(f"empirical needs at least one value, got {text!r}")
    return Distribution("empirical", values=values)


def _build(name: str, args: dict[str, float]) -> Distribution:
    if name in ("lognormal", "gamma"):
        mean = args["mean"]
        if mean <= 0:
            raise ValueError(f"{name}: mean must be > 0, got {format_hours(mean)}")
        cv = args["cv"] if "cv" in args else args["sd"] / mean
        if cv <= 0:
            raise ValueError(f"{name}: the spread (sd or cv) must be > 0; use a fixed duration for none")
        if not MIN_CV <= cv <= MAX_CV:
            # Beyond these the draws overflow or underflow (lognormal sigma^2 = ln(1 + cv^2), gamma shape 1/cv^2).
            raise ValueError(f"{name}: the coefficient of variation (sd / mean) must be between {MIN_CV:g} and "
                             f"{MAX_CV:g}, got {cv:.3g}" + ("; use a fixed duration" if cv < MIN_CV else ""))
        key = "cv" if "cv" in args else "sd"
        return Distribution(name, (("mean", mean), (key, args[key])))
    if name == "exponential" and args["mean"] <= 0:
        raise ValueError(f"exponential: mean must be > 0, got {format_hours(args['mean'])}")
    if name == "triangular" and not args["min"] <= args["mode"] <= args["max"]:
        raise ValueError("triangular: expected min <= mode <= max, got "
                         f"{format_hours(args['min'])}, {format_hours(args['mode'])}, {format_hours(args['max'])}")
    if name == "triangular" and args["min"] == args["max"]:
        raise ValueError("triangular: min and max are equal; use a fixed duration")
    if name == "uniform" and not args["min"] < args["max"]:
        raise ValueError(f"uniform: expected min < max, got {format_hours(args['min'])}, {format_hours(args['max'])}")
    if name == "weibull" and not MIN_WEIBULL_SHAPE <= args["shape"] <= MAX_WEIBULL_SHAPE:
        # The mean is scale x Gamma(1 + 1/shape): over a million times the scale below 0.1, overflow near 0.006.
        raise ValueError(f"weibull: shape must be between {MIN_WEIBULL_SHAPE:g} and {MAX_WEIBULL_SHAPE:g}, "
                         f"got {args['shape']:g}")
    if name == "weibull" and "mean" in args and args["mean"] <= 0 or "scale" in args and args["scale"] <= 0:
        raise ValueError(f"weibull: {'mean' if 'mean' in args else 'scale'} must be > 0")
    order = next(s for s in _SIGNATURES[name] if set(s) == set(args))
    built = Distribution(name, tuple((k, args[k]) for k in order))
    if not built.mean <= MAX_HOURS:
        raise ValueError(f"{name}: the mean would be {format_hours(built.mean)}, more than the longest duration "
                         f"accepted ({MAX_HOURS / 8766:,.0f} years)")
    return built


def _cv(d: Distribution) -> float:
    p = dict(d.params)
    return p["cv"] if "cv" in p else p["sd"] / p["mean"]


def _weibull_scale(d: Distribution) -> float:
    p = dict(d.params)
    return p["scale"] if "scale" in p else p["mean"] / math.gamma(1 + 1 / p["shape"])


def _lognormal(d: Distribution, rng: np.random.Generator, n: int) -> np.ndarray:
    # Moments to parameters: sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2.
    sigma2 = math.log1p(_cv(d) ** 2)
    return rng.lognormal(math.log(d.param("mean")) - sigma2 / 2, math.sqrt(sigma2), n)


def _gamma(d: Distribution, rng: np.random.Generator, n: int) -> np.ndarray:
    # shape k = 1 / cv^2 and scale theta = mean * cv^2 give the requested mean and cv.
    cv2 = _cv(d) ** 2
    return rng.gamma(1 / cv2, d.param("mean") * cv2, n)


_SAMPLERS = {
    "fixed": lambda d, rng, n: np.full(n, d.param("value")),
    "exponential": lambda d, rng, n: rng.exponential(d.param("mean"), n),
    "lognormal": _lognormal,
    "gamma": _gamma,
    "triangular": lambda d, rng, n: rng.triangular(d.param("min"), d.param("mode"), d.param("max"), n),
    "uniform": lambda d, rng, n: rng.uniform(d.param("min"), d.param("max"), n),
    "weibull": lambda d, rng, n: _weibull_scale(d) * rng.weibull(d.param("shape"), n),
    "empirical": lambda d, rng, n: rng.choice(np.asarray(d.values), n),
}

_MEANS = {
    "fixed": lambda d: d.param("value"),
    "exponential": lambda d: d.param("mean"),
    "lognormal": lambda d: d.param("mean"),
    "gamma": lambda d: d.param("mean"),
    "triangular": lambda d: (d.param("min") + d.param("mode") + d.param("max")) / 3,
    "uniform": lambda d: (d.param("min") + d.param("max")) / 2,
    "weibull": lambda d: _weibull_scale(d) * math.gamma(1 + 1 / d.param("shape")),
    "empirical": lambda d: float(np.mean(d.values)),
}
