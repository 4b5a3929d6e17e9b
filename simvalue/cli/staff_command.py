"""``simvalue staff``: the fewest people per team and shift that meet SLA goals (decisions.staffing)."""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

EXIT_OK = 0
#: Seconds a search runs before progress lines appear on stderr.
QUIET_SECONDS = 2.0


def staff_command(args: argparse.Namespace) -> int:
    """Parse and check the goals, search, print the table and how sure it is, write the JSON."""
    from ..decisions.staffing import checked_goals, fewest_people
    from ..decisions.staffing_plan import GoalError
    from ..errors import SimvalueError
    from ..readable import share
    from ..reports.staffing_text import staffing_text
    from ..scenario.overload import OVERLOADED
    from .commands import _about, _whole_scenario
    from .output import check_target, write_file
    check_target(args.json, "--json", folder=False)
    with warnings.catch_warnings():  # the headcounts as given are what the search replaces: no overload warning
        warnings.filterwarnings("ignore", message=f".*{OVERLOADED}")
        scenario = _whole_scenario(args.scenario)
    try:
        goals = checked_goals(scenario, args.goal)
    except GoalError as exc:
        raise SimvalueError(f"{args.scenario}: --goal {exc.text}: {exc.detail}") from None
    for name in args.team:
        if name not in scenario.teams:
            from ..errors import unknown
            raise SimvalueError(f"{args.scenario}: --team {name}: {unknown('team', name, list(scenario.teams))}")
    with _about(args.scenario):
        answer = fewest_people(scenario, goals, args.team or None, args.replications, args.seed,
                               progress=_progress(), most_people=args.max_people,
                               most_evaluations=args.max_evaluations, max_events=args.max_events)
    wanted = ", ".join(f"{g.label} {share(g.share, 1)}" for g in goals)
    print(staffing_text(answer, f"{scenario.name}: the fewest people that meet {wanted}", scenario.currency or ""))
    if args.json is not None:
        text = json.dumps(answer.to_json(), indent=2)
        write_file(args.json, lambda path: Path(path).write_text(text + "\n", encoding="utf-8"))
        print(f"\nwrote {args.json}")
    return EXIT_OK


def _progress():
    """Progress lines on stderr, one per candidate, once the search has run for a moment."""
    started = time.perf_counter()

    def update(done: int, most: int, what: str) -> None:
        elapsed = time.perf_counter() - started
        if elapsed >= QUIET_SECONDS:
            print(f"staff: candidate {done} ({elapsed:.0f} s): {what}", file=sys.stderr, flush=True)
    return update

