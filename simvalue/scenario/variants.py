"""Variants: a few dotted-path edits (``set``, ``scale``) applied to a base scenario.

Paths address mappings by key and list entries by their ``name`` (steps) or ``type`` (demand):
``streams.normal_change.steps.approve.gate`` or ``demand.change.arrivals.rate``. Edits apply to
the base written back in file spelling, and the result is validated like any scenario file.
"""

from __future__ import annotations

import copy
import difflib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from ..distributions import Distribution, parse_distribution
from ..errors import ScenarioError
from ..limits import MAX_MONEY
from ..units import parse_rate
from .load import error_from_validation, load_scenario, read_yaml, validate
from .model import Money, Scenario, _Model, number
from .yaml_safety import load as load_yaml

#: Mappings whose keys are names the user may add to (a new team, a new stream).
OPEN_COLLECTIONS = {("teams",), ("streams",), ("sla",)}
#: Largest scale factor: a million-fold change is a typo; the scaled value is validated again anyway.
MAX_SCALE = 1e6


class Economics(_Model):
    """What a variant costs and when its benefit starts (used by business cases)."""

    investment: Money = Field(0.0, description="One-off cost, in the scenario's currency.")
    running_cost: Money = Field(0.0, description="Cost per month while it runs.")
    lead_time: number(ge=0, le=1200) = Field(0.0, description="Months before the benefit starts.")
    size: number(gt=0, le=MAX_MONEY) | None = Field(None, description="Effort to deliver it, for WSJF-style ranking.")


class Variant(_Model):
    """A variant file: a name and the edits that turn its base scenario into it."""

    name: str
    description: str = ""
    base: str | None = Field(None, description="Base scenario file, relative to the variant file.")
    set: dict[str, Any] = Field(default_factory=dict, description="Dotted path -> new value.")
    scale: dict[str, number(gt=0, le=MAX_SCALE)] = Field(default_factory=dict, description="Dotted path -> multiplier.")
    economics: Economics | None = None


def read_variant(source: str | Path | Mapping[str, Any]) -> tuple[Variant, str | None]:
    """Parse a variant file or mapping; returns the variant and its file name (None for mappings)."""
    file = None if isinstance(source, Mapping) else str(source)
    data = dict(source) if isinstance(source, Mapping) else read_yaml(Path(source))
    try:
        return Variant.model_validate(data), file
    except ValidationError as exc:
        raise error_from_validation(exc, data, file) from None


def load_variant(base: Scenario | str | Path | Mapping[str, Any] | None,
                 variant: str | Path | Mapping[str, Any]) -> Scenario:
    """Apply a variant to ``base`` (or to the variant's own ``base:`` file) and validate the result.

    The returned scenario is named after the variant; its ``variant`` attribute holds the edits.
    """
    spec, file = read_variant(variant)
    base_scenario = _resolve_base(base, spec, file)
    data = base_scenario.model_dump(mode="json")
    data = apply_edits(data, spec.set, spec.scale, file)
    data["name"] = spec.name
    data["description"] = spec.description or data.get("description", "")
    scenario = validate(data, file)
    scenario._variant = spec
    return scenario


def variant_of(scenario: Scenario) -> Variant | None:
    """The variant a scenario was built from, if any."""
    return scenario._variant


def _resolve_base(base, spec: Variant, file: str | None) -> Scenario:
    if isinstance(base, Scenario):
        return base
    if base is not None:
        return load_scenario(base)
    if spec.base is None:
        raise ScenarioError("no base scenario: give one on the command line or as 'base:' in the variant",
                            file=file, path="base")
    path = Path(file).parent / spec.base if file else Path(spec.base)
    return load_scenario(path)


def apply_edits(data: dict[str, Any], set_: Mapping[str, Any], scale: Mapping[str, float],
                file: str | None = None) -> dict[str, Any]:
    """Return a copy of ``data`` with ``set_`` values placed and ``scale`` factors applied."""
    result = copy.deepcopy(data)
    for path, value in set_.items():
        parent, key = _locate(result, path, file, "set", creating=True)
        _assign(parent, key, copy.deepcopy(value))
    for path, factor in scale.items():
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor <= MAX_SCALE:
            raise ScenarioError(f"a scale factor must be a number above 0 and at most {MAX_SCALE:g}, got {factor!r}",
                                file=file, path=f"scale.{path}")
        parent, key = _locate(result, path, file, "scale", creating=False)
        current = parent[key]
        _assign(parent, key, scaled(current, factor, f"scale.{path}", file))
    return result


