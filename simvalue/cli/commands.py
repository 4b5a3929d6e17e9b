"""What each command does: load, run, print, write. Handlers return the exit code."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from ..charts.style import CHART_FORMATS, save_chart
from ..errors import ScenarioError, SimulationError, SimvalueError
from ..scenario import load_scenario
from ..scenario.load import read_yaml
from ..scenario.model import Scenario
from ..scenario.variants import is_variant, load_variant, parse_assignments
from ..reports.text import (backlog_text, chains_text, bottleneck_table, comparison_table, scenario_overview, verdict_text,
                    sla_words, summary_tables, table)
from ..readable import duration, share
from .output import check_target, progress_bar, progress_bars, sweep_progress, write_file, write_outputs

EXIT_OK = 0


@contextmanager
def _about(file: Path):
    """Name the scenario file in a run-time error (a work budget, a loop that never ends)."""
    try:
        yield
    except SimulationError as exc:
        raise SimulationError(f"{file}: {exc}") from None


def _compared(base: Scenario, variants: list, args: argparse.Namespace):
    """compare() with a progress bar per scenario and the run options of the command line."""
    from ..decisions.comparison import compare  # PERF: each command loads what it uses (simvalue check stays light)
    update, close = progress_bars()
    try:
        with _about(getattr(args, "base", None)):
            return compare(base, *variants, replications=args.replications, seed=args.seed, progress=update,
                           max_events=args.max_events)
    finally:
        close()


def _edited(base: Scenario, edits: dict, file: Path) -> Scenario:
    """The base with command-line edits applied; errors name the file and the options."""
    try:
        return load_variant(base, edits)
    except ScenarioError as exc:
        raise exc.located(f"{file} with --set/--scale") from None


def _edits(args: argparse.Namespace, file: Path) -> dict | None:
    """A variant mapping from --set/--scale, or None when neither was given; errors name ``file``."""
    if not args.set and not args.scale:
        return None
    try:
        sets, scales = parse_assignments(args.set, "set"), parse_assignments(args.scale, "scale")
    except ScenarioError as exc:
        raise exc.located(str(file)) from None
    for path, factor in scales.items():
        scales[path] = factor = _number(factor)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)):
            raise ScenarioError(f"expected a number, got {factor!r}", file=str(file), path=f"--scale {path}")
    name = ", ".join([f"{p}={v}" for p, v in sets.items()] + [f"{p}x{v}" for p, v in scales.items()])
    return {"name": name, "set": sets, "scale": scales}


def _whole_scenario(file: Path) -> Scenario:
    """``load_scenario``, except that a variant file (``base:``/``set:``, which lacks the horizon, teams and
    streams) is pointed to ``simvalue compare`` rather than to the fields it lacks."""
    try:
        return load_scenario(file)
    except ScenarioError:
        try:
            data = read_yaml(file)
        except ScenarioError:
            data = {}
        if not is_variant(data):
            raise
    base = data.get("base")
    shown = Path(os.path.normpath(file.parent / base)).as_posix() if isinstance(base, str) and base.strip() else "BASE"
    raise ScenarioError(f"this is a variant (base:, set:, scale:), not a whole scenario: compare it with its base: "
                        f"simvalue compare {shown} {file.as_posix()}", file=str(file)) from None


def _number(value: object) -> object:
    """A factor YAML 1.1 reads as text (``1e3``, ``1.0e308``) but Python reads as a number."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def run(args: argparse.Namespace) -> int:
    from ..results.simulation import simulate
    from ..results.steady import steady_state, steady_text
    check_target(args.out, "--out", folder=True)
    if args.events_format is not None and args.out is None:
        raise SimvalueError(f"--events-format {args.events_format}: needs --out DIR, the folder to write "
                            f"events.{args.events_format} into")
    if args.events_format is not None and args.record != "full":
        raise SimvalueError(f"--events-format {args.events_format}: needs every event, but --record {args.record} "
                            "keeps none; drop --record or use --record full")
    scenario = _whole_scenario(args.scenario)
    edits = _edits(args, args.scenario)
    if edits is not None:
        scenario = _edited(scenario, edits | {"name": f"{scenario.name} ({edits['name']})"}, args.scenario)
    update, close = progress_bar("replications")
    try:
        with _about(args.scenario):
            results = simulate(scenario, replications=args.replications, seed=args.seed, progress=update,
                               max_events=args.max_events, record=args.record)
    finally:
        close()
    summary = results.summary()
    print(f"{scenario.name}: {results.replications} replications, seed {results.seed}, "
          f"horizon {duration(scenario.horizon, space=' ')} after {duration(scenario.warmup, space=' ')} warm-up "
          "(± is the 95% confidence half-width across replications)\n")
    print(summary_tables(summary, results.teams, sla_words(scenario), results.metrics(), results.groups))
    text = steady_text(steady_state(results))
    _print_steady([text] if text is not None else [])
    if results.items["initial"].any() and results.record == "full":
        print("\n" + backlog_text(results.backlog_clearing(), results.summary(initial=True),
                                  results.summary(initial=False)))
    if results.items["parent_id"].notna().any():
        print("\n" + chains_text(results.chain_summary()))
    if args.out is not None:
        from ..eventlog.write import EVENT_FORMATS, event_log, write_log  # only runs that write load it
        events_file, write_events_file = "events.parquet", results.events.to_parquet
        if args.events_format is not None:  # the event log in pm4py's form replaces the step executions
            log = event_log(results)
            events_file = f"events.{args.events_format}"
            write_events_file = lambda path: write_log(log, path, args.events_format, scenario.name)  # noqa: E731
        writers = {"items.parquet": results.items.to_parquet, events_file: write_events_file,
                   "teams.parquet": results.teams.to_parquet,
                   "summary.csv": lambda path: summary.to_csv(path, index=False)}
        if results.groups is not None and len(results.groups):  # people with several skills: their time split
            writers["groups.parquet"] = results.groups.to_parquet
        kept = {"full": writers, "items": {k: v for k, v in writers.items() if k != events_file},
                "summary": {k: v for k, v in writers.items()
                            if k in ("teams.parquet", "groups.parquet", "summary.csv")}}[args.record]
        # the files a less complete record does not write go, so no stale events.parquet is left behind
        write_outputs(args.out, kept, owned=[f"events.{ending}" for ending in EVENT_FORMATS]
                      + ["items.parquet", "groups.parquet"])
        print(f"\nwrote {', '.join(kept)} to {args.out}")
    return EXIT_OK


