"""The app's folder: the whole scenarios a planner may pick as a baseline, and the variants saved beside them.

A file is a whole scenario when it has ``streams`` or ``demand`` (as ``simvalue compare`` decides);
otherwise it is a variant overlay (``set``/``scale`` edits of a base). Baselines are read only from
inside the folder, variants only from inside its ``variants/``, and only regular files of a bounded
size (the CLI's reader): a page cannot ask the app to open any other file on the machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ScenarioError, SimvalueError
from ..scenario import Scenario, load_scenario
from ..scenario.load import read_yaml
from ..scenario.variants import is_whole_scenario
from ..scenario.yaml_safety import read_text
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
    """The folder's ``.yaml``/``.yml`` files, subfolders included, hidden ones and links leading out of the
    folder left out, in name order."""
    root = folder.resolve()
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts)
                   and p.resolve().is_relative_to(root))
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


def baselines(folder: Path) -> list[ScenarioFile]:
    """The whole scenarios of the folder: what a planner can pick as a baseline."""
    return [f for f in scenario_files(folder) if f.whole]


def variants_of(folder: Path, baseline: str) -> list[ScenarioFile]:
    """The variant overlays in the folder's ``variants/`` whose ``base:`` is the baseline ``baseline`` (a
    relative path)."""
    target = (folder / baseline).resolve()
    return [f for f in scenario_files(folder) if not f.whole and f.base is not None
            and f.relative.startswith(f"{VARIANTS}/")
            and ((folder / f.relative).parent / f.base).resolve() == target]


def variants_folder(folder: Path) -> Path:
    """The folder's ``variants/`` (which need not exist yet), refused when it is a link or leads out of the
    folder: the app reads and writes variants there and nowhere else."""
    path = folder / VARIANTS
    if path.is_symlink() or (path.exists() and not path.is_dir()) or \
            not path.resolve().is_relative_to(folder.resolve()):
        raise ScenarioError(f"{path}: expected a folder of variant files inside {folder}, not a link or a file")
    return path


def read_saved(folder: Path, relative: str) -> str:
    """The text of the saved variant ``relative`` (a path inside the folder, under ``variants/``): a regular
    YAML file of at most the CLI's size limit; ScenarioError for anything else."""
    variants = variants_folder(folder).resolve()
    path = (folder / relative).resolve()
    if not path.is_relative_to(variants) or path.suffix not in (".yaml", ".yml"):
        raise ScenarioError(f"no saved variant {relative!r} in {folder / VARIANTS}")
    return read_text(path)


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
