"""Effort and inter-arrival distributions, parameterised the way practitioners think.

Spellings: ``2h`` (fixed), ``exponential(mean=3h)``, ``lognormal(mean=20min, sd=10min)``,
``gamma(mean=2h, cv=1.2)``, ``triangular(min=1h, mode=3h, max=12h)``, ``uniform(min=1h, max=2h)``,
``weibull(mean=4h, shape=1.5)`` or ``weibull(scale=4h, shape=1.5)``, ``empirical([1h, 2h, 5h])``,
``empirical([1h: 0.2, 4h: 0.8])`` (weighted values), ``empirical(quantiles: {0: 5min, 0.5: 4h, 1: 10d})``
(a piecewise-linear quantile function) and ``mixture(0.36: exponential(mean=3min), 0.64: 3d)``.
A small regular-expression and bracket-counting parser reads them; user text is never evaluated.
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
_QUANTILES = re.compile(r"^\s*quantiles\s*:\s*\{(.*)\}\s*$", re.DOTALL)
_SYNTAX = re.compile(r"[()\[\]{},:]")
_OPENING, _CLOSING = "([{", ")]}"
#: How far from 1 the weights of a mixture or an empirical may sum (as for routing probabilities).
WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Distribution:
    """A non-negative random duration in hours. ``kind`` names it; ``params`` are hours or numbers.

    ``values`` are an empirical's durations (kind ``empirical``) or a quantile table's values
    (kind ``quantiles``). ``weights`` are the values' probabilities (empty: equally likely), the
    table's cumulative probabilities, or a mixture's component probabilities; ``components`` are
    a mixture's distributions (never mixtures themselves).
    """

    kind: str
    params: tuple[tuple[str, float], ...] = ()
    values: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()
    components: tuple[Distribution, ...] = ()

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
            items = [format_hours(v) for v in self.values]
            if self.weights:
                items = [f"{v}: {_format_weight(w)}" for v, w in zip(items, self.weights)]
            return "empirical([" + ", ".join(items) + "])"
        if self.kind == "quantiles":
            points = (f"{_format_weight(p)}: {format_hours(v)}" for p, v in zip(self.weights, self.values))
            return "empirical(quantiles: {" + ", ".join(points) + "})"
        if self.kind == "mixture":
            parts = (f"{_format_weight(w)}: {c}" for w, c in zip(self.weights, self.components))
            return "mixture(" + ", ".join(parts) + ")"
        args = ", ".join(f"{k}={_format_param(k, v)}" for k, v in self.params)
        return f"{self.kind}({args})"


def fixed(hours: float) -> Distribution:
    """A deterministic duration."""
    return Distribution("fixed", (("value", float(hours)),))


_NUMBER_PARAMS = {"cv", "shape"}


def _format_param(name: str, value: float) -> str:
    return repr(value) if name in _NUMBER_PARAMS else format_hours(value)


def _format_weight(weight: float) -> str:
    """Shortest exact spelling of a weight or probability: ``0.36``, ``1`` (not ``1.0``)."""
    text = repr(weight)
    return text[:-2] if text.endswith(".0") else text


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


# Accepted parameter sets per distribution: tuple of names -> canonical kind parameters.
_SIGNATURES: dict[str, list[tuple[str, ...]]] = {
    "exponential": [("mean",)],
    "lognormal": [("mean", "sd"), ("mean", "cv")],
    "gamma": [("mean", "cv"), ("mean", "sd")],
    "triangular": [("min", "mode", "max")],
    "uniform": [("min", "max")],
    "weibull": [("mean", "shape"), ("scale", "shape")],
}

KNOWN = ("fixed", *_SIGNATURES, "empirical", "mixture")


def parse_distribution(value: object) -> Distribution:
    """Parse a distribution spelling (see the module docstring) into a :class:`Distribution`."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, (dict, list)):
        raise ValueError(_unquoted_hint(value))
    if isinstance(value, str) and not _CALL.match(value):
        return fixed(parse_duration(value))
    if not isinstance(value, str):
        parse_duration(value)  # raises the right message for numbers and other types
    name, body = _CALL.match(value).groups()  # type: ignore[union-attr]
    name = name.lower()
    if name == "empirical":
        return _parse_empirical(body, value)
    if name == "mixture":
        return _parse_mixture(body, value)
    if name not in _SIGNATURES:
        raise ValueError(f"unknown distribution {name!r} in {value!r}; expected one of {', '.join(KNOWN)}")
    args = _parse_args(body, value)
    for signature in _SIGNATURES[name]:
        if set(signature) == set(args):
            return _build(name, args)
    options = " or ".join(f"{name}({', '.join(s)})" for s in _SIGNATURES[name])
    raise ValueError(f"{value!r} has parameters ({', '.join(args)}); expected {options}")