def _print_steady(notes: list[str]) -> None:
    """Say, for each run that did not settle, that its backlog grows and how fast (steady.py)."""
    import textwrap
    for note in notes:
        print("\n" + textwrap.fill(note, 100, break_on_hyphens=False))


def compare_command(args: argparse.Namespace) -> int:
    from ..reports.compare import economics_cases, economics_sections, render_html, steady_notes
    from ..decisions.verdict import verdicts
    from ..reports.levers_text import levers_text
    check_target(args.out, "--out", folder=True)
    check_target(args.report, "--report", folder=False)
    base = load_scenario(args.base)
    variants: list = list(args.variants)
    edits = _edits(args, args.base)
    if edits is not None:
        variants.append(_edited(base, edits, args.base))
    if not variants:
        raise SimvalueError("compare needs a VARIANT file or --set/--scale edits")
    comparison = _compared(base, variants, args)
    count = comparison.baseline.replications
    print(f"{base.name}: baseline vs {len(comparison.variants)} variant(s), "
          + (f"{count} replications" if count > 1 else "a single replication (so no intervals)")
          + f", seed {comparison.baseline.seed}, common random numbers\n")
    cases = economics_cases(comparison)
    for verdict in verdicts(comparison, cases):
        print(verdict_text(verdict) + "\n")
    print(comparison_table(comparison.table, comparison.confidence))
    levers = levers_text(comparison.abandonment(), comparison.time_split(), comparison.confidence)
    if levers:  # callers who may give up (patience), people with several skills: only when a side has them
        print("\n" + levers)
    _print_steady(steady_notes(comparison))
    print("\nBottlenecks (step with the largest share of waiting, per stream):")
    print(bottleneck_table(comparison.bottlenecks()))
    if args.out is not None:
        files = _comparison_files(comparison)
        write_outputs(args.out, files, owned=COMPARISON_FIGURES + ("abandonment.csv", "time_split.csv"))
        extra = "".join(f"{name}, " for name in ("abandonment.csv", "time_split.csv") if name in files)
        print(f"\nwrote comparison.csv, {extra}tests.csv and figures to {args.out}")
    if args.report is not None:
        report = render_html(comparison, economics_sections(comparison), cases)
        write_file(args.report, lambda path: Path(path).write_text(report))
        print(f"wrote report {args.report}")
    return EXIT_OK


