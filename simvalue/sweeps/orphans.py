"""Pool workers that end when the process that started them dies, even by ``kill -9``.

Without this a ``ProcessPoolExecutor`` worker outlives a killed parent: it blocks reading the call
queue, whose write end it and its sibling workers hold too, so it never sees end-of-file. Through
the workers the forkserver lives on as well (it exits on end-of-file of its "alive" pipe, whose
write end every worker inherits), and so does the resource tracker (likewise, on its own pipe).
Ending the workers is enough: the forkserver and the tracker then exit by themselves.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess

#: Seconds between checks that the parent's pid still exists (the fallback; see ``_wait_until_gone``).
POLL_INTERVAL = 0.5


def exit_with_parent() -> None:
    """Pool initializer: a daemon thread ends this worker as soon as its parent process is gone.

    ``prctl(PR_SET_PDEATHSIG)`` would not do: a forkserver worker's parent is the forkserver, which
    outlives the sweep's main process, and the signal follows the parent *thread*, not the process.
    """
    parent = multiprocessing.parent_process()
    if parent is None:  # not started by multiprocessing: nothing to watch
        return
    threading.Thread(target=_watch, args=(parent,), name="simvalue-exit-with-parent", daemon=True).start()


def _watch(parent: BaseProcess) -> None:
    """Leave at once when the parent is gone (``os._exit``: nothing in a worker needs cleaning up)."""
    _wait_until_gone(parent.sentinel, parent.pid)
    os._exit(1)


def _wait_until_gone(sentinel: int, pid: int | None, interval: float = POLL_INTERVAL) -> None:
    """Return when ``sentinel`` is ready or, on POSIX, no process ``pid`` exists any more.

    The sentinel is a pipe whose write end only the parent holds, so the kernel closes it the moment
    the parent dies, reaped or not (a zombie still answers ``os.kill(pid, 0)``). Should a process the
    parent forked keep a copy of that end, polling the pid every ``interval`` seconds still notices.
    Distributed's worker processes use the same pattern (``AsyncProcess._immediate_exit_when_closed``).
    """
    timeout = interval if os.name == "posix" else None  # os.kill(pid, 0) terminates on Windows
    while not wait([sentinel], timeout=timeout):
        if not _exists(pid):
            return


def _exists(pid: int | None) -> bool:
    """Whether process ``pid`` exists (a pid reused since is a false yes: we just keep waiting)."""
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists but belongs to another user
        return True
    return True
