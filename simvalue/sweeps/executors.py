"""Where sweep tasks run: in this process, in a local process pool, or on a Dask cluster.

Every executor takes a picklable function and argument tuples (any iterable, taken lazily, so the
first tasks run while later ones are made) and yields results as they finish; results never depend
on the executor because each task carries its own seed. On Dask, one cluster serves many sweeps:
a ``Client`` passed in, the current client, or a LocalCluster kept for the Python session.
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import SimulationError
from ..limits import MAX_WORKERS_PER_CORE
from .orphans import exit_with_parent

if TYPE_CHECKING:
    from distributed import Client


class Executor(Protocol):
    """Runs ``fn(*args)`` for every args tuple and yields the results in completion order."""

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]: ...


class SerialExecutor:
    """One task after another in this process: simplest to debug."""

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        for args in tasks:
            yield fn(*args)


class ProcessExecutor:
    """A local process pool, one worker per core by default (forkserver with the task's module preloaded).

    Workers end within a second if this process dies, even by ``kill -9``; the forkserver and the
    resource tracker follow them (see ``orphans``). ``in_process_when_small``: a sweep estimated to
    take less than the pool's start-up may run in its own process instead (``executor="process"``).
    """

    def __init__(self, workers: int | None = None, in_process_when_small: bool = False) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.in_process_when_small = in_process_when_small

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        pending = _nonempty(tasks)
        if pending is None:
            return
        context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
        if os.name == "posix":
            # The forkserver (started once per session) imports the task's module, so each worker
            # forked from it starts with pandas and the engine loaded instead of importing them.
            context.set_forkserver_preload([fn.__module__])
        # Never more workers than tasks, nor than MAX_WORKERS_PER_CORE per core: each worker is a
        # Python process of about 100 MB, and tasks are CPU-bound (more would only fill memory).
        # With forkserver or spawn the pool starts workers as tasks arrive, so a generator needs no count.
        workers = min(self.workers, len(tasks) if isinstance(tasks, Sized) else self.workers,
                      MAX_WORKERS_PER_CORE * (os.cpu_count() or 1))
        with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                 initializer=exit_with_parent) as pool:
            futures = []
            try:
                futures.extend(pool.submit(fn, *args) for args in pending)
                for future in as_completed(futures):
                    yield future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise


class DaskExecutor:
    """A Dask distributed cluster, found in this order: ``client`` (a ``distributed.Client``, used and
    left open); ``scheduler``, an address (tcp://host:port) connected to for the call; with
    ``scheduler=None`` the current client (``Client.current()``), if there is one; otherwise (or with
    ``scheduler="local"``) this session's LocalCluster of ``workers`` single-threaded processes,
    started on first use and kept until the interpreter exits (see ``local_client``)."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, client: Client | None = None
                 ) -> None:
        self.scheduler = scheduler
        self.workers = workers or os.cpu_count() or 1
        self.client = client

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        pending = _nonempty(tasks)
        if pending is None:
            return  # no cluster started for nothing
        from distributed import as_completed as dask_completed
        with self._connected() as client:
            running: dict[str, Any] = {}  # key -> future, until its result is taken (then released)
            completed = dask_completed(loop=client.loop)
            try:
                for args in pending:
                    future = client.submit(fn, *args, pure=False)
                    running[future.key] = future
                    completed.add(future)
                for future in completed:
                    del running[future.key]
                    yield future.result()
            finally:
                if running:  # an error or an abandoned sweep leaves nothing on a cluster that lives on
                    client.cancel(list(running.values()))

    @contextmanager
    def _connected(self) -> Iterator[Client]:
        """The client to submit to; only a connection opened here is closed here."""
        if self.client is not None:
            yield self.client
        elif self.scheduler not in (None, "local"):
            client = connect(self.scheduler)
            try:
                yield client
            finally:
                client.close()
        else:
            yield (current_client() if self.scheduler is None else None) or local_client(self.workers)


def connect(address: str) -> Client:
    """A client of the scheduler at ``address`` (not made Dask's default), or a one-line error."""
    from distributed import Client
    try:
        return Client(address, timeout="20s", set_as_default=False)
    except (OSError, ValueError, TypeError, TimeoutError) as exc:
        raise SimulationError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None


#: Address schemes Dask's comms speak; a bare host:port means tcp.
SCHEMES = ("tcp", "tls", "ws", "wss", "inproc", "ucx")


def check_address(address: str) -> None:
    """Refuse at once a scheduler address Dask cannot speak (garbage://x waited 40 s for a TimeoutError)."""
    scheme, sep, rest = address.partition("://")
    if address == "local" or (sep and scheme in SCHEMES and rest) or (not sep and ":" in address and " " not in address):
        return
    raise SimulationError(f"--scheduler {address!r}: expected 'local' or an address such as tcp://host:8786 "
                          f"(schemes: {', '.join(SCHEMES)})")


def current_client() -> Client | None:
    """The Dask client the user made current (the latest one still open), or None."""
    from distributed import Client
    try:
        client = Client.current()
    except ValueError:
        return None
    return client if client.status == "running" else None


#: This session's LocalCluster: {"cluster", "client", "workers"}. Global on purpose (the one
#: exception to STYLE.md's rule 6): starting a cluster takes seconds, so sweeps share one.
_LOCAL: dict[str, Any] = {}
_LOCAL_LOCK = threading.Lock()


def local_client(workers: int) -> Client:
    """A client of this session's LocalCluster with ``workers`` single-threaded worker processes: the
    one started by an earlier sweep if it has that many workers and is running, else a new one
    (replacing it). It is closed when the interpreter exits.

    No death_timeout needed: after a kill -9 of this process (which hosts the scheduler and the
    nannies) each worker process exits within a second by itself, as distributed ends it when its
    parent's pipe closes (AsyncProcess._immediate_exit_when_closed); tests/test_orphans.py checks it.
    """
    from distributed import Client, LocalCluster
    with _LOCAL_LOCK:
        client = _LOCAL.get("client")
        if client is not None and _LOCAL["workers"] == workers and _running(client):
            return client
        close_local_cluster()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0")  # any free port: never the 8787 of a user's own cluster
        if not _LOCAL.get("atexit"):
            atexit.register(close_local_cluster)
        _LOCAL.update(cluster=cluster, client=Client(cluster, set_as_default=False), workers=workers, atexit=True)
        return _LOCAL["client"]


def close_local_cluster() -> None:
    """Close this session's LocalCluster, if one was started (at exit, or to free its workers)."""
    client, cluster = _LOCAL.pop("client", None), _LOCAL.pop("cluster", None)
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()


def _running(client: Client) -> bool:
    """Whether a kept client and its cluster can still take work."""
    from distributed.core import Status
    return client.status == "running" and client.cluster is not None and client.cluster.status == Status.running


def _nonempty(tasks: Iterable[tuple]) -> Iterator[tuple] | None:
    """The tasks as an iterator, or None when there are none (taking the first to find out)."""
    iterator = iter(tasks)
    first = next(iterator, None)
    return None if first is None else itertools.chain([first], iterator)


def make_executor(executor: str | Executor = "process", workers: int | None = None,
                  scheduler: str | None = None, client: Client | None = None) -> Executor:
    """An executor by name: "serial", "process" (default) or "dask" (see ``DaskExecutor``); a
    ``scheduler`` or ``client`` means Dask whatever the name."""
    if not isinstance(executor, str):
        return executor
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise SimulationError(f"workers must be a whole number of at least 1, got {workers!r}")
    if client is not None and scheduler is not None:
        raise SimulationError(f"give a Dask client or a scheduler address, not both (scheduler={scheduler!r})")
    if scheduler is not None:
        check_address(scheduler)
    if client is not None or scheduler is not None or executor == "dask":
        return DaskExecutor(scheduler, workers, client)
    if executor == "serial":
        return SerialExecutor()
    if executor == "process":
        return ProcessExecutor(workers, in_process_when_small=True)
    raise SimulationError(f"unknown executor {executor!r}; expected serial, process or dask")