def business_case_command(args: argparse.Namespace) -> int:
    from ..reports.business_text import business_case_text
    from ..decisions.economics import case_from_runs
    check_target(args.report, "--report", folder=False)
    base = load_scenario(args.base)
    comparison = _compared(base, [args.variant], args)
    case = case_from_runs(comparison.baseline, comparison.variants[0], args.months, args.discount_rate)
    print(business_case_text(case))
    if args.report is not None:
        from ..reports.business import business_case_page  # only commands that write a report load it
        description = str(read_yaml(args.variant).get("description") or "")  # the variant's own, not its base's
        page = business_case_page(case, base.name, description.strip())
        write_file(args.report, lambda path: Path(path).write_text(page, encoding="utf-8"))
        print(f"\nwrote report {args.report}")
    return EXIT_OK


def rank_command(args: argparse.Namespace) -> int:
    from ..reports.business_text import ranking_text
    from ..decisions.ranking import rank
    check_target(args.out, "--out", folder=True)
    check_target(args.chart, "--chart", folder=False)
    check_target(args.report, "--report", folder=False)
    chart_format = _chart_format(args.chart)
    base = load_scenario(args.base)
    update, close = progress_bars()
    try:
        with _about(args.base):
            ranking = rank(base, *args.candidates, months=args.months, discount_rate=args.discount_rate,
                           replications=args.replications, seed=args.seed, progress=update,
                           max_events=args.max_events)
    finally:
        close()
    print(ranking_text(ranking, f"{base.name}: {len(args.candidates)} candidates over {args.months} months at "
                                f"{share(args.discount_rate, 1)} a year, ranked by NPV"))
    if args.out is not None:
        write_outputs(args.out, _ranking_files(ranking), owned=("npv.png",))  # an older version's chart goes too
        print(f"\nwrote {', '.join(RANKING_FILES)} to {args.out}")
    if args.chart is not None:
        write_file(args.chart, lambda path: save_chart(ranking.plot_npv(), path, RANKING_FILES["npv.svg"],
                                                       chart_format))
        print(f"wrote chart {args.chart}")
    if args.report is not None:
        from ..reports.business import ranking_page  # only commands that write a report load it
        descriptions = [str(read_yaml(file).get("description") or "").strip() for file in args.candidates]
        page = ranking_page(ranking, base.name, descriptions)
        write_file(args.report, lambda path: Path(path).write_text(page, encoding="utf-8"))
        print(f"wrote report {args.report}")
    return EXIT_OK


#: What ``rank --out`` writes: each file and what it holds (an SVG chart's title).
RANKING_FILES = {"ranking.csv": "the ranked table",
                 "npv.svg": "NPV of each candidate with its 95% interval",
                 "npv_cost_of_delay.svg": "NPV of each candidate with cost of delay as simulated, halved and without it"}


def _ranking_files(ranking) -> dict[str, Callable[[str], object]]:
    """The writers of ``rank --out``: the table as CSV (plain numbers), the rank page's two charts as SVG."""
    from ..decisions.plausibility import plausibility, plot_cost_of_delay
    checks = [plausibility(case) for case in ranking.in_rank_order()]
    return {"ranking.csv": lambda path: ranking.table.to_csv(path, index=False),
            "npv.svg": lambda path: save_chart(ranking.plot_npv(), path, RANKING_FILES["npv.svg"]),
            "npv_cost_of_delay.svg": lambda path: save_chart(plot_cost_of_delay(checks), path,
                                                             RANKING_FILES["npv_cost_of_delay.svg"])}


def _chart_format(chart: Path | None) -> str:
    """The format of a ``--chart`` file from its name's suffix, refused before any work when unknown."""
    if chart is None:
        return "svg"
    suffix = chart.suffix.lower().lstrip(".")
    if suffix not in CHART_FORMATS:
        raise SimvalueError(f"--chart {chart}: must end in {' or '.join('.' + f for f in CHART_FORMATS)}, "
                            f"got {chart.suffix or 'no suffix'}")
    return suffix


def sweep_command(args: argparse.Namespace) -> int:
    from ..sweeps import sweep
    from ..sweeps.run import check_metrics
    check_target(args.out, "--out", folder=True)
    scenario = _whole_scenario(args.scenario)
    params = _sweep_params(args)
    if args.sensitivity and args.design != "sobol":
        raise SimulationError("--sensitivity needs --design sobol (Sobol indices come from Saltelli's design)")
    if args.sensitivity:
        check_metrics(scenario, (args.sensitivity,))
    update, close = sweep_progress(args.out)
    try:
        with _about(args.scenario):
            frame = sweep(scenario, params, design=args.design, samples=args.samples,
                          replications=args.replications, seed=args.seed, metrics=args.metric or None,
                          executor="serial" if args.serial else "process", workers=args.workers,
                          scheduler=args.scheduler, out=args.out, progress=update, max_events=args.max_events,
                          max_total_events=args.max_total_events)
    finally:
        close()
    if frame.attrs["in_process"]:
        print(f"simvalue: {frame.attrs['in_process']}", file=sys.stderr)
    resumed = frame.attrs["resumed"]
    print(f"{scenario.name}: {frame.attrs['points']} points x {frame['replication'].nunique()} replications "
          f"({args.design} design) in {args.out}" + (f"; {resumed} points were resumed from disk" if resumed else ""))
    metric_columns = [c for c in frame.columns
                      if c not in ("point", "replication", "in_flight_items", "infeasible") and c not in params]
    print(f"columns: point, {', '.join(params)}, replication, and {len(metric_columns)} metrics")
    if args.sensitivity:
        _print_sensitivity(frame, args.sensitivity, args.out)
    _print_extremes(frame, list(params), args.out)
    return EXIT_OK