def _unquoted_hint(value: dict | list) -> str:
    """Why a mapping or list arrived where a distribution was expected: YAML split an unquoted one."""
    if isinstance(value, list):
        listed = ", ".join(map(str, value)) if all(isinstance(v, str) for v in value) else "1h, 2h, 5h"
        return (f"expected a distribution written as text, got the list {_short(repr(value))}; YAML reads "
                f"[...] as a list: quote the distribution, e.g. \"empirical([{_short(listed)}])\"")
    example = "mixture(0.36: exponential(mean=3min), 0.64: lognormal(mean=3d, sd=2d))"
    if 0 < len(value) <= 5 and all(isinstance(k, (int, float)) and isinstance(v, str) for k, v in value.items()):
        example = "mixture(" + ", ".join(f"{k}: {v}" for k, v in value.items()) + ")"
    return (f"expected a distribution written as text, got the mapping {_short(repr(value))}; YAML reads "
            f"'a: b' as a mapping: quote the whole distribution, e.g. \"{_short(example, 120)}\"")


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


def _split(body: str, text: str) -> list[str]:
    """The non-empty parts of ``body`` between top-level commas; every bracket must be closed."""
    parts, expected, start = [], [], 0
    for match in _SYNTAX.finditer(body):
        char = match.group()
        if char in _OPENING:
            expected.append(_CLOSING[_OPENING.index(char)])
        elif char in _CLOSING and (not expected or expected.pop() != char):
            raise ValueError(f"unbalanced {char!r} in {_short(text)!r}")
        elif char == "," and not expected:
            parts.append(body[start:match.start()])
            start = match.end()
    if expected:
        raise ValueError(f"a {expected[-1]!r} is missing in {_short(text)!r}")
    parts.append(body[start:])
    return [part.strip() for part in parts if part.strip()]


def _pair(part: str, form: str, text: str) -> tuple[str, str]:
    """``part`` split at its first top-level colon (``part`` comes from :func:`_split`: balanced)."""
    depth = 0
    for match in _SYNTAX.finditer(part):
        char = match.group()
        depth += (char in _OPENING) - (char in _CLOSING)
        if char == ":" and depth == 0:
            return part[:match.start()].strip(), part[match.end():].strip()
    raise ValueError(f"expected '{form}' in {_short(text)!r}, got {_short(part)!r}")


def _fraction(raw: str, what: str, text: str, *, zero: bool) -> float:
    """A weight (in (0, 1]) or a cumulative probability (in [0, 1]) written as a plain number."""
    try:
        number = float(raw)
    except (ValueError, OverflowError):
        raise ValueError(f"expected a {what} (a plain number) in {_short(text)!r}, got {raw!r}") from None
    if not (0 <= number <= 1 if zero else 0 < number <= 1):
        interval = "between 0 and 1" if zero else "greater than 0 and at most 1"
        raise ValueError(f"a {what} must be {interval}, got {raw!r} in {_short(text)!r}")
    return number


def _weights(raw: list[str], name: str, text: str) -> tuple[float, ...]:
    weights = tuple(_fraction(w, "weight", text, zero=False) for w in raw)
    total = math.fsum(weights)
    if abs(total - 1) > WEIGHT_TOLERANCE:
        raise ValueError(f"{name}: the weights must sum to 1, got {total:.12g} in {_short(text)!r}")
    return weights


def _counted(parts: list[str], name: str, noun: str, text: str) -> list[str]:
    """``parts`` if there are between 1 and MAX_EMPIRICAL_VALUES of them (``noun`` is a plural)."""
    if not parts:
        raise ValueError(f"{name} needs at least one {noun[:-1]}, got {_short(text)!r}")
    if len(parts) > MAX_EMPIRICAL_VALUES:
        raise ValueError(f"{name} takes at most {MAX_EMPIRICAL_VALUES:,} {noun}, got {len(parts):,}")
    return parts


def _parse_empirical(body: str, text: str) -> Distribution:
    table = _QUANTILES.match(body)
    if table:
        return _parse_quantiles(table.group(1), text)
    match = _LIST.match(body)
    if not match:
        raise ValueError("expected empirical([1h, 2h, ...]), empirical([1h: 0.2, 2h: 0.8]) or "
                         f"empirical(quantiles: {{0: 1h, 0.5: 2h, 1: 5h}}), got {_short(text)!r}")
    parts = _counted(_split(match.group(1), text), "empirical", "values", text)
    if not any(":" in part for part in parts):  # a duration never holds a colon
        return Distribution("empirical", values=tuple(parse_duration(v) for v in parts))
    pairs = [_pair(part, "value: weight", text) for part in parts]
    values = tuple(parse_duration(v) for v, _ in pairs)
    weights = _weights([w for _, w in pairs], "empirical", text)
    if len(set(weights)) == 1:  # equal weights: the unweighted spelling, drawing the same numbers
        return Distribution("empirical", values=values)
    return _bounded(Distribution("empirical", values=values, weights=weights))


