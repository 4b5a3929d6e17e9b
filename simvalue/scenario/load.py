"""Read a scenario from YAML or a mapping, validate it once, and report errors by field path."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import ScenarioError
from ..readable import duration
from .changes import refuse_run_settings, same_structure
from .edits import apply_edits
from .overload import OVERLOADED
from .checks import check
from .snapshot import read_initial, resolve_file
from .model import Scenario
from .schedules import check_schedule_size
from .yaml_safety import LimitedLoader, read_text
from .yaml_safety import load as load_yaml

_MERGE_TAG, _VALUE_TAG = "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"


class _UniqueKeyLoader(LimitedLoader):
    """A bounded safe loader that refuses a key given twice in one mapping (YAML would keep the last).

    Merge keys (``<<: *anchor``) work as in ``yaml.safe_load``: merged keys may repeat and an
    explicit key overrides a merged one. Only the keys written in the mapping itself are compared,
    checked before PyYAML folds merged pairs into it.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._checked: set[int] = set()

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        if id(node) not in self._checked:  # nodes live until the document is built: ids stay unique
            self._checked.add(id(node))
            self._refuse_duplicate_keys(node)
        super().flatten_mapping(node)

    def _refuse_duplicate_keys(self, node: yaml.MappingNode) -> None:
        seen: set = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = key_node.value if key_node.tag == _VALUE_TAG else self.construct_object(key_node)
            if not isinstance(key, Hashable):
                continue  # SafeConstructor refuses it as an unhashable key
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (each key may appear once; in a {{...}} mapping, quote "
                    "distributions that contain commas)", key_node.start_mark)
            seen.add(key)


class ScenarioWarning(UserWarning):
    """A legal but suspicious scenario (an unused stream, a nearly saturated team)."""


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """Load, validate and check a scenario from a YAML file path or a mapping.

    Raises :class:`ScenarioError` naming the file and field path; warns with
    :class:`ScenarioWarning` for legal but suspicious settings.
    """
    if isinstance(source, Mapping):
        return validate(source, file=None)
    if not isinstance(source, (str, Path)):
        raise ScenarioError(f"expected a YAML file path or a mapping, got {type(source).__name__}")
    path = Path(source)
    return validate(read_yaml(path), file=str(path))


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML file safely into a mapping; never constructs arbitrary objects.

    Hostile input (too large, too deep, alias bombs, recursive aliases: see :mod:`.yaml_safety`)
    is refused with one ScenarioError naming the file, never a traceback or a hang.
    """
    file = str(path)
    data = parse_yaml(read_text(path), file)
    if not isinstance(data, dict):
        raise ScenarioError(f"expected a mapping of scenario fields at the top, got {type(data).__name__}", file=file)
    return data


def parse_yaml(text: str, source: str) -> Any:
    """YAML text read as a scenario file is (bounded, a key given twice refused, ``gamma(mean=2h, cv=1.2)``
    rejoined); an error names ``source`` and, for a syntax error, its line and column. None for no document."""
    try:
        data = load_yaml(text, _UniqueKeyLoader)
        return None if data is None else rejoin_calls(data)
    except ScenarioError as exc:
        raise exc.located(source) from None
    except yaml.YAMLError as exc:
        raise _malformed(exc, source) from None
    except (RecursionError, MemoryError) as exc:  # a safety net: the limits should stop both first
        raise ScenarioError(f"YAML too deeply nested or too large to read ({type(exc).__name__})",
                            file=source) from None


def _malformed(exc: yaml.YAMLError, file: str) -> ScenarioError:
    """One line for a YAML syntax or construction error, with its line and column when known."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
    problem = getattr(exc, "problem", None) or str(exc)
    return ScenarioError(f"malformed YAML: {' '.join(problem.split())}", file=file, path=where)


def rejoin_calls(node: Any) -> Any:
    """Undo YAML's split of ``{effort: gamma(mean=2h, cv=1.2)}`` at the comma inside the call.

    In a flow mapping YAML reads ``cv=1.2)`` as a key without a value. When a string value opens
    more parentheses than it closes, the following valueless ``name=value`` keys are joined back.
    Recursive: safe because the loader bounds depth and expanded size and refuses cyclic aliases.
    """
    if isinstance(node, list):
        return [rejoin_calls(v) for v in node]
    if not isinstance(node, dict):
        return node
    joined: dict[Any, Any] = {}
    open_key = None
    for key, value in node.items():
        if open_key is not None and value is None and isinstance(key, str) and "=" in key:
            joined[open_key] += ", " + key
            if joined[open_key].count("(") <= joined[open_key].count(")"):
                open_key = None
            continue
        joined[key] = rejoin_calls(value)
        unbalanced = isinstance(value, str) and value.count("(") > value.count(")")
        open_key = key if unbalanced else None
    return joined


