"""Write a set of files into a folder so that a reader finds all the old files or all the new ones.

The protocol leaves, after a kill at any point, a state the next call can decide about:

1. under an exclusive lock on the folder, finish or undo what an earlier killed call left (``recover``);
2. stage: ``.simvalue-new-T/`` gets a manifest of the names first, then every new file;
3. swap: the existing files of the set move aside into ``.simvalue-old-T/``, the new ones move in;
   on failure the new ones go back to staging and the old ones back into place;
4. commit: ``.simvalue-new-T`` is renamed ``.simvalue-done-T``; then the old and done folders go.

Other files in the folder are never touched.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ..errors import SimvalueError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, the protocol still holds
    fcntl = None  # type: ignore[assignment]

NEW, OLD, DONE = ".simvalue-new-", ".simvalue-old-", ".simvalue-done-"
MANIFEST = ".simvalue-manifest.json"

Writer = Callable[[str], object]


class FileSetError(SimvalueError):
    """A set of files could not be written; the message names the final file, never a temporary one."""


def write_set(directory: Path | str, writers: Mapping[str, Writer], owned: Iterable[str] = ()) -> None:
    """Write ``writers`` (file name -> callback given a path string) into ``directory`` as one set.

    ``owned`` holds globs of further names that belong to the set when present (``ttv_*.png`` of an
    earlier run): they are moved aside with the old files and are gone once the new set is in.
    Creates the folder (and its parents) when missing.
    """
    directory = Path(directory)
    _check_names(writers)
    _make_folder(directory)
    with _locked(directory):
        _recover(directory, writers)
        _refuse_folders(directory, writers)
        token = secrets.token_hex(6)
        new, old = directory / (NEW + token), directory / (OLD + token)
        _stage(directory, new, writers)
        _swap(directory, new, old, list(writers), tuple(owned))
        _remove(old)  # old before done: an old folder alone never means "unknown"
        _remove(directory / (DONE + token))


def recover(directory: Path | str, names: Iterable[str] = ()) -> None:
    """Finish or undo whatever a killed ``write_set`` left in ``directory``; nothing to do is fine.

    Also removes the hidden temporary files (``.NAME.xxxxxxxx``) an earlier writer left for ``names``.
    """
    directory = Path(directory)
    if directory.is_dir():
        with _locked(directory):
            _recover(directory, names)


def _recover(directory: Path, names: Iterable[str]) -> None:
    """new-T alone: the swap never began, drop it; new-T and old-T: the swap was cut short, undo it;
    done-T: the set was committed, only clean-up is left."""
    entries = set(os.listdir(directory))
    _refuse_planted(directory, entries)
    for entry in sorted(entries):
        if entry.startswith(DONE):
            _remove(directory / (OLD + entry[len(DONE):]))
            _remove(directory / entry)
        elif entry.startswith(NEW) and OLD + entry[len(NEW):] in entries:
            try:
                _undo(directory, directory / entry, directory / (OLD + entry[len(NEW):]))
            except OSError as exc:
                raise FileSetError(f"{directory}: cannot undo an interrupted write: {exc.strerror or exc}; "
                                   f"the old files are in {OLD + entry[len(NEW):]}") from exc
        elif entry.startswith(NEW):
            _remove(directory / entry)
    _remove_stale_temporaries(directory, entries, set(names))


def refuse_planted(directory: Path | str) -> None:
    """Refuse a folder holding a link (or a file) under the names of our working folders: FileSetError."""
    directory = Path(directory)
    if directory.is_dir():
        _refuse_planted(directory, set(os.listdir(directory)))


def _refuse_planted(directory: Path, entries: set[str]) -> None:
    """Refuse a working folder of ours that is a link or a file: recovery would move the output files
    through it to wherever it points (we only ever make real folders under these names)."""
    for entry in sorted(entries):
        path = directory / entry
        if entry.startswith((NEW, OLD, DONE)) and (path.is_symlink() or not path.is_dir()):
            kind = f"a symbolic link to {os.readlink(path)}" if path.is_symlink() else "not a folder"
            raise FileSetError(f"{path}: is {kind}, which simvalue never makes; outputs are not written through "
                               "it: remove it and run again")


def _remove_stale_temporaries(directory: Path, entries: set[str], names: set[str]) -> None:
    """Delete ``.NAME.xxxxxxxx`` files: what ``tempfile.mkstemp`` gave the earlier one-by-one writer."""
    for entry in entries:
        match = re.fullmatch(r"\.(.+)\.[a-z0-9_]{8}", entry)
        path = directory / entry
        if match and match.group(1) in names and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)


def _undo(directory: Path, new: Path, old: Path) -> None:
    """Put the old set back after an interrupted swap.

    A manifest name missing from staging was moved in, so the target's file is new: it goes back to
    staging (not deleted), which keeps this step repeatable if it is itself interrupted.
    """
    try:
        names = json.loads((new / MANIFEST).read_text())
        if not isinstance(names, list):
            raise ValueError("not a list of names")
    except (OSError, ValueError) as exc:
        raise FileSetError(f"{directory}: cannot undo an interrupted write: {new.name}/{MANIFEST} "
                           f"is unreadable ({exc}); the old files are in {old.name}") from exc
    for name in names:
        if _safe_name(name) and not os.path.lexists(new / name) and os.path.lexists(directory / name):
            os.replace(directory / name, new / name)
    for name in os.listdir(old):
        os.replace(old / name, directory / name)
    _remove(old)
    _remove(new)


def _stage(directory: Path, new: Path, writers: Mapping[str, Writer]) -> None:
    """Write the manifest, then every file, into the staging folder ``new``; drop it on failure."""
    try:
        new.mkdir()
    except OSError as exc:
        raise FileSetError(f"{directory}: cannot write in this folder: {exc.strerror or exc}") from exc
    staged = False
    try:
        (new / MANIFEST).write_text(json.dumps(sorted(writers)))
        for name, write in writers.items():
            _write_one(write, new / name, directory / name)
        staged = True
    except OSError as exc:
        raise FileSetError(f"{directory}: cannot write in this folder: {_reason(exc, new, directory)}") from exc
    finally:
        if not staged:
            _remove(new)


def _write_one(write: Writer, staged: Path, final: Path) -> None:
    """Call one writer on its staging path; errors name ``final``."""
    try:
        write(str(staged))
    except OSError as exc:
        raise FileSetError(f"{final}: cannot write: {_reason(exc, staged, final)}") from exc
    except Exception as exc:
        exc.add_note(f"while writing {final}")
        raise
    if not staged.is_file():
        raise FileSetError(f"{final}: cannot write: the writer produced no file")


def _swap(directory: Path, new: Path, old: Path, names: list[str], owned: tuple[str, ...]) -> None:
    """Move the old files aside and the new ones in, then commit; on any failure undo and re-raise."""
    try:
        old.mkdir()
    except OSError as exc:
        _remove(new)
        raise FileSetError(f"{directory}: cannot write in this folder: {exc.strerror or exc}") from exc
    try:
        for name in _members(directory, names, owned):
            _move(directory / name, old / name, directory / name, "cannot move the old file aside")
        for name in names:
            _move(new / name, directory / name, directory / name, "cannot move the new file into place")
        os.rename(new, directory / (DONE + new.name[len(NEW):]))  # the commit point
    except BaseException:
        try:
            _undo(directory, new, old)
        except (OSError, SimvalueError):
            pass  # the next call's recovery finishes the undo
        raise


def _members(directory: Path, names: list[str], owned: tuple[str, ...]) -> list[str]:
    """Names in ``directory`` that belong to the set: its files plus those matching ``owned``."""
    wanted = set(names)
    found = []
    for entry in os.scandir(directory):
        if entry.name.startswith(".simvalue-") or entry.is_dir(follow_symlinks=False):
            continue
        if entry.name in wanted or any(fnmatch.fnmatchcase(entry.name, glob) for glob in owned):
            found.append(entry.name)
    return sorted(found)


def _move(source: Path, target: Path, final: Path, what: str) -> None:
    try:
        os.replace(source, target)
    except OSError as exc:
        raise FileSetError(f"{final}: {what}: {exc.strerror or exc}") from exc


def _reason(exc: OSError, temporary: Path, final: Path) -> str:
    """The error's reason, with any temporary path swapped for the final one."""
    return (exc.strerror or str(exc)).replace(str(temporary), str(final))


