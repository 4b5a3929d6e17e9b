"""Sweep parameters and designs: grids, Latin hypercubes and Sobol samples over dotted paths.

A parameter is a dotted path (as in variants) with a list of values, a range ``low:high``
(``low:high:step`` for grids; durations allowed, e.g. ``1d:7d``) or a distribution for sampled
designs (``uniform(a, b)``, ``loguniform(a, b)``, ``normal(mean, sd)``). Latin hypercubes come from
``scipy.stats.qmc.LatinHypercube`` (McKay, Beckman & Conover 1979); Sobol designs from SALib's
Saltelli scheme on ``scipy.stats.qmc.Sobol`` (Saltelli 2002), so Sobol indices can be computed.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _scipy_stats
from scipy.stats import qmc

from ..errors import SimulationError
from ..rng import fixed
from ..limits import MAX_SWEEP_POINTS
from ..units import format_hours, parse_duration

DESIGNS = ("grid", "lhs", "sobol")
_DISTRIBUTION = re.compile(r"^\s*(uniform|loguniform|normal)\s*\(\s*([^,]+?)\s*,\s*([^,]+?)\s*\)\s*$")


@dataclass(frozen=True)
class Parameter:
    """One swept path: discrete ``choices``, a ``low``..``high`` range, or a named distribution."""

    path: str
    choices: tuple[Any, ...] = ()
    low: float = math.nan
    high: float = math.nan
    step: float | None = None
    distribution: str | None = None  # uniform, loguniform, normal (then low, high = its two arguments)
    integer: bool = False
    duration: bool = False

    def from_unit(self, u: float) -> Any:
        """The value at quantile ``u`` in [0, 1) (sampled designs)."""
        if self.choices:
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        if self.distribution == "loguniform":
            value = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        elif self.distribution == "normal":
            value = float(_scipy_stats.norm.ppf(min(max(u, 1e-12), 1 - 1e-12), self.low, self.high))
        elif self.integer:
            value = min(math.floor(self.low + u * (self.high - self.low + 1)), self.high)
        else:
            value = self.low + u * (self.high - self.low)
        return int(value) if self.integer else float(value)

    def levels(self) -> list[Any]:
        """Every value of a grid."""
        if self.choices:
            return list(self.choices)
        if self.distribution is not None:
            raise SimulationError(f"parameter {self.path}: a distribution needs a sampled design (lhs or sobol)")
        step = self.step if self.step is not None else (1 if self.integer else None)
        if step is None:
            raise SimulationError(f"parameter {self.path}: a continuous range needs a step for a grid "
                                  f"(low:high:step) or a sampled design (lhs or sobol)")
        if not step > 0:
            raise SimulationError(f"parameter {self.path}: the step of a grid must be above zero, got {step!r}")
        count = math.floor((self.high - self.low) / step + 1e-9) + 1
        if count > MAX_SWEEP_POINTS:
            raise SimulationError(f"parameter {self.path}: the range gives {count:,} values, more than a sweep may "
                                  f"have ({MAX_SWEEP_POINTS:,} points); use a larger step or a sampled design")
        values = [self.low + i * step for i in range(count)]
        return [int(round(v)) for v in values] if self.integer else values

    def to_yaml(self, value: Any) -> Any:
        """The value as written into the scenario (durations back to '12.5h')."""
        return format_hours(float(value)) if self.duration else value


def parse_parameter(path: str, spec: Any) -> Parameter:
    """A parameter from Python (list, (low, high) tuple, 'a:b[:step]', 'uniform(a, b)') or CLI text."""
    if isinstance(spec, Parameter):
        return spec
    if isinstance(spec, (list, tuple)) and not (isinstance(spec, tuple) and len(spec) == 2):
        if not spec:
            raise SimulationError(f"parameter {path}: needs at least one value")
        return Parameter(path, choices=tuple(spec))
    if isinstance(spec, tuple):
        return _range(path, str(spec[0]), str(spec[1]), None)
    if not isinstance(spec, str):
        return Parameter(path, choices=(spec,))
    match = _DISTRIBUTION.match(spec)
    if match:
        name, first, second = match.groups()
        duration = not _is_number(first)
        try:
            a, b = (parse_duration(first), parse_duration(second)) if duration else (float(first), float(second))
        except ValueError as exc:
            raise SimulationError(f"parameter {path}: {exc}") from None
        _finite(path, spec, a, b)
        if name == "loguniform" and not 0 < a < b or name == "uniform" and not a < b or name == "normal" and b <= 0:
            raise SimulationError(f"parameter {path}: invalid {spec!r}")
        return Parameter(path, low=a, high=b, distribution=name, duration=duration)
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise SimulationError(f"parameter {path}: expected low:high or low:high:step, got {spec!r}")
        return _range(path, parts[0], parts[1], parts[2] if len(parts) == 3 else None)
    return Parameter(path, choices=tuple(_scalar(v) for v in spec.split(",")))


def _range(path: str, low: str, high: str, step: str | None) -> Parameter:
    duration = not _is_number(low)
    convert = parse_duration if duration else float
    try:
        a, b = convert(low.strip()), convert(high.strip())
        s = convert(step.strip()) if step is not None else None
    except ValueError as exc:
        raise SimulationError(f"parameter {path}: {exc}") from None
    _finite(path, f"{low}:{high}" + (f":{step}" if step is not None else ""), a, b, *([s] if s is not None else []))
    if not a < b:
        raise SimulationError(f"parameter {path}: expected low < high, got {low}:{high}")
    integer = not duration and all(_is_int(x) for x in (low, high) + ((step,) if step else ()))
    return Parameter(path, low=a, high=b, step=s, integer=integer, duration=duration)


def _finite(path: str, spec: str, *numbers: float) -> None:
    if not all(math.isfinite(x) for x in numbers):
        raise SimulationError(f"parameter {path}: expected finite numbers, got {spec!r}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_int(text: str) -> bool:
    return re.fullmatch(r"\s*[-+]?\d+\s*", text) is not None


def _scalar(text: str) -> Any:
    text = text.strip()
    if _is_int(text):
        return int(text)
    return float(text) if _is_number(text) else text


def design_points(parameters: list[Parameter], design: str = "grid", samples: int | None = None,
                  seed: int = 0) -> pd.DataFrame:
    """The points of a design: a ``point`` column and one column per parameter path."""
    if design not in DESIGNS:
        raise SimulationError(f"unknown design {design!r}; expected one of {', '.join(DESIGNS)}")
    if not parameters:
        raise SimulationError("a sweep needs at least one parameter")
    if design == "grid":
        levels = [p.levels() for p in parameters]
        size = math.prod(len(values) for values in levels)
        if size > MAX_SWEEP_POINTS:
            raise SimulationError(f"the grid has {size:,} points ({' x '.join(str(len(v)) for v in levels)}), more "
                                  f"than a sweep may have ({MAX_SWEEP_POINTS:,}); use fewer values or a sampled design")
        rows = list(itertools.product(*levels))
    else:
        units = unit_sample(len(parameters), design, samples, seed)
        rows = [tuple(p.from_unit(float(u)) for p, u in zip(parameters, row)) for row in units]
    frame = pd.DataFrame(rows, columns=[p.path for p in parameters])
    frame.insert(0, "point", np.arange(len(frame)))
    return frame


def unit_sample(dimensions: int, design: str, samples: int | None, seed: int) -> np.ndarray:
    """Points in the unit hypercube: Latin hypercube (``samples`` points) or Saltelli-Sobol
    (``samples`` x (dimensions + 2) points, first order and total effects)."""
    if not samples or samples < 1:
        raise SimulationError(f"design {design!r} needs samples >= 1, got {samples!r}")
    size = samples * (1 if design == "lhs" else dimensions + 2)
    if size > MAX_SWEEP_POINTS:
        raise SimulationError(f"design {design!r} with {samples:,} samples has {size:,} points, more than a sweep may "
                              f"have ({MAX_SWEEP_POINTS:,}); use fewer samples")
    if design == "lhs":
        return qmc.LatinHypercube(d=dimensions, seed=fixed(seed)).random(samples)
    from SALib.sample import sobol as saltelli
    problem = {"num_vars": dimensions, "names": [f"x{i}" for i in range(dimensions)],
               "bounds": [[0.0, 1.0]] * dimensions}
    return np.clip(saltelli.sample(problem, samples, calc_second_order=False, seed=seed), 0.0, 1 - 1e-12)
