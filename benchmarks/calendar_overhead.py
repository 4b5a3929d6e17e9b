"""What service hours cost: the same M/M/3 demand served around the clock and on a timetable.

Issue 9's bar: a scenario with calendars runs within 1.5x of the same scenario without them. The
two models share arrivals and efforts (utilisation 0.8 of 3 people); the timetabled team has 4
people 08:00-20:00 and 2 at night (the same 3 on average), so it also pauses work at each shift
end. Both run ``simulate`` end to end (frames included), round-robin, median of ``--rounds``.
Per simulated event is the fair unit: queues differ, so item counts per second do too. Results go
to benchmarks/results/calendar_overhead.json and a table on stdout; nothing asserts a timing.

    .venv/bin/python benchmarks/calendar_overhead.py            # ~100k items per run
    .venv/bin/python benchmarks/calendar_overhead.py --quick    # a few seconds
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import warnings
from pathlib import Path

import simvalue
from simvalue.scenario.workload import workload

OUT = Path(__file__).parent / "results" / "calendar_overhead.json"
RATE, EFFORT_HOURS = 2.4, 1.0  # 2.4/h x 1 h = 2.4 Erlangs = 0.8 of 3 people


def scenario(hours: float, timetable: bool) -> dict:
    team = ({"shifts": [{"days": "mon-sun", "hours": "08:00-20:00", "capacity": 4},
                        {"days": "mon-sun", "hours": "20:00-08:00", "capacity": 2}], "at_shift_end": "pause"}
            if timetable else {"capacity": 3})
    return {"name": "timetable" if timetable else "24/7", "horizon": f"{hours:g}h", "replications": 1, "seed": 3,
            "teams": {"desk": team},
            "demand": [{"type": "job", "stream": "s", "arrivals": {"rate": f"{RATE}/h"}}],
            "streams": {"s": {"steps": [{"name": "work", "activity": "deliver_and_support", "team": "desk",
                                         "effort": f"exponential(mean={EFFORT_HOURS:g}h)"}]}}}


def run(data: dict) -> tuple[float, int, int]:
    """(seconds, items, step executions) of one simulate call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = simvalue.load_scenario(data)
        started = time.perf_counter()
        results = simvalue.simulate(loaded, max_events=1e9)
    return time.perf_counter() - started, len(results.items), len(results.events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="arrivals per run (100000)")
    parser.add_argument("--rounds", type=int, default=5, help="round-robin rounds; the median counts (5)")
    parser.add_argument("--quick", action="store_true", help="10000 items, 3 rounds")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    items, rounds = (10_000, 3) if args.quick else (args.items, args.rounds)
    hours = items / RATE
    models = {"24/7": scenario(hours, False), "timetable": scenario(hours, True)}
    seconds: dict[str, list[float]] = {name: [] for name in models}
    sizes: dict[str, tuple[int, int]] = {}
    for _ in range(rounds):
        for name, data in models.items():
            elapsed, done, executions = run(data)
            seconds[name].append(elapsed)
            sizes[name] = (done, executions)
    rows = []
    for name, data in models.items():
        median = statistics.median(seconds[name])
        events = workload(simvalue.load_scenario(data)).events
        rows.append({"model": name, "items": sizes[name][0], "seconds": median, "events_estimated": events,
                     "items_per_second": sizes[name][0] / median, "events_per_second": events / median})
    ratio = rows[1]["seconds"] / rows[0]["seconds"]
    print(f"{'model':<10} {'items':>8} {'seconds':>8} {'items/s':>9}")
    for row in rows:
        print(f"{row['model']:<10} {row['items']:>8,} {row['seconds']:>8.3f} {row['items_per_second']:>9,.0f}")
    print(f"\ntimetable / 24/7 run time: {ratio:.2f}x (issue 9's bar: within 1.5x)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"benchmark": "calendar_overhead", "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                    "python": platform.python_version(), "rounds": rounds, "rows": rows,
                                    "ratio": ratio}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
