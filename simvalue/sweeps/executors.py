"""Where sweep points run: in this process, in a local process pool, or on a Dask cluster.

Every executor takes a picklable function and argument tuples and yields results as they finish;
results never depend on the executor because each point carries its own seed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol

from ..errors import SimulationError
from ..limits import MAX_WORKERS_PER_CORE
from .orphans import exit_with_parent


class Executor(Protocol):
    """Runs ``fn(*args)`` for every args tuple and yields the results in completion order."""

    def map_unordered(self, fn: Callable[..., Any], tasks: list[tuple]) -> Iterator[Any]: ...


class SerialExecutor:
    """One point after another in this process: simplest to debug."""

    def map_unordered(self, fn: Callable[..., Any], tasks: list[tuple]) -> Iterator[Any]:
        for args in tasks:
            yield fn(*args)


class ProcessExecutor:
    """A local process pool, one worker per core by default (forkserver with simvalue preloaded).

    Workers end within a second if this process dies, even by ``kill -9``; the forkserver and the
    resource tracker follow them (see ``orphans``).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    def map_unordered(self, fn: Callable[..., Any], tasks: list[tuple]) -> Iterator[Any]:
        if not tasks:
            return
        context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
        if os.name == "posix":
            context.set_forkserver_preload(["simvalue"])
        # Never more workers than points, nor than MAX_WORKERS_PER_CORE per core: each worker is a
        # Python process of about 100 MB, and points are CPU-bound (more would only fill memory).
        workers = min(self.workers, len(tasks), MAX_WORKERS_PER_CORE * (os.cpu_count() or 1))
        with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                 initializer=exit_with_parent) as pool:
            futures = [pool.submit(fn, *args) for args in tasks]
            try:
                for future in as_completed(futures):
                    yield future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise


class DaskExecutor:
    """A Dask distributed cluster: ``scheduler`` is an address (tcp://host:port) or "local" for an
    in-process LocalCluster with ``workers`` single-threaded worker processes."""

    def __init__(self, scheduler: str = "local", workers: int | None = None) -> None:
        self.scheduler = scheduler
        self.workers = workers or os.cpu_count() or 1

    def map_unordered(self, fn: Callable[..., Any], tasks: list[tuple]) -> Iterator[Any]:
        try:
            from distributed import Client, LocalCluster, as_completed as dask_completed
        except ImportError as exc:  # pragma: no cover - distributed is a dependency
            raise SimulationError(f"Dask distributed is not installed: {exc}") from None
        cluster = None
        if self.scheduler == "local":
            # No death_timeout needed: after a kill -9 of this process (which hosts the scheduler
            # and the nannies) each worker process exits within a second by itself, as distributed
            # ends it when its parent's pipe closes (AsyncProcess._immediate_exit_when_closed);
            # tests/test_orphans.py checks it.
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            try:
                client = Client(self.scheduler, timeout="20s")
            except (OSError, ValueError, TypeError) as exc:
                raise SimulationError(f"cannot reach the Dask scheduler at {self.scheduler!r}: {exc}") from None
        try:
            futures = [client.submit(fn, *args, pure=False) for args in tasks]
            for future in dask_completed(futures):
                yield future.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def make_executor(executor: str | Executor = "process", workers: int | None = None,
                  scheduler: str | None = None) -> Executor:
    """An executor by name: "serial", "process" (default) or "dask" (``scheduler`` or a LocalCluster)."""
    if not isinstance(executor, str):
        return executor
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise SimulationError(f"workers must be a whole number of at least 1, got {workers!r}")
    if scheduler is not None or executor == "dask":
        return DaskExecutor(scheduler or "local", workers)
    if executor == "serial":
        return SerialExecutor()
    if executor == "process":
        return ProcessExecutor(workers)
    raise SimulationError(f"unknown executor {executor!r}; expected serial, process or dask")
