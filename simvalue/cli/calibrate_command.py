"""The ``calibrate`` command: read a log, calibrate a scenario, validate it on held-back cases, write files."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..readable import share
from .output import check_target, write_file


def report_path(out: Path, report: Path | None) -> Path:
    """``X.yaml`` -> ``X.report.html`` unless ``--report`` names the file."""
    return report if report is not None else out.with_name(out.stem + ".report.html")


def calibrate_command(args: argparse.Namespace) -> int:
    """Calibrate, print the findings and the validation, write the scenario (and the report when cases are held back)."""
    from ..eventlog.calibrate import calibrate  # PERF: loaded by this command only (simvalue check stays light)
    from ..eventlog.holdout import parse_split
    from ..eventlog.read import read_log
    split = parse_split(args.split)
    check_target(args.out, "--out", folder=False)
    report = report_path(args.out, args.report) if split.kind != "none" else args.report
    check_target(report, "--report", folder=False)
    log = read_log(args.log, **log_columns(args))
    result = calibrate(log, split, seed=args.seed, replications=args.replications, name=args.out.stem)
    write_file(args.out, lambda path: Path(path).write_text(result.yaml_text, encoding="utf-8"))
    print(f"wrote scenario {args.out} ({len(result.steps) + len(result.streams)} steps; calibrated in "
          f"{result.seconds['calibrate']:.1f}s)")
    for finding in result.findings:
        print(f"  {finding}")
    if result.validation is not None:
        _print_validation(result.validation)
        print(f"validated in {result.seconds['validate']:.1f}s")
    if report is not None and result.validation is not None:
        from ..reports.calibration import render_calibration_report
        page = render_calibration_report(result)
        write_file(report, lambda path: Path(path).write_text(page, encoding="utf-8"))
        print(f"wrote report {report}")
    return 0


def _print_validation(validation: dict) -> None:
    figures, floor = validation["figures"], validation["floor"]
    print("held-back cases: cycle time, simulated (replay floor)")
    for key in ("mean", "p50", "p85", "p95"):
        print(f"  {key:<5} held back {validation['real_figures'][key]:8.1f}h  simulated {figures[key]:8.1f}h  "
              f"({floor[key]:.1f}h)")
    print(f"  KS {figures['ks']:.3f} ({floor['ks']:.3f}); Wasserstein {figures['wasserstein_h']:.1f}h = "
          f"{share(figures['wasserstein_share'], 1)} of the mean ({share(floor['wasserstein_share'], 1)})")
    for stream, part in validation.get("by_type", {}).items():
        f, fl = part["figures"], part["floor"]
        print(f"  type {part['type']} ({part['cases']} cases): mean held back {part['real_figures']['mean']:.1f}h, "
              f"simulated {f['mean']:.1f}h; Wasserstein {share(f['wasserstein_share'], 1)} of the mean "
              f"({share(fl['wasserstein_share'], 1)})")
    for name, ok in validation["targets"].items():
        print(f"  target {name}: {'met' if ok else 'NOT met'}")


#: The log's columns by role, as ``read_log`` takes them: (role, required, what the column holds).
LOG_COLUMNS = (
    ("case", True, "the case id"), ("activity", True, "the activity"),
    ("timestamp", True, "when the activity completed"),
    ("start", False, "when it started (its work is start to complete)"),
    ("resource", False, "who did it (a person: teams get their headcount from the people active per week)"),
    ("team", False, "the group that did it (support team, assignment group): one scenario team each"),
    ("type", False, "the demand type (one stream each)"), ("priority", False, "the priority"))


def add_log_columns(parser: argparse.ArgumentParser) -> None:
    """The options naming an event log's columns (``--case``, ``--activity``, ``--timestamp``, ...): one group,
    shared by every command that reads a log (calibrate, review)."""
    group = parser.add_argument_group("log columns", "the event log's column for each role (XES: "
                                      "case:concept:name, concept:name, time:timestamp, org:resource, case:KEY)")
    for role, required, words in LOG_COLUMNS:
        group.add_argument(f"--{role}", required=required, metavar="COL", help=f"the log's column of {words}")


def log_columns(args: argparse.Namespace) -> dict[str, str | None]:
    """The column options as ``read_log``'s keyword arguments."""
    return {role: getattr(args, role) for role, _, _ in LOG_COLUMNS}


def add_calibrate(commands) -> None:
    """The ``calibrate`` sub-command's options."""
    parser = commands.add_parser(
        "calibrate", help="calibrate a scenario from an event log, validated on held-back cases",
        description="Discover the stream of an event log (CSV, Parquet or XES), decide for each gap between "
                    "events whether it is team work, work on a calendar or a wait on others, fit arrivals and "
                    "delays, and write a commented scenario; with --split, simulate it and compare the "
                    "held-back cases' cycle times (written as an HTML report).")
    parser.add_argument("log", type=Path, help="event log: .csv, .csv.gz, .parquet, .xes or .xes.gz")
    add_log_columns(parser)
    parser.add_argument("--split", default="random:0.3", metavar="random:0.3|time:0.3|none",
                        help="hold cases back to validate on: a random share, the latest-starting share, or none "
                             "(default random:0.3)")
    parser.add_argument("--seed", type=int, default=1, metavar="N", help="seed of the split and the simulation")
    parser.add_argument("-r", "--replications", type=int, default=3, metavar="N",
                        help="replications of the validation run (default 3)")
    parser.add_argument("--out", type=Path, required=True, metavar="SCENARIO.yaml", help="the scenario to write")
    parser.add_argument("--report", type=Path, metavar="FILE.html",
                        help="the calibration report (default: SCENARIO.report.html beside --out)")
    parser.set_defaults(handler=calibrate_command)