def _print_extremes(frame, params: list[str], out: Path) -> None:
    """The best and worst point of each metric, then where the files are."""
    from ..sweeps.summary import extremes, point_values
    from ..reports.text import sweep_text
    print("\nBest and worst point of each metric (the metrics that move most first):")
    print(sweep_text(extremes(frame, params), point_values(frame, params)))
    infeasible = frame.loc[frame["infeasible"].fillna("").astype(str) != "", "point"].nunique()
    if infeasible:
        print(f"{infeasible} points could not run (column infeasible says why) and are left out")
    print(f"\nfiles: {out}/ holds one Parquet file per point and _sweep.json (the design);\n"
          f"read them with pandas.read_parquet('{out}') or simvalue.sweeps.read_sweep('{out}')")


def _sweep_params(args: argparse.Namespace) -> dict[str, str]:
    """PATH=SPEC options, parsed and sized up front so that an error names the file and the option."""
    from ..sweeps.design import design_points, parse_parameter
    params = {}
    for item in args.param:
        path, sep, spec = item.partition("=")
        if not sep or not path.strip() or not spec.strip():
            raise SimulationError(f"{args.scenario}: --param: expected PATH=SPEC, got {item!r}")
        params[path.strip()] = spec.strip()
    try:
        design_points([parse_parameter(p, s) for p, s in params.items()], args.design, args.samples)
    except SimulationError as exc:
        raise SimulationError(f"{args.scenario}: --param: {exc}") from None
    return params


def _print_sensitivity(frame, metric: str, out: Path) -> None:
    from ..sweeps import plot_sensitivity, sobol_indices
    indices = sobol_indices(frame, metric)
    print(f"\nSobol indices of {metric} (95% confidence half-widths):")
    print(table(["parameter", "S1", "ST"], [[r.parameter, f"{r.S1:.3f} ±{r.S1_conf:.3f}",
                                             f"{r.ST:.3f} ±{r.ST_conf:.3f}"] for r in indices.itertuples()]))
    chart = out.resolve().with_name(out.resolve().stem + "_sensitivity.png")
    write_file(chart, lambda path: plot_sensitivity(indices, metric).savefig(path, format="png"))
    print(f"wrote {chart}")


#: Figure names that vary with the item types and streams: an earlier compare's are replaced too.
COMPARISON_FIGURES = ("ttv_*.png", "value_stream_*.png")


def _comparison_files(comparison) -> dict[str, Callable[[str], object]]:
    files: dict[str, Callable[[str], object]] = {
        "comparison.csv": lambda path: comparison.table.to_csv(path, index=False),
        "tests.csv": lambda path: comparison.tests.to_csv(path, index=False),
        "utilisation.png": lambda path: comparison.plot_utilisation().savefig(path, format="png"),
        "cfd.png": lambda path: comparison.plot_cfd().savefig(path, format="png"),
    }
    for name, frame in (("abandonment.csv", comparison.abandonment()), ("time_split.csv", comparison.time_split())):
        if len(frame):  # the levers, only when a side has patience or shares people
            files[name] = lambda path, frame=frame: frame.to_csv(path, index=False)
    base = comparison.baseline
    for item_type in base.items["type"].cat.categories:
        files[f"ttv_{item_type}.png"] = (lambda path, t=item_type: comparison.plot_ttv(t, log=True)
                                         .savefig(path, format="png"))
    for stream in base.scenario.streams:
        if base.events["stream"].eq(stream).any():
            files[f"value_stream_{stream}.png"] = (lambda path, s=stream: comparison.plot_value_stream(s)
                                                   .savefig(path, format="png"))
    return files


def check(args: argparse.Namespace) -> int:
    scenario = _whole_scenario(args.scenario)
    print(f"{args.scenario}: valid scenario {scenario.name!r}\n")
    print(scenario_overview(scenario))
    return EXIT_OK


def schema(args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return EXIT_OK
