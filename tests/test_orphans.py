"""A sweep killed with SIGKILL leaves no process behind: no workers, forkserver or resource tracker."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from simvalue.sweeps.orphans import _wait_until_gone

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and the forkserver are POSIX")

ROOT = Path(__file__).resolve().parents[1]

# About 0.5 s a point: 60 points keep the workers busy well past the first one.
SWEEP = """
import sys
from simvalue import sweep
scenario = {
    "name": "orphans", "horizon": "4000d", "warmup": "2d", "seed": 5, "replications": 1,
    "teams": {"desk": {"capacity": 2}},
    "demand": [{"type": "ticket", "stream": "s", "arrivals": {"rate": "20/d"}}],
    "streams": {"s": {"steps": [
        {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "exponential(mean=1h)"},
    ]}},
}
sweep(scenario, {"teams.desk.capacity": "2:61"}, replications=1, executor=sys.argv[1], workers=int(sys.argv[2]),
      metrics=["time_to_value_mean"], progress=lambda done, total, resumed: print(done, flush=True))
"""


# helpers: the fewest descendants a running sweep has. Process pool (2 workers, as in the report of
# the bug): resource tracker, forkserver and the workers. Dask LocalCluster (1 worker, to stay
# fast): the worker process; its scheduler and nanny run in the killed process.
@pytest.mark.parametrize(("executor", "workers", "helpers"), [("process", 2, 4), ("dask", 1, 1)])
def test_killing_a_sweep_ends_its_workers(executor, workers, helpers, tmp_path):
    with open(tmp_path / "stderr.txt", "wb") as stderr:
        main = subprocess.Popen([sys.executable, "-c", SWEEP, executor, str(workers)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=stderr)
    family: list[psutil.Process] = []
    try:
        assert _first_line(main, timeout=60), _tail(tmp_path / "stderr.txt")  # one point done: workers up
        family = psutil.Process(main.pid).children(recursive=True)
        assert main.poll() is None and len(family) >= helpers, [p.cmdline() for p in family]
        os.kill(main.pid, signal.SIGKILL)
        main.wait()
        deadline = time.monotonic() + 10
        while _alive(family) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(family), [p.cmdline() for p in _alive(family)]
    finally:
        if main.poll() is None:
            family += psutil.Process(main.pid).children(recursive=True)
            main.kill()
        main.wait()
        main.stdout.close()
        for process in _alive(family):
            process.kill()


def test_a_worker_notices_its_parent_gone_even_if_the_sentinel_stays_open():
    read, write = os.pipe()  # ``write`` stays open: the sentinel does not fire
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # reaped: its pid no longer exists
    try:
        started = time.monotonic()
        _wait_until_gone(read, dead.pid, interval=0.05)
        assert time.monotonic() - started < 2
    finally:
        os.close(write)
    try:
        _wait_until_gone(read, os.getpid())  # end of file: returns at once though the pid exists
    finally:
        os.close(read)


def _first_line(process: subprocess.Popen, timeout: float) -> bytes:
    """The first line the process prints, or b"" if it prints none within ``timeout`` seconds."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline() if ready else b""


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running; a zombie (dead, not yet reaped by init) counts as gone."""
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:]