def _parse_quantiles(body: str, text: str) -> Distribution:
    pairs = [_pair(part, "probability: value", text)
             for part in _counted(_split(body, text), "empirical quantiles", "points", text)]
    probabilities = tuple(_fraction(p, "cumulative probability", text, zero=True) for p, _ in pairs)
    values = tuple(parse_duration(v) for _, v in pairs)
    if len(pairs) < 2 or probabilities[0] != 0 or probabilities[-1] != 1:
        raise ValueError("empirical quantiles: the probabilities must start at 0 (the minimum) and end at 1 "
                         f"(the maximum), got {_short(', '.join(map(_format_weight, probabilities)))}")
    for (p0, v0), (p1, v1) in zip(zip(probabilities, values), zip(probabilities[1:], values[1:])):
        if not p0 < p1:
            raise ValueError(f"empirical quantiles: the probabilities must increase, got {p0:g} then {p1:g}")
        if v1 < v0:
            raise ValueError(f"empirical quantiles: the values must not decrease, got {format_hours(v0)} at "
                             f"{p0:g} then {format_hours(v1)} at {p1:g}")
    return _bounded(Distribution("quantiles", values=values, weights=probabilities))


def _parse_mixture(body: str, text: str) -> Distribution:
    pairs = [_pair(part, "weight: distribution", text)
             for part in _counted(_split(body, text), "mixture", "components", text)]
    weights = _weights([w for w, _ in pairs], "mixture", text)
    return _bounded(Distribution("mixture", weights=weights, components=tuple(_component(c) for _, c in pairs)))


def _component(text: str) -> Distribution:
    """A mixture's component: any distribution but a mixture (checked before parsing, so depth stays 2)."""
    call = _CALL.match(text)
    if call and call.group(1).lower() == "mixture":
        raise ValueError(f"a mixture's component may not be a mixture, got {_short(text)!r}; list its "
                         "components in the outer mixture instead, each weight multiplied by the inner one's")
    return parse_distribution(text)


def _bounded(built: Distribution) -> Distribution:
    if not built.mean <= MAX_HOURS:  # also refuses NaN
        raise ValueError(f"{built.kind}: the mean would be {format_hours(built.mean)}, more than the longest "
                         f"duration accepted ({MAX_HOURS / 8766:,.0f} years)")
    return built


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
    return _bounded(Distribution(name, tuple((k, args[k]) for k in order)))


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


def _pick(weights: tuple[float, ...], uniforms: np.ndarray) -> np.ndarray:
    """The index each uniform selects: inverse transform of the cumulative weights (scaled to end at 1)."""
    cumulative = np.cumsum(weights)
    return np.searchsorted(cumulative / cumulative[-1], uniforms, side="right")


def _empirical(d: Distribution, rng: np.random.Generator, n: int) -> np.ndarray:
    # Equal weights keep the original draw, rng.choice, so seeded results never change.
    if not d.weights:
        return rng.choice(np.asarray(d.values), n)
    return np.asarray(d.values)[_pick(d.weights, rng.random(n))]


def _mixture(d: Distribution, rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw order (fixed, for reproducibility): n uniforms pick each value's component; then each
    picked component, in listed order, draws its count at once, filling its positions in order."""
    picks = _pick(d.weights, rng.random(n))
    counts = np.bincount(picks, minlength=len(d.components))
    positions = np.argsort(picks, kind="stable")  # grouped by component, in position order within
    out, start = np.empty(n), 0
    for index in np.flatnonzero(counts):
        stop = start + counts[index]
        out[positions[start:stop]] = d.components[index].sample(rng, int(counts[index]))
        start = stop
    return out


def _weighted_mean(values, weights: tuple[float, ...]) -> float:
    # Divided by the weights' sum, which may differ from 1 by WEIGHT_TOLERANCE, as the draws are.
    return math.fsum(w * v for w, v in zip(weights, values)) / math.fsum(weights)


_SAMPLERS = {
    "fixed": lambda d, rng, n: np.full(n, d.param("value")),
    "exponential": lambda d, rng, n: rng.exponential(d.param("mean"), n),
    "lognormal": _lognormal,
    "gamma": _gamma,
    "triangular": lambda d, rng, n: rng.triangular(d.param("min"), d.param("mode"), d.param("max"), n),
    "uniform": lambda d, rng, n: rng.uniform(d.param("min"), d.param("max"), n),
    "weibull": lambda d, rng, n: _weibull_scale(d) * rng.weibull(d.param("shape"), n),
    "empirical": _empirical,
    "quantiles": lambda d, rng, n: np.interp(rng.random(n), d.weights, d.values),
    "mixture": _mixture,
}

_MEANS = {
    "fixed": lambda d: d.param("value"),
    "exponential": lambda d: d.param("mean"),
    "lognormal": lambda d: d.param("mean"),
    "gamma": lambda d: d.param("mean"),
    "triangular": lambda d: (d.param("min") + d.param("mode") + d.param("max")) / 3,
    "uniform": lambda d: (d.param("min") + d.param("max")) / 2,
    "weibull": lambda d: _weibull_scale(d) * math.gamma(1 + 1 / d.param("shape")),
    "empirical": lambda d: _weighted_mean(d.values, d.weights) if d.weights else float(np.mean(d.values)),
    # The quantile function is linear between points: its integral over [0, 1] is a sum of trapezoids.
    "quantiles": lambda d: math.fsum((p1 - p0) * (v0 + v1) / 2 for p0, p1, v0, v1
                                     in zip(d.weights, d.weights[1:], d.values, d.values[1:])),
    "mixture": lambda d: _weighted_mean([c.mean for c in d.components], d.weights),
}
