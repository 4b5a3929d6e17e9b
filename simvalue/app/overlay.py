"""Variant overlays as the app keeps them: YAML text read and written, checked like the CLI, saved as files.

An overlay is the mapping of a variant file (``name``, ``base``, ``set``, ``scale``,
``economics``). It is read from the page's YAML with the CLI's bounded loader, checked by
``load_variant`` (the CLI's own validation, whose ScenarioError names the field path), and saved
as ``DIR/variants/<name>.yaml``, a file ``simvalue compare BASE FILE`` accepts. Saving never
replaces a file unless asked to. A ``set`` naming a file (``initial: {file: …}``) is refused unless
the file lies inside ``DIR/variants/``, where a saved variant's relative paths lead.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScenarioError, SimvalueError
from ..scenario import Scenario, load_variant
from ..scenario.load import parse_yaml
from .capture import captured
from .folder import VARIANTS, inside, load_baseline, variants_folder

#: Longest file name (without .yaml) a variant is saved under.
MAX_NAME = 60
#: Where the page's YAML comes from, in error messages (as a file name is in the CLI's).
SOURCE = "variant YAML"


@dataclass(frozen=True)
class Check:
    """The outcome of checking an overlay against its baseline: the variant scenario, or the CLI's
    error (its message names the field path); ``notes`` are warnings (a team near saturation)."""

    scenario: Scenario | None
    error: SimvalueError | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.scenario is not None

    @property
    def message(self) -> str:
        return str(self.error) if self.error is not None else ""

    @property
    def path(self) -> str | None:
        """The field path the error names (``teams.platform.capacity``), when it names one."""
        return getattr(self.error, "path", None)


def starting_overlay(baseline: str, name: str) -> dict[str, Any]:
    """An overlay that changes nothing yet: its name and its base as the saved file will say it."""
    return {"name": name, "base": base_reference(baseline)}


def base_reference(baseline: str) -> str:
    """The ``base:`` of a variant saved in the folder's variants/ for the baseline at ``baseline``
    (a path inside the folder), relative to the variant file as variant files say it."""
    return Path(os.path.relpath(Path(baseline), VARIANTS)).as_posix()


def overlay_text(overlay: Mapping[str, Any]) -> str:
    """The overlay as block YAML, keys in the order variant files write them."""
    order = ["name", "description", "base", "set", "scale", "economics"]
    ordered = {key: overlay[key] for key in order if key in overlay}
    ordered.update({key: value for key, value in overlay.items() if key not in ordered})
    return yaml.dump(ordered, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


class _Dumper(yaml.SafeDumper):
    """Safe YAML with text of several lines (a description) as a ``|`` block, as people write it."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Text without its closing line break (a ``>`` block's), in a ``|`` block when it has several lines."""
    text = value.rstrip("\n") if value.strip() else value
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _text)


def read_overlay(text: str) -> dict[str, Any]:
    """The mapping in the page's YAML, read as the CLI reads a file (bounded, duplicate keys refused);
    raises ScenarioError with the line and column of a syntax error."""
    data = parse_yaml(text, SOURCE)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(f"expected a mapping of variant fields (name, set, scale), got {type(data).__name__}",
                            file=SOURCE)
    return data


def check_overlay(baseline: Scenario, overlay: Mapping[str, Any], folder: Path) -> Check:
    """Apply the overlay to the baseline with ``load_variant``, as ``simvalue compare`` does once it is
    saved in ``folder/variants/``; never raises for bad input: the CLI's message and field path come back
    in the Check."""
    if overlay.get("name") == baseline.name:
        return Check(None, ScenarioError(f"the variant needs a name of its own, not the baseline's "
                                         f"({baseline.name!r})", path="name"))
    try:
        confined = confine_files(overlay, folder)
        with captured() as notes:
            scenario = load_variant(baseline, confined)
    except SimvalueError as exc:
        return Check(None, exc)
    return Check(scenario, notes=tuple(notes))


def confine_files(overlay: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    """A copy of the overlay whose ``set`` files (any ``file:`` field) are absolute paths inside
    ``folder/variants/``, resolved as the saved file would resolve them; ScenarioError naming the edit for
    a file anywhere else (``/etc/passwd``, ``../secret.csv``), so the app never opens it."""
    variants = variants_folder(folder).resolve()
    sets = dict(overlay.get("set") or {}) if isinstance(overlay.get("set"), Mapping) else overlay.get("set")

    def confined(value: Any, path: str, is_file: bool) -> Any:
        if is_file and isinstance(value, str):
            target = (variants / value.strip()).resolve()  # an absolute path replaces the folder
            if not target.is_relative_to(variants):
                raise ScenarioError(f"the app reads files only inside {folder / VARIANTS}, got {value!r}",
                                    path=f"set.{path}")
            return str(target)
        if isinstance(value, Mapping):
            return {k: confined(v, f"{path}.{k}", k == "file") for k, v in value.items()}
        if isinstance(value, list):
            return [confined(v, f"{path}[{i}]", False) for i, v in enumerate(value)]
        return value

    if isinstance(sets, dict):
        sets = {path: confined(value, str(path), str(path).rsplit(".", 1)[-1] == "file")
                for path, value in sets.items()}
    return {**overlay, "set": sets} if "set" in overlay else dict(overlay)


def file_stem(name: str) -> str:
    """A file name for a variant name: letters, digits, ``_`` and ``-`` only, accents dropped, lower
    case, at most MAX_NAME long (``"CAB twice a week!"`` -> ``cab_twice_a_week``)."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9-]+", "_", ascii_name.lower()).strip("_-")[:MAX_NAME].strip("_-")
    if not stem:
        raise ScenarioError(f"give the variant a name with letters or digits, got {name!r}", path="name")
    return stem


def save_overlay(folder: Path, baseline: str, overlay: Mapping[str, Any], replace: bool = False) -> Path:
    """Check the overlay against the baseline, then write it to ``folder/variants/<name>.yaml``.

    Refuses (ScenarioError on ``name``) when that file exists and ``replace`` is not set, and writes
    nothing for an overlay that does not check. Returns the file written.
    """
    scenario, _ = load_baseline(folder, baseline)
    result = check_overlay(scenario, overlay, folder)
    if result.error is not None:
        raise result.error
    target = variants_folder(folder) / f"{file_stem(overlay['name'])}.yaml"
    relative = inside(folder, baseline).relative_to(folder.resolve()).as_posix()
    text = (f"# Made with `simvalue app`; run it with: simvalue compare {folder.as_posix()}/{relative} "
            f"{target.as_posix()}\n" + overlay_text({**overlay, "base": base_reference(relative)}))
    target.parent.mkdir(parents=True, exist_ok=True)
    if replace:
        _write_replacing(target, text)
    else:
        try:
            with open(target, "x", encoding="utf-8") as handle:
                handle.write(text)
        except FileExistsError:
            raise ScenarioError(f"{target} exists already: choose another name, or tick 'replace'",
                                path="name") from None
    return target


def _write_replacing(target: Path, text: str) -> None:
    """Write whole or not at all: a temporary file beside the target, then renamed over it."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
