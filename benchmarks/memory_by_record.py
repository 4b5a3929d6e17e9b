"""Peak memory against the horizon for each record level (issue 13): ``full``, ``items``, ``summary``.

The M/M/3 queue of engine_throughput.py (utilisation 0.8, about 2.4 items an hour) runs one
replication with horizons from a few thousand to a few hundred thousand items; for each record level
and horizon the peak traced memory of ``simvalue.simulate`` (tracemalloc, which counts what
Python and numpy allocate) and the wall time are recorded. ``full`` and ``items`` grow with the
horizon; ``summary`` should not once a run is longer than one fold (``limits.FOLD_ITEMS`` items).
Results go to ``benchmarks/results/memory_by_record.json``; nothing asserts here (the bound is
tests/test_record_levels.py's).

    .venv/bin/python benchmarks/memory_by_record.py            # up to ~300k items
    .venv/bin/python benchmarks/memory_by_record.py --quick    # up to ~40k items
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import simvalue
from simvalue.limits import FOLD_ITEMS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "memory_by_record.json"
RATE = 2.4  # items an hour
LEVELS = ("full", "items", "summary")


def scenario(hours: float) -> dict:
    """The M/M/3 queue at utilisation 0.8 for ``hours``."""
    return {"name": "mm3", "seed": 1, "replications": 1, "horizon": f"{hours!r}h", "warmup": "0h",
            "teams": {"servers": {"capacity": 3}},
            "demand": [{"type": "job", "stream": "queue", "arrivals": {"rate": f"{RATE!r}/h"}}],
            "streams": {"queue": {"steps": [{"name": "serve", "activity": "deliver_and_support", "team": "servers",
                                             "effort": "exponential(mean=1h)"}]}}}


def measure(hours: float, record: str) -> tuple[float, float, int]:
    """(peak MiB, seconds, items) of one run."""
    gc.collect()
    tracemalloc.start()
    began = time.perf_counter()
    results = simvalue.simulate(scenario(hours), record=record, max_events=1e9)
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    items = int(results.tally.groups.query("priority == ''")["items"].sum())
    return peak, seconds, items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="horizons up to ~40k items")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    item_counts = (5_000, 10_000, 20_000, 40_000) if args.quick else (10_000, 40_000, 100_000, 300_000)
    measure(100.0, "summary")  # the first run loads pandas' and numpy's lazy parts: not counted
    rows = []
    print(f"Python {platform.python_version()}, simvalue {simvalue.__version__}; M/M/3 at utilisation 0.8; "
          f"summary folds every {FOLD_ITEMS:,} items\n")
    print(f"{'record':<8} {'items':>9} {'peak MiB':>9} {'seconds':>8}")
    for record in LEVELS:
        for count in item_counts:
            peak, seconds, items = measure(count / RATE, record)
            rows.append({"record": record, "items": items, "peak_mib": round(peak, 2), "seconds": round(seconds, 3)})
            print(f"{record:<8} {items:>9,} {peak:>9.1f} {seconds:>8.2f}", flush=True)
    growth = {record: rows[len(item_counts) * i + len(item_counts) - 1]["peak_mib"] / rows[len(item_counts) * i + 1]["peak_mib"]
              for i, record in enumerate(LEVELS)}
    print("\npeak at the longest horizon over the peak at the second: "
          + ", ".join(f"{record} {ratio:.2f}x" for record, ratio in growth.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"python": platform.python_version(), "fold_items": FOLD_ITEMS, "rows": rows,
                                    "growth": growth}, indent=2) + "\n")
    print(f"\nWrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
