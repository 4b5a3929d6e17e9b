"""Start-up times (issue 13): ``import simvalue``, and ``simvalue check`` on each bundled scenario.

Each is a fresh process, timed round-robin (median of ``--rounds``): what a user waits for before the
first line of output, and what every sweep worker pays before its first task. Issue 13's bar:
``simvalue check`` on a bundled scenario in under a second on an idle machine. Results go to
benchmarks/results/startup.json and a table on stdout; nothing asserts a timing (tests/test_startup.py
guards what is loaded instead).

    .venv/bin/python benchmarks/startup.py              # 5 rounds
    .venv/bin/python benchmarks/startup.py --rounds 2   # quicker
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).parent / "results" / "startup.json"
CLI = Path(sys.executable).with_name("simvalue")


def commands() -> dict[str, list[str]]:
    """What is timed: the import alone, then check on each bundled whole scenario."""
    out = {"import simvalue": [sys.executable, "-c", "import simvalue"]}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        out[f"simvalue check {path.name}"] = [str(CLI), "check", str(path)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    timed = commands()
    seconds: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(args.rounds):
        for name, command in timed.items():
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
            seconds[name].append(time.perf_counter() - start)
    rows = {name: statistics.median(values) for name, values in seconds.items()}
    width = max(map(len, rows))
    print(f"{'command':<{width}}  median s ({args.rounds} rounds)")
    for name, value in rows.items():
        print(f"{name:<{width}}  {value:8.3f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"python": platform.python_version(), "rounds": args.rounds, "median_seconds": rows,
                               "all_seconds": seconds}, indent=2))
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
