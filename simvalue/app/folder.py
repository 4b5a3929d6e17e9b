"""The app's folder: the whole scenarios a planner may pick as a baseline, and the variants saved beside them.

A file is a whole scenario when it has ``streams`` or ``demand`` (as ``simvalue compare`` decides);
otherwise it is a variant overlay (``set``/``scale`` edits of a base). Only files inside the folder
are ever read, so a page cannot ask the app to open any other file on the machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ScenarioError, SimvalueError
from ..scenario import Scenario, load_scenario
from ..scenario.load import read_yaml
from .capture import captured

#: Most YAML files listed from one folder (its subfolders included): a folder of thousands is not a scenario folder.
MAX_FILES = 500
#: Where saved variants go, inside the folder.
VARIANTS = "variants"


@dataclass(frozen=True)
class ScenarioFile:
    """A YAML file of the folder: ``relative`` is its path inside the folder (the page's handle for it)."""

    relative: str
    name: str
    whole: bool
    base: str | None = None  # a variant's ``base:`` as written


def yaml_files(folder: Path) -> list[Path]:
    """The folder's ``.yaml``/``.yml`` files, subfolders included, hidden ones left out, in name order."""
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    return files[:MAX_FILES]


def scenario_files(folder: Path) -> list[ScenarioFile]:
    """Every readable YAML file of the folder; a file that cannot be read as YAML is left out."""
    found = []
    for path in yaml_files(folder):
        try:
            data = read_yaml(path)
        except (SimvalueError, OSError):
            continue
        whole = is_whole_scenario(data)
        name = data.get("name") if isinstance(data.get("name"), str) else path.stem
        base = data.get("base") if not whole and isinstance(data.get("base"), str) else None
        found.append(ScenarioFile(path.relative_to(folder).as_posix(), name, whole, base))
    return found


def is_whole_scenario(data: dict[str, Any]) -> bool:
    """Whether a file's mapping is a whole scenario rather than a variant of one (the rule of ``compare``)."""
    return bool({"streams", "demand"} & set(data))


def baselines(folder: Path) -> list[ScenarioFile]:
    """The whole scenarios of the folder: what a planner can pick as a baseline."""
    return [f for f in scenario_files(folder) if f.whole]


def variants_of(folder: Path, baseline: str) -> list[ScenarioFile]:
    """The folder's variant overlays whose ``base:`` is the baseline ``baseline`` (a relative path)."""
    target = (folder / baseline).resolve()
    return [f for f in scenario_files(folder) if not f.whole and f.base is not None
            and ((folder / f.relative).parent / f.base).resolve() == target]


def inside(folder: Path, relative: str) -> Path:
    """The file ``relative`` names inside ``folder``; refuses a path that leads outside it or to no YAML file."""
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder.resolve()) or path.suffix not in (".yaml", ".yml") or not path.is_file():
        raise ScenarioError(f"no scenario file {relative!r} in {folder}")
    return path


def load_baseline(folder: Path, relative: str) -> tuple[Scenario, tuple[str, ...]]:
    """The validated baseline ``relative`` of ``folder`` and its warnings (a team near saturation).

    Read afresh on every call (about 10 ms), so an edit of the file shows at once. Raises the CLI's
    ScenarioError for an invalid file.
    """
    inside(folder, relative)
    with captured() as notes:
        scenario = load_scenario(folder / relative)
    return scenario, tuple(notes)
