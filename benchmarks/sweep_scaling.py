"""Sweep scaling: speed-up against workers in the local process pool and on a Dask LocalCluster.

A grid over ``scenarios/change_enablement.yaml`` — platform capacity 3..6 x a CAB every 3..7 days,
20 points of 2 replications, so 40 tasks (one per point and replication) — runs serially (timing
every task: the reference frame, and each task's length), then in the process pool and on a Dask
LocalCluster of single-threaded worker processes with 1, 2, 4, ... workers up to the CPU count.
Every run must give a frame identical to the serial one (each task's seed is fixed before any work
starts), else the script exits with status 1. Times are wall-clock for the whole ``simvalue.sweep``
call, best of ``--repeats``. A process-pool run includes starting its pool (workers forked from a
forkserver that has imported the sweep's modules; the forkserver itself starts once per session, in
an untimed warm-up reported apart). A Dask run is timed on the LocalCluster simvalue keeps for the
session, after an untimed first sweep; starting that cluster (and its first sweep, which imports
the modules in each worker) is reported apart, as a user pays it once per session. Results go to
``benchmarks/results/sweep_scaling.json``; nothing asserts timings (they depend on the machine).

Expected speed-up on a multi-node cluster: the tasks are independent (point, replication) pairs
that exchange nothing but their seed and one row of metrics, so W workers give a speed-up of about
min(W, tasks), less (1) the tail: no sweep is shorter than its longest task, and the last wave of
tasks leaves workers idle, so the bound is total / max(ceil(tasks / W) x mean task, longest task);
(2) Dask's scheduling, a few milliseconds per task, against tasks of a few hundred milliseconds; and
(3) the sweep's own process, which checks each point once (about 10 ms) as it hands out its tasks:
it keeps up while W < replications x mean task / 10 ms (about 60 workers for 2 replications of
0.3 s). The script prints this bound for 8 to 256 workers from the measured task lengths.

    .venv/bin/python benchmarks/sweep_scaling.py            # 20 points x 2 replications, 180-day horizon
    .venv/bin/python benchmarks/sweep_scaling.py --quick    # 12 points, 90-day horizon: half a minute
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import simvalue
from simvalue.sweeps.executors import ProcessExecutor, close_local_cluster, local_client

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "change_enablement.yaml"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "sweep_scaling.json"

CAPACITY = "teams.platform.capacity"
MEETS = "streams.normal_change.steps.cab.gate.meets"
FULL = {CAPACITY: "3:6", MEETS: "3d:7d:1d"}       # 4 x 5 = 20 points
QUICK = {CAPACITY: "3:5", MEETS: "4d:7d:1d"}      # 3 x 4 = 12 points
QUICK_HORIZON = "90d"
PER_POINT_CHECK = 0.010  # seconds: the sweep's process checks each point once (measured: 7-10 ms)
PROJECTED_WORKERS = (8, 32, 64, 128, 256)


@dataclass
class Row:
    """One timed executor: best wall-clock seconds over the repeats, and whether it matched serial."""

    executor: str
    workers: int
    tasks: int
    seconds: float
    identical: bool
    speed_up: float = 1.0  # serial seconds / these seconds
    start_up_seconds: float | None = None  # Dask: starting the kept LocalCluster and its first sweep

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"tasks_per_second": self.tasks / self.seconds}


class TimingExecutor:
    """Serial, timing each task: the reference frame and the tasks' lengths."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        for args in tasks:
            start = time.perf_counter()
            result = fn(*args)
            self.seconds.append(time.perf_counter() - start)
            yield result


def worker_counts(cores: int) -> list[int]:
    """1, 2, 4, ... up to the CPU count, and the CPU count itself."""
    counts = [2 ** k for k in range(int(math.log2(cores)) + 1)]
    return sorted(set(counts) | {cores})


def timed(call: Callable[[], pd.DataFrame], repeats: int) -> tuple[float, pd.DataFrame]:
    """Best wall-clock seconds of ``repeats`` calls, and the last frame."""
    best, frame = math.inf, pd.DataFrame()
    for _ in range(repeats):
        start = time.perf_counter()
        frame = call()
        best = min(best, time.perf_counter() - start)
    return best, frame


def same(frame: pd.DataFrame, reference: pd.DataFrame) -> bool:
    """Identical values, columns and dtypes (attrs, which record the run, are not compared)."""
    try:
        pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    except AssertionError:
        return False
    return True