def _assign(parent: Any, key: Any, value: Any) -> None:
    parent[key] = value


def _locate(data: dict[str, Any], path: str, file: str | None, section: str,
            creating: bool) -> tuple[Any, Any]:
    """The container holding the last part of ``path`` and the key (or index) within it."""
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[:depth]) or "the top level"
        error_path = f"{section}.{path}"
        if isinstance(node, list):
            index = _entry_index(node, part)
            if index is None:
                labels = [_entry_label(e) for e in node]
                raise ScenarioError(_nearest(part, [str(x) for x in labels if x is not None], "entry", where),
                                    file=file, path=error_path)
            if last:
                return node, index
            node = node[index]
        elif isinstance(node, dict):
            may_add = creating and last and tuple(parts[:depth]) in OPEN_COLLECTIONS
            if part not in node and not may_add:
                raise ScenarioError(_nearest(part, [str(k) for k in node], "field", where),
                                    file=file, path=error_path)
            if last:
                return node, part
            node = node[part]
        else:
            raise ScenarioError(f"{where} is a {type(node).__name__} value ({node!r}), not a mapping or list",
                                file=file, path=error_path)
    raise ScenarioError("empty path", file=file, path=path)  # pragma: no cover - split never yields nothing


def _entry_label(entry: Any) -> Any:
    return entry.get("name", entry.get("type")) if isinstance(entry, dict) else None


def _entry_index(entries: list[Any], label: str) -> int | None:
    for index, entry in enumerate(entries):
        if _entry_label(entry) == label:
            return index
    return None


def _nearest(part: str, known: list[str], kind: str, where: str) -> str:
    close = difflib.get_close_matches(part, known, n=3)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"no {kind} {part!r} in {where}{hint} (valid: {', '.join(known) or 'none'})"


def scaled(value: Any, factor: float, path: str, file: str | None) -> Any:
    """Multiply a rate, duration, distribution (its time parameters) or count by ``factor``."""
    try:
        if isinstance(value, bool):
            raise ValueError("cannot scale a yes/no value")
        if isinstance(value, int):
            result = value * factor
            if abs(result - round(result)) > 1e-9:
                raise ValueError(f"{value} x {factor} = {result:g} is not a whole number")
            return int(round(result))
        if isinstance(value, float):
            return value * factor
        if isinstance(value, str) and "/" in value:
            return f"{parse_rate(value, maximum=math.inf) * factor!r}/h"
        if isinstance(value, str):
            return str(_scale_distribution(parse_distribution(value), factor))
    except ValueError as exc:
        raise ScenarioError(str(exc), file=file, path=path) from None
    raise ScenarioError(f"cannot scale {type(value).__name__} value {value!r}", file=file, path=path)


def _scale_distribution(distribution: Distribution, factor: float) -> Distribution:
    """Time parameters and values times ``factor``, and each mixture component's likewise; cv,
    shape, weights and quantile probabilities unchanged."""
    unitless = {"cv", "shape"}
    params = tuple((k, v if k in unitless else v * factor) for k, v in distribution.params)
    return Distribution(distribution.kind, params, tuple(v * factor for v in distribution.values),
                        distribution.weights, tuple(_scale_distribution(c, factor) for c in distribution.components))


def parse_assignments(items: list[str], what: str) -> dict[str, Any]:
    """``PATH=VALUE`` strings from the command line; values are read as YAML (safely)."""
    result: dict[str, Any] = {}
    for item in items:
        path, sep, raw = item.partition("=")
        if not sep or not path.strip():
            raise ScenarioError(f"expected PATH=VALUE, got {item!r}", path=f"--{what}")
        try:
            result[path.strip()] = load_yaml(raw) if raw.strip() else None  # bounded like a file
        except ScenarioError as exc:  # over a limit: too deep, too many nodes, a recursive alias
            raise ScenarioError(exc.detail, path=f"--{what} {path}") from None
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or type(exc).__name__
            shown = raw if len(raw) <= 60 else raw[:60] + "..."
            raise ScenarioError(f"cannot read value {shown!r}: {problem}", path=f"--{what} {path}") from None
    return result


def describe_edits(spec: Variant) -> list[str]:
    """The variant's edits in words, for reports."""
    lines = [f"set {path} to {_spell(value)}" for path, value in spec.set.items()]
    lines += [f"scale {path} by {factor:g}" for path, factor in spec.scale.items()]
    return lines


def _spell(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_spell(v)}" for k, v in value.items()) + "}"
    return str(value)

