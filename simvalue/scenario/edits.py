"""Dotted-path edits of a scenario written as data: ``set`` a value, ``scale`` a rate, duration or count.

Paths address mappings by key and list entries by their ``name`` (steps) or ``type`` (demand):
``streams.normal_change.steps.approve.gate`` or ``demand.change.arrivals.rate``; entries without a name
(a team's shifts) by their position from 0, written ``shifts[1]`` or ``shifts.1``. Variants and
changes over time both edit a scenario this way; the result is validated like any scenario file.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Mapping
from typing import Any

from ..distributions import Distribution, parse_distribution
from ..errors import ScenarioError
from ..units import parse_rate

#: Mappings whose keys are names the user may add to (a new team, a new stream).
OPEN_COLLECTIONS = {("teams",), ("streams",), ("sla",)}
#: Largest scale factor: a million-fold change is a typo; the scaled value is validated again anyway.
MAX_SCALE = 1e6


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
    parts = re.sub(r"\[(\d+)\]", r".\1", path).split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[:depth]) or "the top level"
        error_path = f"{section}.{path}"
        if isinstance(node, list):
            index = _entry_index(node, part)
            if index is None:
                labels = [str(x) for x in (_entry_label(e) for e in node) if x is not None]
                raise ScenarioError(_nearest(part, labels or [f"0 to {len(node) - 1}" if node else "none"],
                                             "entry", where), file=file, path=error_path)
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
    """The entry named ``label``; in a list of unnamed entries, the one at position ``label`` (from 0)."""
    for index, entry in enumerate(entries):
        if _entry_label(entry) == label:
            return index
    if label.isdigit() and int(label) < len(entries) and all(_entry_label(e) is None for e in entries):
        return int(label)
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