def run(args: argparse.Namespace, scenario: simvalue.Scenario, params: dict[str, str]
        ) -> tuple[list[Row], list[float], float]:
    """Serial (timing each task), then the pool and Dask at every worker count; rows, task lengths, warm-up."""
    def sweep(**how: Any) -> Callable[[], pd.DataFrame]:
        return lambda: simvalue.sweep(scenario, params, replications=args.replications, seed=args.seed, **how)

    warm = timed(lambda: simvalue.sweep(scenario, {CAPACITY: [3]}, replications=1, seed=args.seed,
                                        executor=ProcessExecutor(1)), 1)[0]  # a pool, however small
    print(f"  forkserver warm-up (untimed): {warm:.2f} s", file=sys.stderr, flush=True)
    timing = TimingExecutor()
    seconds, reference = timed(sweep(executor=timing), 1)
    tasks = len(timing.seconds)
    rows = [Row("serial", 1, tasks, seconds, True)]
    for workers in worker_counts(os.cpu_count() or 1):
        seconds, frame = timed(sweep(executor=ProcessExecutor(workers)), args.repeats)
        rows.append(Row("process", workers, tasks, seconds, same(frame, reference)))
        _report(rows[-1])
        if not args.no_dask:
            rows.append(_dask_row(sweep(executor="dask", workers=workers), workers, tasks, reference, args.repeats))
            _report(rows[-1])
    close_local_cluster()
    for row in rows:
        row.speed_up = rows[0].seconds / row.seconds
    return rows, timing.seconds, warm


def _dask_row(call: Callable[[], pd.DataFrame], workers: int, tasks: int, reference: pd.DataFrame,
              repeats: int) -> Row:
    """A Dask run on the kept LocalCluster; its start and first sweep timed apart."""
    close_local_cluster()
    start = time.perf_counter()
    local_client(workers)  # what the first sweep of a session starts
    call()  # its first tasks import the sweep's modules in each worker
    start_up = time.perf_counter() - start
    seconds, frame = timed(call, repeats)
    return Row("dask", workers, tasks, seconds, same(frame, reference), start_up_seconds=start_up)


def _report(row: Row) -> None:
    extra = f" (start-up apart: {row.start_up_seconds:.2f} s)" if row.start_up_seconds is not None else ""
    print(f"  {row.executor:7} x{row.workers}: {row.seconds:6.2f} s{extra}", file=sys.stderr, flush=True)


# -- the expected speed-up on more workers --------------------------------------------------------
def projected_speed_up(task_seconds: Sequence[float], workers: int, replications: int) -> float:
    """The bound of the docstring: total work over the longest of a wave-by-wave schedule, the longest
    task, and the sweep's own point checks (one per point, made as fast as one process can)."""
    total, longest = sum(task_seconds), max(task_seconds)
    waves = math.ceil(len(task_seconds) / workers) * (total / len(task_seconds))
    checks = len(task_seconds) / replications * PER_POINT_CHECK
    return total / max(waves, longest, checks)


def projections(task_seconds: Sequence[float], replications: int) -> dict[str, float]:
    return {str(w): projected_speed_up(task_seconds, w, replications) for w in PROJECTED_WORKERS}


# -- reporting ----------------------------------------------------------------------------------
def environment() -> dict[str, Any]:
    """Versions and machine facts that sweep speed depends on."""
    import dask
    import distributed
    import numpy as np

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"python": platform.python_version(), "simvalue": simvalue.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "dask": dask.__version__, "distributed": distributed.__version__,
            "platform": platform.platform(), "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "cpus_usable": affinity, "load_average_before": _load()}