def validate(data: Mapping[str, Any], file: str | None) -> Scenario:
    """Validate a mapping (left untouched) into a checked :class:`Scenario`."""
    try:
        scenario = Scenario.model_validate(resolve_file(copy.deepcopy(dict(data)), file))
    except ValidationError as exc:
        raise error_from_validation(exc, data, file) from None
    try:
        scenario._initial = read_initial(scenario)
        with warnings.catch_warnings(record=True) as caught:  # an overload that a change brings
            warnings.simplefilter("always")
            scenario._epochs = epochs(scenario)
        messages = check(scenario) + [str(w.message) for w in caught]
        check_schedule_size(scenario, scenario.epochs)
    except ScenarioError as exc:
        raise exc.located(file) from None
    for message in messages:
        warnings.warn(f"{file}: {message}" if file else message, ScenarioWarning, stacklevel=2)
    return scenario


def epochs(scenario: Scenario) -> list[tuple[float, Scenario]]:
    """(time, scenario in force from then on) for every change over time, in time order: each change edits
    the one before it and is validated and checked like a scenario file (changes.py says what it may edit)."""
    if not scenario.changes:
        return []
    data = scenario.model_dump(mode="json")
    data["changes"] = []
    data["initial"] = None  # the open items are placed once, at t = 0 (the base plan's)
    end = scenario.warmup + scenario.horizon + scenario.drain_limit
    ordered = sorted(enumerate(scenario.changes), key=lambda pair: pair[1].at)
    result = []
    for index, change in ordered:
        where = f"changes[{index}]"
        refuse_run_settings(change, where)
        if change.at >= end:
            raise ScenarioError(f"at {duration(change.at, space=' ')} is after the end of the run "
                                f"({duration(end, space=' ')}): it would never take "
                                "effect", path=f"{where}.at")
        try:
            data = apply_edits(data, change.set, change.scale)
            epoch, messages = _epoch(data)
        except ScenarioError as exc:
            raise ScenarioError(exc.detail, path=f"{where}.{exc.path}" if exc.path else where) from None
        for message in messages:  # validate() turns these into its own warnings, with the file
            warnings.warn(f"{where}.{message}", UserWarning, stacklevel=2)
        same_structure(scenario, epoch, where)
        result.append((change.at, epoch))
    return result


def _epoch(data: dict) -> tuple[Scenario, list[str]]:
    """A period's scenario and its overload warnings (the others the base scenario's warnings said already)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        epoch = validate(data, file=None)
    return epoch, [str(w.message) for w in caught if OVERLOADED in str(w.message)]


def error_from_validation(exc: ValidationError, data: Any, file: str | None) -> ScenarioError:
    """The first pydantic error as one line: file, field path (list items by name), expected, got."""
    errors = exc.errors()
    first = _most_telling(errors)
    path = field_path(first["loc"], data)
    message = _message(first)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ScenarioError(message, file=file, path=path or None)


def _most_telling(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The first error, unless it only says a union's other spelling did not fit (a mapping given
    where a name or number was one option): then the error deepest inside what was given."""
    first = errors[0]
    if not isinstance(first.get("input"), (dict, list)) or len(first["loc"]) < 2:
        return first
    prefix = first["loc"][:-1]
    deeper = [e for e in errors if e["loc"][:len(prefix)] == prefix and len(e["loc"]) > len(first["loc"])]
    return max(deeper, key=lambda e: len(e["loc"])) if deeper else first


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "extra_forbidden":
        return "unknown field (not part of the scenario format; `simvalue schema` lists the fields)"
    if kind == "missing":
        return "required field is missing"
    got = error.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    return f"{error['msg'][0].lower()}{error['msg'][1:]}, got {shown}"


#: Names pydantic gives to union members in error locations (never field names: those are checked first).
_UNION_TAGS = ("cab", "approver", "auto", "constrained-str", "str", "int", "float", "bool", "list", "dict")


def field_path(loc: tuple[Any, ...], data: Any) -> str:
    """Dotted path for a pydantic location; list entries are shown by their name or type."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list):
            item = node[key] if key < len(node) else None
            label = item.get("name") or item.get("type") if isinstance(item, dict) else None
            parts.append(f"[{label if isinstance(label, str) else key}]")
            node = item
        elif isinstance(node, dict) and key in node:
            parts.append(f".{key}" if parts else str(key))
            node = node[key]
        elif isinstance(key, str) and (key in _UNION_TAGS or "[" in key or key.startswith("<")):
            continue  # a tag pydantic inserts for a union member (discriminator or validator name)
        else:
            parts.append(f".{key}" if parts else str(key))
            node = None
    return "".join(parts)
