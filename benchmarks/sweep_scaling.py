"""Sweep scaling: the same sweep serially, in the local process pool and on a Dask LocalCluster.

A grid over ``scenarios/change_enablement.yaml`` — platform capacity 3..6 x a CAB every 3..7 days,
20 points of 2 replications each — runs with every executor: serial; the process pool with 1 and 2
workers and one per CPU; a Dask LocalCluster with 2 single-threaded workers. Every run must give a
frame identical to the serial one (each point's seed is fixed before any work starts), else the
script exits with status 1. Times are wall-clock for the whole ``simvalue.sweep`` call, best of
``--repeats``, so they include starting the pool or cluster (worker processes forked from a
forkserver that has imported simvalue; Dask's scheduler, nannies and workers), as a user experiences
it. The forkserver itself starts once per Python session, so an untimed one-point warm-up starts it
first (its time is reported apart). Results go to
``benchmarks/results/sweep_scaling.json``; nothing asserts timings (they depend on the machine).

    .venv/bin/python benchmarks/sweep_scaling.py            # 20 points x 2 replications, 180-day horizon
    .venv/bin/python benchmarks/sweep_scaling.py --quick    # 6 points, 60-day horizon: a few seconds per run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import simvalue

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "change_enablement.yaml"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "sweep_scaling.json"

CAPACITY = "teams.platform.capacity"
MEETS = "streams.normal_change.steps.cab.gate.meets"
FULL = {CAPACITY: "3:6", MEETS: "3d:7d:1d"}       # 4 x 5 = 20 points
QUICK = {CAPACITY: "3:4", MEETS: "5d:7d:1d"}      # 2 x 3 = 6 points
QUICK_HORIZON = "60d"


@dataclass
class Row:
    """One timed executor: best wall-clock seconds over the repeats, and whether it matched serial."""

    executor: str
    workers: int
    points: int
    seconds: float
    identical: bool
    speed_up: float = 1.0  # serial seconds / these seconds

    @property
    def points_per_second(self) -> float:
        return self.points / self.seconds

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"points_per_second": self.points_per_second}


def plans(cores: int, dask: bool) -> list[tuple[str, int]]:
    """(executor, workers) in the order they run; serial first, as the reference."""
    pool = sorted({1, 2, cores})
    return [("serial", 1)] + [("process", n) for n in pool] + ([("dask", 2)] if dask else [])


def timed_sweep(scenario: simvalue.Scenario, params: dict[str, str], replications: int, seed: int,
                executor: str, workers: int, repeats: int) -> tuple[float, pd.DataFrame]:
    """Best wall-clock seconds of ``repeats`` identical sweeps, and the last frame."""
    best, frame = float("inf"), pd.DataFrame()
    for _ in range(repeats):
        start = time.perf_counter()
        frame = simvalue.sweep(scenario, params, replications=replications, seed=seed, executor=executor,
                               workers=workers, scheduler="local" if executor == "dask" else None)
        best = min(best, time.perf_counter() - start)
    return best, frame


def same(frame: pd.DataFrame, reference: pd.DataFrame) -> bool:
    """Identical values, columns and dtypes (attrs, which record the run, are not compared)."""
    try:
        pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    except AssertionError:
        return False
    return True


def warm_up(scenario: simvalue.Scenario, seed: int) -> float:
    """Start the process pool's forkserver (once per session) with a one-point, one-replication sweep."""
    start = time.perf_counter()
    simvalue.sweep(scenario, {CAPACITY: [3]}, replications=1, seed=seed, executor="process", workers=1)
    return time.perf_counter() - start


def run(args: argparse.Namespace) -> tuple[list[Row], float]:
    scenario = simvalue.load_scenario(args.scenario)
    if args.horizon:
        scenario = simvalue.load_variant(scenario, {"name": scenario.name, "set": {"horizon": args.horizon}})
    params = QUICK if args.quick else FULL
    warm = warm_up(scenario, args.seed)
    print(f"  forkserver warm-up (untimed): {warm:.2f} s", file=sys.stderr, flush=True)
    rows: list[Row] = []
    reference = None
    for executor, workers in plans(os.cpu_count() or 1, not args.no_dask):
        seconds, frame = timed_sweep(scenario, params, args.replications, args.seed, executor, workers, args.repeats)
        reference = frame if reference is None else reference
        rows.append(Row(executor, workers, int(frame["point"].nunique()), seconds, same(frame, reference)))
        print(f"  {executor:7} x{workers}: {seconds:6.2f} s", file=sys.stderr, flush=True)
    for row in rows:
        row.speed_up = rows[0].seconds / row.seconds
    return rows, warm


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
    headers = ["executor", "workers", "points", "seconds", "points/s", "speed-up", "identical"]
    cells = [[r.executor, str(r.workers), str(r.points), f"{r.seconds:.2f}", f"{r.points_per_second:.2f}",
              f"{r.speed_up:.2f}x", "yes" if r.identical else "NO"] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(c) for c in cells)])


def write_json(args: argparse.Namespace, env: dict[str, Any], rows: list[Row], warm_up_seconds: float) -> None:
    """Everything measured, with the settings and environment needed to compare runs."""
    document = {
        "benchmark": "sweep_scaling",
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": {"scenario": str(args.scenario), "params": QUICK if args.quick else FULL,
                     "horizon": args.horizon, "replications": args.replications, "seed": args.seed,
                     "repeats": args.repeats, "quick": args.quick},
        "environment": env,
        "forkserver_warm_up_seconds": warm_up_seconds,
        "rows": [row.as_json() for row in rows],
        "identical": all(row.identical for row in rows),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n")


# -- command line -------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Speed-up of simvalue.sweep in a local process pool (1, 2 and one worker per CPU) and on "
                    "a Dask LocalCluster (2 workers) over serial, on the same grid; checks the results are "
                    "identical.")
    parser.add_argument("--quick", action="store_true",
                        help=f"6 points and a {QUICK_HORIZON} horizon instead of 20 points and the scenario's")
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
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    env = environment()
    params = QUICK if args.quick else FULL
    points = len(simvalue.sweeps.design_points([simvalue.sweeps.parse_parameter(p, s) for p, s in params.items()]))
    print(f"Python {env['python']}, simvalue {env['simvalue']}, dask {env['dask']}; {env['cpu_count']} CPUs "
          f"({env['cpus_usable']} usable)\n{args.scenario.name}: {points} points x {args.replications} "
          f"replications, horizon {args.horizon or 'as in the scenario'}, best of {args.repeats}\n")
    if (env["load_average_before"] or 0) > 0.5:
        print(f"note: load average {env['load_average_before']:.2f} before the run; other processes share the "
              "CPUs, so timings (and speed-ups) are pessimistic\n")
    rows, warm = run(args)
    env["load_average_after"] = _load()
    print(format_table(rows))
    print(f"\nSeconds are wall-clock for the whole sweep, including starting the pool or cluster (not the "
          f"forkserver, started once per session: {warm:.2f} s here).")
    write_json(args, env, rows, warm)
    print(f"Wrote {args.out}")
    if not all(row.identical for row in rows):
        print("ERROR: some executors gave results different from serial", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
