"""Sweep speed-up: the same sweep serially, in the local process pool and on a Dask LocalCluster.

Prints a table (executor, workers, seconds, points/s, speed-up over serial), checks every
executor gives identical results, and writes benchmarks/results/sweep_scaling.json.
Run: .venv/bin/python benchmarks/sweep_scaling.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

import simvalue

ROOT = Path(__file__).resolve().parent.parent
PARAMS = {"teams.platform.capacity": "3:6", "streams.normal_change.steps.cab.gate.meets": "1d:7d:1d"}


def run(executor: str, workers: int | None, replications: int, params: dict) -> tuple[float, pd.DataFrame]:
    """Seconds and result of one sweep."""
    start = time.perf_counter()
    frame = simvalue.sweep(ROOT / "scenarios" / "change_enablement.yaml", params, replications=replications,
                           executor=executor, workers=workers, metrics=["time_to_value_mean", "utilisation"])
    return time.perf_counter() - start, frame


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small sweep (6 points, 1 replication)")
    parser.add_argument("--replications", type=int, default=2, help="replications per point (default 2)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "sweep_scaling.json")
    args = parser.parse_args()
    params = {"teams.platform.capacity": "3:4", "streams.normal_change.steps.cab.gate.meets": "1d:3d:1d"} \
        if args.quick else PARAMS
    replications = 1 if args.quick else args.replications
    cores = os.cpu_count() or 1
    plans = [("serial", None), ("process", 1), ("process", 2)] + ([("process", cores)] if cores > 2 else [])
    plans.append(("dask", 2))
    rows, reference = [], None
    for executor, workers in plans:
        seconds, frame = run(executor, workers, replications, params)
        if reference is None:
            reference = frame
        identical = frame.equals(reference)
        points = frame["point"].nunique()
        rows.append({"executor": executor, "workers": workers or 1, "points": points, "seconds": seconds,
                     "points_per_second": points / seconds, "identical_to_serial": identical})
    serial = rows[0]["seconds"]
    for row in rows:
        row["speed_up"] = serial / row["seconds"]
    table = pd.DataFrame(rows)
    print(f"Python {platform.python_version()}, simvalue {simvalue.__version__}; {cores} CPUs; "
          f"{rows[0]['points']} points x {replications} replications of change_enablement")
    print(table.to_string(index=False, formatters={"seconds": "{:.2f}".format, "points_per_second": "{:.2f}".format,
                                                   "speed_up": "{:.2f}x".format}))
    print("Pools and clusters pay a start-up cost (worker processes import simvalue); it is amortised on "
          "longer sweeps.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"benchmark": "sweep_scaling", "cpus": cores, "replications": replications,
                                    "python": platform.python_version(), "rows": rows}, indent=2))
    print(f"wrote {args.out}")
    return 0 if all(row["identical_to_serial"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
