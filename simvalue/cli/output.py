"""Terminal progress bars and all-or-nothing file writing for the command line."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import SimvalueError


def progress_bar(description: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar on stderr that appears only when the work takes more than a moment."""
    from tqdm import tqdm
    state: dict[str, tqdm] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc=description, unit="rep", delay=1.0,
                                      file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return update, close


def progress_bars() -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
    """One progress bar per scenario name; returns (update, close_all)."""
    bars: dict[str, tuple] = {}

    def update(name: str, done: int, total: int) -> None:
        if name not in bars:
            bars[name] = progress_bar(name[:30])
        bars[name][0](done, total)

    def close() -> None:
        for _, close_bar in bars.values():
            close_bar()

    return update, close


def sweep_progress(out: Path) -> tuple[Callable[[int, int, int], None], Callable[[], None]]:
    """A bar of sweep points (done, rate, time left); says first how many were resumed from ``out``."""
    from tqdm import tqdm
    state: dict[str, tqdm] = {}

    def update(done: int, total: int, resumed: int) -> None:
        if "bar" not in state:
            if resumed:
                print(f"resuming: {resumed} of {total} points already in {out}", file=sys.stderr)
            state["bar"] = tqdm(total=total, initial=resumed, desc="points", unit="pt", file=sys.stderr)
        state["bar"].update(done - state["bar"].n)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return update, close


def write_outputs(directory: Path, writers: dict[str, Callable[[str], object]]) -> None:
    """Write every file to a temporary name first, then move them all into place."""
    directory.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, write in writers.items():
            handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
            os.close(handle)
            staged.append((temporary, directory / name))
            write(temporary)
    except BaseException:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
        raise
    umask = os.umask(0)
    os.umask(umask)
    try:
        for temporary, final in staged:
            os.chmod(temporary, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
            os.replace(temporary, final)
    finally:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)


def write_file(path: Path, write: Callable[[str], object]) -> None:
    """Write one file whole or not at all, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_outputs(path.parent, {path.name: write})


def check_target(path: Path | None, option: str, folder: bool) -> None:
    """Before any work: refuse an output path that cannot be written (named by its option)."""
    if path is None:
        return
    if folder and path.exists() and not path.is_dir():
        raise SimvalueError(f"{option} {path}: exists and is not a folder")
    if not folder and path.is_dir():
        raise SimvalueError(f"{option} {path}: is a folder; give a file name")
    ancestor = path if folder else path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK):
        raise SimvalueError(f"{option} {path}: cannot write under {ancestor}")
