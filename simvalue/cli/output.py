"""Terminal progress bars, output-path checks and all-or-nothing file writing for the command line."""

from __future__ import annotations

import os
import tempfile
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import SimvalueError
from .fileset import FileSetError, refuse_planted, write_set


def progress_bar(description: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar on stderr that appears only when the work takes more than a moment."""
    from tqdm import tqdm
    state: dict[str, tqdm] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc=description, unit="rep", delay=1.0,
                                      file=sys.stderr, leave=False, disable=None)  # None: only on a terminal
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
            state["bar"] = tqdm(total=total, initial=resumed, desc="points", unit="pt", file=sys.stderr,
                                disable=None)  # None: only on a terminal (no carriage returns in logs)
        state["bar"].update(done - state["bar"].n)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return update, close


def write_outputs(directory: Path, writers: dict[str, Callable[[str], object]], owned: Iterable[str] = ()) -> None:
    """Write the files as one set: a reader sees all the old ones or all the new ones (``fileset``).

    ``owned`` globs name files of an earlier set that this one may lack (``ttv_*.png``): they go too.
    """
    write_set(directory, writers, owned)


def write_file(path: Path, write: Callable[[str], object]) -> None:
    """Write one file whole or not at all, creating its folder."""
    write_set(path.parent, {path.name: write})


def check_target(path: Path | None, option: str, folder: bool) -> None:
    """Before any work: refuse an output path that cannot be written, in one line naming the option."""
    if path is None:
        return
    if path.is_symlink() and not path.exists():
        raise SimvalueError(f"{option} {path}: is a symbolic link to {os.readlink(path)}, which does not exist")
    if folder and path.exists() and not path.is_dir():
        raise SimvalueError(f"{option} {path}: exists and is not a folder")
    try:
        refuse_planted(path if folder else path.parent)
    except FileSetError as exc:
        raise SimvalueError(f"{option} {exc}") from None
    if not folder and path.is_dir():
        raise SimvalueError(f"{option} {path}: is a folder; give a file name")
    ancestor = path if folder else path.parent
    while not ancestor.exists():
        if ancestor.is_symlink():
            raise SimvalueError(f"{option} {path}: {ancestor} is a symbolic link to {os.readlink(ancestor)}, "
                                "which does not exist")
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise SimvalueError(f"{option} {path}: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise SimvalueError(f"{option} {path}: cannot write in {ancestor} (permission denied)")
    try:  # some folders refuse what os.access allows (/proc, read-only mounts): try, then clean up
        os.rmdir(tempfile.mkdtemp(prefix=".simvalue-probe-", dir=ancestor))
    except OSError as exc:
        raise SimvalueError(f"{option} {path}: cannot create anything in {ancestor} ({exc.strerror})") from None