def _check_names(writers: Mapping[str, Writer]) -> None:
    for name in writers:
        if not _safe_name(name) or name.startswith(".simvalue-"):
            raise ValueError(f"file name {name!r}: expected a plain file name without a folder")


def _safe_name(name: object) -> bool:
    return (isinstance(name, str) and name not in ("", ".", "..") and "/" not in name
            and os.sep not in name and (os.altsep is None or os.altsep not in name))


def _refuse_folders(directory: Path, writers: Mapping[str, Writer]) -> None:
    for name in writers:
        path = directory / name
        if path.is_dir() and not path.is_symlink():
            raise FileSetError(f"{path}: is a folder; cannot replace it with a file")


def _make_folder(directory: Path) -> None:
    if directory.is_symlink() and not directory.exists():
        raise FileSetError(f"{directory}: is a symbolic link to {os.readlink(directory)}, which does not exist")
    if directory.exists() and not directory.is_dir():
        raise FileSetError(f"{directory}: exists and is not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileSetError(f"{directory}: cannot create the folder: {exc.strerror or exc}") from exc


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on the folder, so recovery never meets a live writer's files.

    The kernel drops the lock when the process dies, however it dies.
    """
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        descriptor = None  # an unreadable folder: go on unlocked
    try:
        if fcntl is not None and descriptor is not None:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            except OSError:
                pass  # a file system without locks: go on unlocked
        yield
    finally:
        if descriptor is not None:
            os.close(descriptor)


def _remove(path: Path) -> None:
    """Delete a hidden folder of ours; what cannot be deleted now is removed by a later recovery."""
    shutil.rmtree(path, ignore_errors=True)


__all__ = ["FileSetError", "recover", "refuse_planted", "write_set"]
