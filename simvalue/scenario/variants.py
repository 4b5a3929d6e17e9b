"""Variants: a few dotted-path edits (``set``, ``scale``) applied to a base scenario.

Paths address mappings by key and list entries by their ``name`` (steps) or ``type`` (demand):
``streams.normal_change.steps.approve.gate`` or ``demand.change.arrivals.rate``. Edits apply to
the base written back in file spelling, and the result is validated like any scenario file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import ScenarioError
from .edits import apply_edits
from .load import error_from_validation, load_scenario, read_yaml, validate
from .model import Scenario
from .variant_file import Economics, Variant  # noqa: F401 (the file's format, read from here too)
from .yaml_safety import load as load_yaml


def is_whole_scenario(data: Mapping[str, Any]) -> bool:
    """Whether a file's mapping is a whole scenario (it has ``streams`` or ``demand``), not a variant of one:
    the rule ``simvalue compare`` reads its files by."""
    return bool({"streams", "demand"} & set(data))


def is_variant(data: Mapping[str, Any]) -> bool:
    """Whether a file's mapping is a variant overlay: no ``streams``/``demand``, but ``base``, ``set`` or ``scale``."""
    return not is_whole_scenario(data) and bool({"base", "set", "scale"} & set(data))


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

    The returned scenario is named after the variant and remembers its edits (``variant_of``); code
    that needs the edits or economics should take them from :func:`load_variant_spec` explicitly.
    """
    return load_variant_spec(base, variant)[0]


def load_variant_spec(base: Scenario | str | Path | Mapping[str, Any] | None,
                      variant: str | Path | Mapping[str, Any]) -> tuple[Scenario, Variant]:
    """``load_variant``, returning the variant's spec (its edits and economics) beside the scenario."""
    spec, file = read_variant(variant)
    base_scenario = _resolve_base(base, spec, file)
    data = base_scenario.model_dump(mode="json")
    data = apply_edits(data, spec.set, spec.scale, file)
    data["name"] = spec.name
    data["description"] = spec.description or data.get("description", "")
    scenario = validate(data, file)
    scenario._variant = spec
    return scenario, spec


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