def _load() -> float | None:
    """The 1-minute load average: other processes competing for the CPUs skew every timing."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def format_table(rows: Sequence[Row]) -> str:
    """Plain text: executor left-aligned, numbers right-aligned."""
    headers = ["executor", "workers", "tasks", "seconds", "tasks/s", "speed-up", "start-up apart", "identical"]
    cells = [[r.executor, str(r.workers), str(r.tasks), f"{r.seconds:.2f}", f"{r.tasks / r.seconds:.2f}",
              f"{r.speed_up:.2f}x", "" if r.start_up_seconds is None else f"{r.start_up_seconds:.2f} s",
              "yes" if r.identical else "NO"] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(c) for c in cells)])


def expectation(task_seconds: Sequence[float], replications: int) -> str:
    """The printed statement of the expected speed-up on a multi-node cluster."""
    mean, longest = sum(task_seconds) / len(task_seconds), max(task_seconds)
    bounds = ", ".join(f"{w} workers {s:.1f}x" for w, s in projections(task_seconds, replications).items())
    return (f"Expected on a multi-node Dask cluster: tasks are independent (point, replication) pairs, so W workers "
            f"give about min(W, tasks) times serial, less the tail (no sweep is shorter than its longest task, "
            f"{longest:.2f} s here, and the last wave leaves workers idle), Dask's few milliseconds per task "
            f"against a mean task of {mean:.2f} s, and the sweep's own process checking each point once (~10 ms). "
            f"For these {len(task_seconds)} tasks that bound is: {bounds}. A sweep with more tasks "
            f"(points x replications) keeps more workers busy.")


def write_json(args: argparse.Namespace, env: dict[str, Any], rows: list[Row], task_seconds: list[float],
               warm_up_seconds: float) -> None:
    """Everything measured, with the settings and environment needed to compare runs."""
    document = {
        "benchmark": "sweep_scaling",
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": {"scenario": str(args.scenario.relative_to(ROOT) if args.scenario.is_relative_to(ROOT)
                                     else args.scenario), "params": QUICK if args.quick else FULL,
                     "horizon": args.horizon, "replications": args.replications, "seed": args.seed,
                     "repeats": args.repeats, "quick": args.quick},
        "environment": env,
        "forkserver_warm_up_seconds": warm_up_seconds,
        "tasks": {"count": len(task_seconds), "mean_seconds": sum(task_seconds) / len(task_seconds),
                  "longest_seconds": max(task_seconds), "total_seconds": sum(task_seconds)},
        "rows": [row.as_json() for row in rows],
        "identical": all(row.identical for row in rows),
        "projected_speed_up_by_workers": projections(task_seconds, args.replications),
        "expectation": expectation(task_seconds, args.replications),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n")


# -- command line -------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Speed-up of simvalue.sweep against workers (1, 2, 4, ... up to the CPU count) in a local "
                    "process pool and on the Dask LocalCluster simvalue keeps, over serial, on the same grid; "
                    "checks the results are identical and projects the speed-up on more workers.")
    parser.add_argument("--quick", action="store_true",
                        help=f"12 points and a {QUICK_HORIZON} horizon instead of 20 points and the scenario's")
    parser.add_argument("--replications", type=int, default=2, help="replications per point (default: 2)")
    parser.add_argument("--horizon", default=None,
                        help="override the scenario's horizon, e.g. 90d (default: the scenario's; "
                             f"{QUICK_HORIZON} with --quick)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per executor; the best counts (default: 1)")
    parser.add_argument("--seed", type=int, default=1, help="the sweep's seed (default: 1)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO,
                        help="scenario file (default: scenarios/change_enablement.yaml)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="where to write the JSON results (default: benchmarks/results/sweep_scaling.json)")
    args = parser.parse_args(argv)
    if args.quick and args.horizon is None:
        args.horizon = QUICK_HORIZON
    if args.replications < 1 or args.repeats < 1:
        parser.error(f"--replications and --repeats must be at least 1, got {args.replications} and {args.repeats}")
    args.scenario = args.scenario.resolve()
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    env = environment()
    params = QUICK if args.quick else FULL
    scenario = simvalue.load_scenario(args.scenario)
    if args.horizon:
        scenario = simvalue.load_variant(scenario, {"name": scenario.name, "set": {"horizon": args.horizon}})
    points = len(simvalue.sweeps.design_points([simvalue.sweeps.parse_parameter(p, s) for p, s in params.items()]))
    print(f"Python {env['python']}, simvalue {env['simvalue']}, dask {env['dask']}; {env['cpu_count']} CPUs "
          f"({env['cpus_usable']} usable)\n{args.scenario.name}: {points} points x {args.replications} "
          f"replications = {points * args.replications} tasks, horizon {args.horizon or 'as in the scenario'}, "
          f"best of {args.repeats}\n")
    if (env["load_average_before"] or 0) > 0.5:
        print(f"note: load average {env['load_average_before']:.2f} before the run; other processes share the "
              "CPUs, so timings (and speed-ups) are pessimistic\n")
    rows, task_seconds, warm = run(args, scenario, params)
    env["load_average_after"] = _load()
    print(format_table(rows))
    print(f"\nSeconds are wall-clock for the whole sweep. A process-pool run includes starting its pool (not the "
          f"forkserver, started once per session: {warm:.2f} s here); a Dask run is on the LocalCluster kept "
          "for the session, whose start and first sweep are in 'start-up apart'.\n")
    print(expectation(task_seconds, args.replications))
    write_json(args, env, rows, task_seconds, warm)
    print(f"\nWrote {args.out}")
    if not all(row.identical for row in rows):
        print("ERROR: some executors gave results different from serial", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
