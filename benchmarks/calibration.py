"""Calibration benchmark (issue 20): does ``simvalue calibrate`` hold on logs it was not tuned on?

Each case is a log and a set of options (with and without ``--resource`` / ``--start`` where the log
has them). The method is the one a new user would follow, exactly as CLARIFICATIONS.md states it:

1. the log's distinct case ids, sorted as pandas reads them; ``numpy.random.default_rng(1)``;
   30% of them held back (``rng.choice(cases, int(0.3 * n), replace=False)``);
2. ``simvalue calibrate`` on the other 70% with ``--split none``;
3. ``simvalue run X.yaml -r 10 --seed 1 --out DIR --events-format csv`` (the scenario as written);
4. EMD (first Wasserstein distance) of cycle time over the held-back mean: real cycle time is first
   to last completion (from the first start with ``--start``); simulated, ``time_to_value`` of the
   items whose outcome is ``done``. The replay floor is the calibration cases' own cycle times
   against the held-back ones. Target: max(10%, 1.3 x floor).
5. events per case per activity (complete rows of the exported log, by ``concept:name``) against
   the held-back cases; target per activity with >= 1% of events: max(15%, 1.3 x its floor error);
6. with ``--resource``: each team's headcount against the distinct resources active in a typical
   (median) week of that team, and the busiest team with one person fewer and one more (paired,
   same seed): its mean queueing must move outside the paired 95% interval.

Logs: every log in ``../shared/data`` (when it is there) and synthetic logs exported from bundled
scenarios (truth known). Nothing here is tuned to a split: the seed is 1, always. A table goes to
stdout and the figures to ``benchmarks/results/calibration.json`` (untracked, like the others).

    .venv/bin/python benchmarks/calibration.py               # every case
    .venv/bin/python benchmarks/calibration.py --only bpi12  # cases whose name contains 'bpi12'
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = Path(__file__).parent / "results" / "calibration.json"
#: The issue's targets: a cycle-time EMD bound, an events-per-case bound, and the slack over a floor.
EMD_TARGET, ACTIVITY_TARGET, SLACK, MIN_SHARE = 0.10, 0.15, 1.3, 0.01


@dataclass(frozen=True)
class Case:
    """One benchmark case: a log file, its columns, and the roles passed to calibrate."""

    name: str
    path: Path
    columns: dict[str, str]             # role -> column: case, activity, timestamp, start, resource, team
    synthetic: bool = False


def shared_cases(folder: Path = SHARED) -> list[Case]:
    """The real logs beside the project, each with and without its resources and starts."""
    out = []
    incidents, problems, work = (folder / "bpi_2013_incidents.csv", folder / "bpi_13_closed_problems.csv",
                                 folder / "bpi_12_w_startcomplete.csv")
    if incidents.exists():
        out.append(Case("bpi13_incidents", incidents, {"case": "CaseID", "activity": "ActivityID",
                                                       "timestamp": "CompleteTimestamp"}))
    if problems.exists():
        base = {"case": "case", "activity": "activity", "timestamp": "timestamp"}
        out += [Case("bpi13_problems", problems, base),
                Case("bpi13_problems+resource", problems, base | {"resource": "resource"}),
                Case("bpi13_problems+resource+team", problems, base | {"resource": "resource", "team": "team"})]
    if work.exists():
        base = {"case": "case", "activity": "activity", "timestamp": "timestamp"}
        out += [Case("bpi12_work", work, base),
                Case("bpi12_work+resource", work, base | {"resource": "resource"}),
                Case("bpi12_work+start", work, base | {"start": "start"}),
                Case("bpi12_work+start+resource", work, base | {"start": "start", "resource": "resource"})]
    return out


def synthetic_cases(folder: Path, scenarios: tuple[str, ...] = ("service_desk",), items: int = 3000) -> list[Case]:
    """Logs exported from bundled scenarios (truth known), one start/complete row per event, with and without
    starts and resources. ``items`` bounds the arrivals simulated (a shorter horizon)."""
    import simvalue
    from simvalue.eventlog.write import event_log
    out = []
    for name in scenarios:
        scenario = simvalue.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        results = simvalue.simulate(scenario, replications=1, seed=7)
        log = event_log(results)
        wide = _wide(log)
        cases = wide["case"].unique()[:items]
        wide = wide[wide["case"].isin(set(cases))].reset_index(drop=True)
        wide = wide.assign(group=wide["resource"], resource=people(wide, scenario))
        path = folder / f"synthetic_{name}.csv"
        wide.to_csv(path, index=False)
        base = {"case": "case", "activity": "activity", "timestamp": "timestamp"}
        # As an ITSM tool records it: the person who did each piece of work (resource) and their team (group).
        out += [Case(f"synthetic_{name}", path, base, True),
                Case(f"synthetic_{name}+start", path, base | {"start": "start"}, True),
                Case(f"synthetic_{name}+resource", path, base | {"resource": "resource"}, True),
                Case(f"synthetic_{name}+team", path, base | {"team": "group"}, True),
                Case(f"synthetic_{name}+resource+team", path, base | {"resource": "resource", "team": "group"}, True),
                Case(f"synthetic_{name}+start+resource", path, base | {"start": "start", "resource": "resource"},
                     True)]
    return out


def people(wide: pd.DataFrame, scenario) -> pd.Series:
    """Who did each piece of team work: the exported log names the team; a person of it is given to each
    start-to-complete interval, as a dispatcher would: the person of the shift on duty at the start who has
    been free longest (one whose work was paused overnight resumes it, so is busy until it completes). A
    team's people are ``<team>-<n>``, a shift's ``<team>-<shift>.<n>``; automation and waits keep their name."""
    import heapq

    from simvalue.calendars.schedule import WeeklyPattern
    out = wide["resource"].astype(object).copy()
    start = pd.to_datetime(wide["start"]).fillna(pd.to_datetime(wide["timestamp"]))
    end = pd.to_datetime(wide["timestamp"])
    hour = (start.dt.day_of_week * 24 + start.dt.hour + start.dt.minute / 60.0).to_numpy()
    for name, team in scenario.teams.items():
        mine = np.flatnonzero((wide["resource"] == name).to_numpy())
        if team.shifts:
            duty = [WeeklyPattern.from_shifts([shift.model_dump()]) for shift in team.shifts]
            sizes = [shift.capacity for shift in team.shifts]
            entry = np.array([next((i for i, d in enumerate(duty) if _on(d, h)), 0) for h in hour[mine]])
        else:
            sizes, entry = [int(team.capacity)], np.zeros(len(mine), dtype=int)
        free = [[(pd.Timestamp.min, k) for k in range(size)] for size in sizes]
        for row in mine[np.argsort(start.to_numpy()[mine], kind="stable")]:
            i = int(entry[np.searchsorted(mine, row)])
            when, k = heapq.heappop(free[i])          # free longest (or, all busy, free soonest)
            heapq.heappush(free[i], (max(when, end[row]), k))
            out[row] = f"{name}-{k + 1}" if len(sizes) == 1 else f"{name}-{i + 1}.{k + 1}"
    return out


def _on(pattern, hour: float) -> bool:
    """Whether a weekly pattern has someone on duty at this hour of the week."""
    import bisect
    return pattern.headcounts[bisect.bisect_right(pattern.breaks, hour % 168.0) - 1] > 0


def _wide(log: pd.DataFrame) -> pd.DataFrame:
    """pm4py's long form folded to one row per activity instance: case, activity, start, timestamp, resource."""
    from simvalue.eventlog.read import _fold_lifecycle
    frame = pd.DataFrame({"case": log["case:concept:name"], "activity": log["concept:name"],
                          "timestamp": log["time:timestamp"], "resource": log["org:resource"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folded = _fold_lifecycle(frame, log["lifecycle:transition"], Path("synthetic"))
    return folded[["case", "activity", "start", "timestamp", "resource"]]


@dataclass
class Outcome:
    """What one case scored (figures are shares of the held-back mean cycle time)."""

    name: str
    emd: float = math.nan
    floor: float = math.nan
    target: float = math.nan
    worst_activity: str = ""
    worst_error: float = 0.0
    worst_bound: float = 0.0
    activities_ok: bool = False
    teams: dict[str, tuple[int, float]] = field(default_factory=dict)   # team -> (people, distinct per week)
    what_if: dict = field(default_factory=dict)
    team_steps: int = 0
    seconds: float = 0.0
    error: str = ""

    @property
    def passed(self) -> bool:
        """The issue's targets: EMD, events per activity, team steps, headcounts (the +-1 person response is
        shown beside it: 'flat' is a finding about the log, said in the calibration report)."""
        teams_ok = all(0.5 * active <= people <= 2 * active for people, active in self.teams.values() if active)
        return (not self.error and self.emd <= self.target and self.activities_ok and self.team_steps > 0
                and teams_ok)


def split(raw: pd.DataFrame, case: str, seed: int = 1, share: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(calibration rows, held-back rows): the clarification's split, on the case ids as pandas reads them."""
    cases = np.sort(raw[case].unique())
    held = np.random.default_rng(seed).choice(cases, int(share * len(cases)), replace=False)
    mask = raw[case].isin(set(held.tolist()))
    return raw[~mask], raw[mask]


def cycle_hours(rows: pd.DataFrame, columns: dict[str, str]) -> pd.Series:
    """First to last completion per case, from the first start when starts are used."""
    done = pd.to_datetime(rows[columns["timestamp"]], format="mixed")
    first = done
    if "start" in columns:
        first = pd.to_datetime(rows[columns["start"]], format="mixed").fillna(done).where(lambda s: s <= done, done)
    frame = pd.DataFrame({"case": rows[columns["case"]].to_numpy(), "first": first.to_numpy(), "done": done.to_numpy()})
    by = frame.groupby("case")
    return (by["done"].max() - by["first"].min()).dt.total_seconds() / 3600.0


def run_case(case: Case, work: Path, replications: int = 10) -> Outcome:
    """Split, calibrate, run and measure one case (see the module's docstring)."""
    from simvalue.cli import main
    outcome, clock = Outcome(case.name), time.perf_counter()
    raw = pd.read_csv(case.path)
    calibration, held = split(raw, case.columns["case"])
    folder = work / case.name
    folder.mkdir(parents=True, exist_ok=True)
    train = folder / "train.csv"
    calibration.to_csv(train, index=False)
    scenario = folder / "model.yaml"
    options = [f"--{role}={column}" for role, column in case.columns.items()]
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["calibrate", str(train), *options, "--split", "none", "--seed", "1", "--out", str(scenario)])
        if code == 0:
            code = main(["check", str(scenario)])
        if code == 0:
            code = main(["run", str(scenario), "-r", str(replications), "--seed", "1", "--out", str(folder / "run"),
                         "--events-format", "csv"])
    if code != 0:
        outcome.error = quiet.getvalue().strip().splitlines()[-1][:300] if quiet.getvalue().strip() else f"exit {code}"
        outcome.seconds = time.perf_counter() - clock
        return outcome
    _measure(outcome, case, calibration, held, scenario, folder / "run", replications)
    outcome.seconds = time.perf_counter() - clock
    return outcome


def _measure(outcome: Outcome, case: Case, calibration: pd.DataFrame, held: pd.DataFrame, scenario: Path,
             run: Path, replications: int) -> None:
    from scipy import stats
    real, own = cycle_hours(held, case.columns), cycle_hours(calibration, case.columns)
    items = pd.read_parquet(run / "items.parquet")
    simulated = items.loc[items["outcome"] == "done", "time_to_value"].to_numpy()
    mean = float(real.mean())
    outcome.emd = float(stats.wasserstein_distance(real, simulated)) / mean
    outcome.floor = float(stats.wasserstein_distance(real, own)) / mean
    outcome.target = max(EMD_TARGET, SLACK * outcome.floor)
    _activities(outcome, case, calibration, held, pd.read_csv(run / "events.csv"))
    import yaml
    data = yaml.safe_load(scenario.read_text())
    outcome.team_steps = sum(1 for s in data["streams"].values() for step in s["steps"] if "team" in step)
    if "resource" in case.columns:
        outcome.teams = _teams(data, calibration, case.columns)
        outcome.what_if = _what_if(scenario, replications)


def _activities(outcome: Outcome, case: Case, calibration: pd.DataFrame, held: pd.DataFrame,
                events: pd.DataFrame) -> None:
    """Events per case per activity against the held-back cases, and the worst relative to its bound."""
    act, cid = case.columns["activity"], case.columns["case"]
    shares = held[act].astype(str).value_counts(normalize=True)
    real = held[act].astype(str).value_counts() / held[cid].nunique()
    floor = calibration[act].astype(str).value_counts() / calibration[cid].nunique()
    done = events[events["lifecycle:transition"] == "complete"]
    simulated = done["concept:name"].astype(str).value_counts() / max(events["case:concept:name"].nunique(), 1)
    outcome.activities_ok, worst = True, -1.0
    for activity, share in shares.items():
        if share < MIN_SHARE:
            continue
        error = abs(simulated.get(activity, 0.0) - real[activity]) / real[activity]
        bound = max(ACTIVITY_TARGET, SLACK * abs(floor.get(activity, 0.0) - real[activity]) / real[activity])
        if error > bound:
            outcome.activities_ok = False
        if error / bound > worst:
            worst = error / bound
            outcome.worst_activity, outcome.worst_error, outcome.worst_bound = str(activity), error, bound


def _teams(data: dict, calibration: pd.DataFrame, columns: dict[str, str]) -> dict[str, tuple[int, float]]:
    """Team -> (headcount written, distinct resources active in its median week): the team's people as
    written (``members``) counted on the rows of the activities its steps do (a person who also works for
    another team counts there for that work)."""
    stamp = pd.to_datetime(calibration[columns["timestamp"]], format="mixed")
    week = stamp.dt.to_period("W-SUN")
    who = calibration[columns["resource"]].astype(str)
    activity = calibration[columns["activity"]].astype(str)
    out = {}
    for team, spec in (data.get("teams") or {}).items():
        members = set(map(str, spec.get("members", []) or []))
        people = int(spec.get("capacity") or max((s["capacity"] for s in spec.get("shifts") or []), default=0))
        labels = {str(step.get("label")) for stream in data["streams"].values() for step in stream["steps"]
                  if step.get("team") == team}
        if not members:
            out[team] = (people, 0.0)
            continue
        mine = who.isin(members) & activity.isin(labels)
        weekly = pd.DataFrame({"week": week[mine], "who": who[mine]}).drop_duplicates().groupby("week").size()
        out[team] = (people, float(weekly.median()) if len(weekly) else 0.0)
    return out


def _what_if(scenario: Path, replications: int) -> dict:
    """The busiest team one person fewer and one more (holdout.what_if: paired, same seed)."""
    import simvalue
    from simvalue.eventlog.holdout import what_if
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = simvalue.load_scenario(scenario)
        return what_if(base, simvalue.simulate(base, replications=replications, seed=1), replications, 1)


def table(outcomes: list[Outcome]) -> str:
    """The benchmark's table, one row per case."""
    lines = [f"{'case':<32} {'EMD':>7} {'floor':>7} {'target':>7} {'worst activity (err/bound)':<34} "
             f"{'teams (people/active per week)':<40} {'+-1 person':<22} {'s':>5}  result"]
    for o in outcomes:
        if o.error:
            lines.append(f"{o.name:<32} error: {o.error}")
            continue
        worst = f"{o.worst_activity[:18]} {o.worst_error:.0%}/{o.worst_bound:.0%}"
        teams = ", ".join(f"{t[:10]} {p}/{a:.0f}" for t, (p, a) in list(o.teams.items())[:3])
        if len(o.teams) > 3:
            teams += f" +{len(o.teams) - 3}"
        moves = ("moves" if o.what_if.get("moves") else "flat") if o.what_if else "-"
        if o.what_if.get("team"):
            moves += f" {o.what_if['team'][:10]} {o.what_if.get('base_queueing', 0) * 60:.0f}min"
        lines.append(f"{o.name:<32} {o.emd:7.1%} {o.floor:7.1%} {o.target:7.1%} {worst:<34} {teams:<40} "
                     f"{moves:<22} {o.seconds:5.0f}  {'pass' if o.passed else 'MISS'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the cases whose name contains this text")
    parser.add_argument("-r", "--replications", type=int, default=10)
    parser.add_argument("--work", type=Path, default=ROOT / "out" / "calibration-bench")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    cases = shared_cases() + synthetic_cases(args.work)
    outcomes = []
    for case in cases:
        if args.only and args.only not in case.name:
            continue
        print(f"{case.name} ...", file=sys.stderr, flush=True)
        outcomes.append(run_case(case, args.work, args.replications))
        print(table(outcomes[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(table(outcomes))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps([o.__dict__ | {"passed": o.passed} for o in outcomes], indent=2, default=str))
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
