"""Output files written as a set: after any failure or kill the folder holds all the old files or all
the new ones, with no hidden leftovers; and ``--out`` is checked before any simulation."""

from __future__ import annotations

import errno
import itertools
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import simvalue.decisions.comparison
import simvalue.results.simulation
from simvalue.cli import fileset
from simvalue.cli import main
from simvalue.cli.fileset import FileSetError, recover, write_set

REPO = Path(__file__).resolve().parents[1]
OTHER = {"report.html": b"<p>not ours</p>"}
OLD = {"items.parquet": b"old items", "summary.csv": b"old summary", "ttv_change.png": b"old figure"}
NEW = {"items.parquet": b"new items " * 10, "summary.csv": b"new summary"}
OWNED = ("ttv_*.png",)


def writers(contents: dict[str, bytes], tick=lambda: None) -> dict:
    def writer(data: bytes):
        def write(path: str) -> None:
            tick()
            Path(path).write_bytes(data)
        return write
    return {name: writer(data) for name, data in contents.items()}


def visible(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".") and p.is_file()}


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def folder_with_old_set(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, data in (OLD | OTHER).items():
        (folder / name).write_bytes(data)
    (folder / "compare").mkdir()
    (folder / "compare" / "inner.csv").write_bytes(b"inner")
    return folder


def assert_old_or_new(folder: Path) -> str:
    """The folder holds the complete old set or the complete new one, other files untouched."""
    found = visible(folder)
    assert found in (OLD | OTHER, NEW | OTHER), found
    assert (folder / "compare" / "inner.csv").read_bytes() == b"inner"
    assert hidden(folder) == []
    return "old" if found == OLD | OTHER else "new"


def test_new_set_replaces_old_and_leaves_other_files_alone(tmp_path):
    folder = folder_with_old_set(tmp_path / "out")
    write_set(folder, writers(NEW), owned=OWNED)
    assert assert_old_or_new(folder) == "new"


def test_file_modes_follow_the_umask_not_0600(tmp_path):
    previous = os.umask(0o022)
    try:
        write_set(tmp_path / "out", writers(NEW))
    finally:
        os.umask(previous)
    for name in NEW:
        assert stat.S_IMODE((tmp_path / "out" / name).stat().st_mode) == 0o644


def test_failing_writer_leaves_the_old_set_and_names_the_final_file(tmp_path):
    folder = folder_with_old_set(tmp_path / "out")
    failing = writers(NEW)

    def disk_full(path: str) -> None:
        Path(path).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device", path)
    failing["summary.csv"] = disk_full
    with pytest.raises(FileSetError, match=f"^{folder / 'summary.csv'}: cannot write: No space left") as error:
        write_set(folder, failing, owned=OWNED)
    assert ".simvalue" not in str(error.value)
    assert assert_old_or_new(folder) == "old"


def test_failed_move_into_place_rolls_back(tmp_path, monkeypatch):
    folder = folder_with_old_set(tmp_path / "out")
    replace = os.replace
    moved_in = []

    def flaky_replace(source, target):
        if fileset.NEW in str(source):
            moved_in.append(target)
            if len(moved_in) == 2:
                raise OSError(errno.EIO, "Input/output error", source)
        replace(source, target)
    monkeypatch.setattr(fileset.os, "replace", flaky_replace)
    with pytest.raises(FileSetError, match="cannot move the new file into place: Input/output error") as error:
        write_set(folder, writers(NEW), owned=OWNED)
    monkeypatch.undo()
    assert str(error.value).startswith(str(moved_in[1])) and ".simvalue" not in str(error.value)
    assert assert_old_or_new(folder) == "old"


def run_killed(step: int, action) -> bool:
    """Run ``action(tick)`` in a forked child that dies (``os._exit``, no clean-up) just before its
    ``step``-th file-system change or writer call; True when it finished first."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            count = itertools.count(1)

            def tick() -> None:
                if next(count) == step:
                    os._exit(9)
            for name in ("mkdir", "rename", "replace", "unlink", "rmdir", "remove"):
                original = getattr(os, name)
                setattr(os, name, lambda *a, _original=original, **k: (tick(), _original(*a, **k))[1])
            action(tick)
        except BaseException:
            os._exit(1)
        os._exit(0)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    assert code in (0, 9), f"the child failed at step {step}"
    return code == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_kill_before_any_step_then_a_kill_in_recovery_ends_in_old_or_new(tmp_path):
    outcomes = set()
    for step in itertools.count(1):
        killed = folder_with_old_set(tmp_path / f"kill{step}")
        finished = run_killed(step, lambda tick: write_set(killed, writers(NEW, tick), owned=OWNED))
        for recovery_step in itertools.count(1):  # and the recovery itself killed at each of its steps
            folder = tmp_path / f"kill{step}-{recovery_step}"
            shutil.copytree(killed, folder, symlinks=True)
            recovered = run_killed(recovery_step, lambda tick: recover(folder, NEW))
            recover(folder, NEW)
            outcomes.add(assert_old_or_new(folder))
            if recovered:
                break
        write_set(killed, writers(NEW), owned=OWNED)  # the next call
        assert assert_old_or_new(killed) == "new"
        if finished:
            break
    assert step > 10 and outcomes == {"old", "new"}


def leftovers(folder: Path, state: str) -> None:
    """Build by hand what a kill at one stage of the protocol leaves behind."""
    new, old, done = (folder / (prefix + "abc123") for prefix in (fileset.NEW, fileset.OLD, fileset.DONE))
    new.mkdir()
    (new / fileset.MANIFEST).write_text(json.dumps(sorted(NEW)))
    (new / "items.parquet").write_bytes(NEW["items.parquet"][:5])  # half written
    if state == "writing":
        return
    (new / "items.parquet").write_bytes(NEW["items.parquet"])
    (new / "summary.csv").write_bytes(NEW["summary.csv"])
    old.mkdir()
    os.replace(folder / "items.parquet", old / "items.parquet")
    if state == "moving aside":
        return
    for name in ("summary.csv", "ttv_change.png"):
        os.replace(folder / name, old / name)
    os.replace(new / "items.parquet", folder / "items.parquet")
    if state == "moving in":
        return
    os.replace(new / "summary.csv", folder / "summary.csv")
    new.rename(done)
    if state == "committed":
        return
    shutil.rmtree(old)


@pytest.mark.parametrize("state, outcome", [("writing", "old"), ("moving aside", "old"), ("moving in", "old"),
                                            ("committed", "new"), ("cleaning", "new")])
def test_hand_built_leftovers_are_recovered(tmp_path, state, outcome):
    folder = folder_with_old_set(tmp_path / "out")
    leftovers(folder, state)
    (folder / ".items.parquet.k2x_9q0a").write_bytes(b"stale temporary of the earlier writer")
    recover(folder, NEW)
    assert assert_old_or_new(folder) == outcome


def test_next_write_cleans_hand_built_leftovers(tmp_path):
    folder = folder_with_old_set(tmp_path / "out")
    leftovers(folder, "moving in")
    (folder / ".summary.csv.abcd1234").write_bytes(b"stale")
    write_set(folder, writers(NEW), owned=OWNED)
    assert assert_old_or_new(folder) == "new"


CHILD = """
import sys, time
from pathlib import Path
from simvalue.cli.fileset import write_set
folder, ready = Path(sys.argv[1]), Path(sys.argv[2])
def slow(path):
    Path(path).write_bytes(b"partial")
    ready.touch()
    time.sleep(60)
write_set(folder, {"items.parquet": lambda path: Path(path).write_bytes(bytes(20_000_000)),
                   "summary.csv": slow})
"""


def test_sigkill_while_writing_then_the_next_call_recovers(tmp_path):
    folder = folder_with_old_set(tmp_path / "out")
    ready = tmp_path / "ready"
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(CHILD), str(folder), str(ready)],
                             cwd=REPO, env=os.environ | {"PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert child.poll() is None and time.monotonic() < deadline, "the child did not start writing"
            time.sleep(0.02)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert [name for name in hidden(folder) if name.startswith(fileset.NEW)]  # killed mid-write
    assert visible(folder) == OLD | OTHER
    write_set(folder, writers(NEW), owned=OWNED)
    assert assert_old_or_new(folder) == "new"


def test_a_dangling_symlink_as_folder_is_refused(tmp_path):
    (tmp_path / "out").symlink_to(tmp_path / "gone")
    with pytest.raises(FileSetError, match=r"out: is a symbolic link to .*gone, which does not exist"):
        write_set(tmp_path / "out", writers(NEW))


def no_simulation(*args, **kwargs):
    raise AssertionError("simulated although --out cannot be written")


def dangling(path: Path) -> None:
    path.symlink_to(path.parent / "gone")


@pytest.mark.parametrize("make, option, target, message", [
    (dangling, "--out", "out", "{tmp}/out: is a symbolic link to {tmp}/gone, which does not exist"),
    (dangling, "--out", "out/sub", "{tmp}/out/sub: {tmp}/out is a symbolic link to {tmp}/gone, which does not exist"),
    (Path.touch, "--out", "out/sub", "{tmp}/out/sub: {tmp}/out is a file, not a folder"),
    (Path.touch, "--out", "out", "{tmp}/out: exists and is not a folder"),
    (dangling, "--report", "out", "{tmp}/out: is a symbolic link to {tmp}/gone, which does not exist"),
    (Path.mkdir, "--report", "out", "{tmp}/out: is a folder; give a file name"),
])
def test_unwritable_targets_are_refused_before_simulating(tmp_path, capsys, monkeypatch, make, option, target,
                                                         message):
    monkeypatch.setattr(simvalue.results.simulation, "simulate", no_simulation)   # commands import them when they run
    monkeypatch.setattr(simvalue.decisions.comparison, "compare", no_simulation)
    make(tmp_path / "out")
    scenario = str(REPO / "scenarios" / "service_desk.yaml")
    command = (["run", scenario, "--out"] if option == "--out" else
               ["compare", scenario, "--set", "seed=1", "--report"])
    assert main(command + [str(tmp_path / target)]) == 2
    assert capsys.readouterr().err == f"simvalue: error: {option} {message.format(tmp=tmp_path)}\n"
    assert not (tmp_path / "gone").exists() and hidden(tmp_path) == []


def test_an_unwritable_folder_is_refused_before_simulating(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(simvalue.results.simulation, "simulate", no_simulation)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root ignores the mode: let os.access answer as it would for a user
        access = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != locked and access(path, mode))
    try:
        assert main(["run", str(REPO / "scenarios" / "service_desk.yaml"), "--out", str(locked / "out")]) == 2
    finally:
        locked.chmod(0o700)
    assert capsys.readouterr().err == (f"simvalue: error: --out {locked / 'out'}: cannot write in {locked} "
                                       "(permission denied)\n")


def test_a_planted_link_among_the_working_folders_is_never_followed(tmp_path, capsys, monkeypatch):
    """A link named like a working folder (``.simvalue-new-*``) would let recovery move the outputs to
    wherever it points: it is refused, the CLI refusing it before simulating."""
    elsewhere, folder = tmp_path / "elsewhere", tmp_path / "out"
    elsewhere.mkdir()
    (elsewhere / fileset.MANIFEST).write_text(json.dumps(sorted(OLD)))
    folder.mkdir()
    for name, data in OLD.items():
        (folder / name).write_bytes(data)
    (folder / ".simvalue-new-planted").symlink_to(elsewhere)
    (folder / ".simvalue-old-planted").mkdir()
    with pytest.raises(FileSetError, match=r"\.simvalue-new-planted: is a symbolic link to .*elsewhere, which "
                                           "simvalue never makes"):
        write_set(folder, writers(NEW), OWNED)
    assert os.listdir(elsewhere) == [fileset.MANIFEST]
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == OLD
    monkeypatch.setattr(simvalue.results.simulation, "simulate", no_simulation)
    assert main(["run", str(REPO / "scenarios" / "service_desk.yaml"), "--out", str(folder)]) == 2
    assert capsys.readouterr().err == (f"simvalue: error: --out {folder}/.simvalue-new-planted: is a symbolic link "
                                       f"to {elsewhere}, which simvalue never makes; outputs are not written through "
                                       "it: remove it and run again\n")
    assert os.listdir(elsewhere) == [fileset.MANIFEST]
