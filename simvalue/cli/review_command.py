"""The ``review`` command: the forecast of a change against the real log after it; a verdict, a page, JSON."""

from __future__ import annotations

import argparse
import json
import math
import textwrap
from pathlib import Path

from .calibrate_command import add_log_columns, log_columns
from .output import check_target, progress_bars, write_file


def review_command(args: argparse.Namespace) -> int:
    """Forecast the variant, read the after-log (and the before-log), print the verdict, write the page and JSON."""
    from ..decisions.review import review  # PERF: loaded by this command only
    from ..eventlog.read import read_log
    from ..scenario import load_scenario
    from ..errors import SimulationError, SimvalueError
    if not 100 <= args.resamples <= 100_000:
        raise SimvalueError(f"--resamples {args.resamples}: expected between 100 and 100,000 (default 2000)")
    check_target(args.report, "--report", folder=False)
    check_target(args.json, "--json", folder=False)
    scenario = load_scenario(args.scenario)
    after = read_log(args.after, **log_columns(args))
    before = read_log(args.before, **log_columns(args)) if args.before is not None else None
    update, close = progress_bars()
    try:
        result = review(scenario, args.variant, after, before, replications=args.replications, seed=args.seed,
                        resamples=args.resamples, progress=update, max_events=args.max_events)
    except SimulationError as exc:
        raise SimulationError(f"{args.scenario}: {exc}") from None
    finally:
        close()
    _print_review(result, args)
    if args.report is not None:
        from ..reports.review import review_page
        page = review_page(result, after=str(args.after), before=str(args.before) if args.before else None)
        write_file(args.report, lambda path: Path(path).write_text(page, encoding="utf-8"))
        print(f"\nwrote report {args.report}")
    if args.json is not None:
        text = json.dumps(review_json(result), indent=2, allow_nan=False)
        write_file(args.json, lambda path: Path(path).write_text(text + "\n", encoding="utf-8"))
        print(f"wrote {args.json}")
    return 0


def _print_review(result, args: argparse.Namespace) -> None:
    """The verdict in the terminal: what was compared, the lead, a line per measure, the drift, the notes."""
    from ..decisions.review import drift_sentence, lead, sentences
    runs = result.comparison.baseline.replications
    print(f"{result.scenario} -> {result.variant}: forecast from {runs} replication{'s' if runs > 1 else ''} "
          f"(seed {result.comparison.baseline.seed}); real from {args.after}"
          + (f" against {args.before}" if args.before is not None else "")
          + f" ({result.resamples:,} bootstrap resamples of its cases)\n")
    print(textwrap.fill(lead(result), 100, break_on_hyphens=False))
    for line in sentences(result):
        print(textwrap.fill(line, 100, initial_indent="  - ", subsequent_indent="    ", break_on_hyphens=False))
    if (drift := drift_sentence(result)) is not None:
        print("\n" + textwrap.fill(drift, 100, break_on_hyphens=False))
    print()
    for note in result.notes:
        print(textwrap.fill(note, 100, initial_indent="  note: ", subsequent_indent="    ", break_on_hyphens=False))


def review_json(result) -> dict:
    """The review for machines: the verdict, every row of the table and of the step drift, plain numbers
    (a missing figure is null), and how it was computed."""
    from ..decisions.review import drift_sentence, lead
    return {"scenario": result.scenario, "variant": result.variant, "verdict": lead(result),
            "drift": drift_sentence(result), "change_basis": result.change_basis,
            "metrics": [_plain(row) for row in result.table.to_dict("records")],
            "steps": [_plain(row) for row in result.steps.to_dict("records")], "notes": list(result.notes),
            "replications": result.comparison.baseline.replications, "seed": result.seed,
            "resamples": result.resamples, "confidence": result.confidence}


def _plain(row: dict) -> dict:
    """A record with NaN as None and numpy numbers as Python's."""
    out = {}
    for key, value in row.items():
        if hasattr(value, "item"):
            value = value.item()
        out[key] = None if isinstance(value, float) and not math.isfinite(value) else value
    return out


def add_review(commands, run_options) -> None:
    """The ``review`` sub-command's options; ``run_options`` adds -r, --seed and --max-events as every
    simulating command has them."""
    parser = commands.add_parser(
        "review", help="post-change review: did a change deliver what was forecast?",
        description="Forecast VARIANT applied to SCENARIO (with replications: each metric's estimate and 95% "
                    "interval, and its change from the baseline) and check it against the real event log after "
                    "the change: time-to-value (mean, median, 85th percentile) per demand type where the log's "
                    "types match the scenario's (else every case), SLA attainment on elapsed time where the "
                    "scenario has a target, and cases completed per week. The real side's intervals are "
                    "percentile bootstraps over the log's cases (weeks, for throughput). Each metric is 'as "
                    "forecast' when the intervals overlap, else 'better' or 'worse than forecast'; where the "
                    "forecast missed, the step whose real times drifted most from the model is named. Steps are "
                    "matched to the log's activities by their label (a calibrated scenario keeps the log's "
                    "activity there) or name. The log columns are calibrate's (--resource and --team are read but not "
                    "needed here). See docs/review.md.",
        epilog="Exit codes: 0 a review (read its verdict), 2 bad input (the message names the file and column).")
    parser.add_argument("scenario", type=Path, help="the scenario before the change (e.g. written by calibrate "
                        "from the before-log)")
    parser.add_argument("variant", type=Path, help="the change as forecast: a variant file (set/scale edits of the "
                        "scenario) or a whole scenario file")
    parser.add_argument("--after", type=Path, required=True, metavar="LOG",
                        help="the real event log after the change: .csv, .csv.gz, .parquet, .xes or .xes.gz")
    parser.add_argument("--before", type=Path, metavar="LOG",
                        help="the real event log before the change (same columns): the real change is then after "
                             "against before; without it, against the baseline's forecast")
    add_log_columns(parser)
    run_options(parser)
    parser.add_argument("--resamples", type=int, default=2000, metavar="N",
                        help="bootstrap resamples of the log's cases (default 2000; seeded by --seed)")
    parser.add_argument("--report", type=Path, metavar="FILE.html",
                        help="write the review as a self-contained HTML page, the verdict first")
    parser.add_argument("--json", type=Path, metavar="OUT",
                        help='write the review as JSON: {"verdict", "drift", "metrics": [{subject, metric, '
                             'forecast, forecast_low, forecast_high, real, real_low, real_high, verdict, ...}], '
                             '"steps": [...], "notes", ...}')
    parser.set_defaults(handler=review_command)
