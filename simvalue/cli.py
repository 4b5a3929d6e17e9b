"""The command line: the only module that prints, exits or shows progress.

Every SimvalueError becomes one line on stderr and exit code 2; files are written whole or not
at all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from .comparison import compare
from .errors import ScenarioError, SimulationError, SimvalueError
from .economics import case_from_runs
from .ranking import rank
from .report import business_case_html, economics_sections, render_html
from .scenario import load_scenario
from .scenario.capacity import offered_loads, step_visits
from .scenario.checks import HIGH_UTILISATION
from .scenario.model import Scenario
from .scenario.variants import load_variant, parse_assignments
from .simulation import simulate
from .sweeps import plot_sensitivity, sobol_indices, sweep
from .text import bottleneck_table, business_case_text, comparison_table, ranking_text, summary_tables, table
from .units import humanize
from .version import __version__

EXIT_OK, EXIT_USAGE = 0, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simvalue`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return args.handler(args)
        except SimvalueError as exc:
            print(f"simvalue: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("simvalue: interrupted", file=sys.stderr)
            return 130


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"simvalue: warning: {message}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simvalue",
        description="Simulate demand flowing through IT service value streams (ITIL 4 value chain).",
        epilog="Exit codes: 0 success, 2 bad input (the message names the file and field).")
    parser.add_argument("--version", action="version", version=f"simvalue {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    run = commands.add_parser("run", help="simulate a scenario and print its summary",
                              description="Simulate a scenario file and print time-to-value per item "
                                          "type, time per value-chain activity and team load.")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    _add_run_options(run)
    _add_edit_options(run)
    run.add_argument("--out", type=Path, metavar="DIR",
                     help="write items.parquet, events.parquet, teams.parquet and summary.csv here")
    run.set_defaults(handler=_run)

    compare = commands.add_parser(
        "compare", help="compare a baseline with variants (common random numbers)",
        description="Simulate a baseline and one or more variants with the same random streams and "
                    "report how time-to-value, SLA attainment, throughput, WIP and team load change, "
                    "with 95%% confidence intervals paired across replications.")
    compare.add_argument("base", type=Path, help="baseline scenario YAML file")
    compare.add_argument("variants", type=Path, nargs="*", metavar="VARIANT",
                         help="variant files (set/scale edits) or whole scenario files")
    _add_run_options(compare)
    _add_edit_options(compare, "define one more variant from edits of the base")
    compare.add_argument("--out", type=Path, metavar="DIR", help="write comparison.csv, tests.csv and figures here")
    compare.add_argument("--report", type=Path, metavar="FILE.html", help="write a self-contained HTML report")
    compare.set_defaults(handler=_compare)

    case = commands.add_parser(
        "business-case", help="cost of delay saved, hours freed, ROI, payback and NPV of one variant",
        description="Build the business case of a variant against a baseline: benefit per month (cost of "
                    "delay avoided + team hours freed at cost + SLA penalties avoided), net benefit, ROI, "
                    "payback month and NPV over the period, each with a 95%% interval across replications.")
    case.add_argument("base", type=Path, help="baseline scenario YAML file (with costs)")
    case.add_argument("variant", type=Path, help="variant file (with economics)")
    _add_money_options(case)
    _add_run_options(case)
    case.add_argument("--report", type=Path, metavar="FILE.html", help="write an HTML report with the case")
    case.set_defaults(handler=_business_case)

    ranking = commands.add_parser(
        "rank", help="rank candidate improvements by NPV",
        description="Build the business case of every candidate against one baseline and rank them by NPV, "
                    "with ROI, payback, time-to-value change, WSJF and the probability each is best.")
    ranking.add_argument("base", type=Path, help="baseline scenario YAML file (with costs)")
    ranking.add_argument("candidates", type=Path, nargs="+", metavar="VARIANT", help="candidate variant files")
    _add_money_options(ranking)
    _add_run_options(ranking)
    ranking.add_argument("--out", type=Path, metavar="DIR", help="write ranking.csv and npv.png here")
    ranking.add_argument("--chart", type=Path, metavar="FILE.png", help="write the NPV chart to this file")
    ranking.set_defaults(handler=_rank)

    sweeping = commands.add_parser(
        "sweep", help="sweep parameters over a design (grid, lhs, sobol), in parallel or on Dask",
        description="Simulate a scenario at every point of a design over dotted-path parameters and write "
                    "one row per point and replication to a Parquet dataset. Rerunning with the same --out "
                    "resumes where a stopped sweep left off.")
    sweeping.add_argument("scenario", type=Path, help="scenario YAML file")
    sweeping.add_argument("--param", action="append", required=True, metavar="PATH=SPEC",
                          help="a swept parameter: PATH=2:6 (range; low:high:step), PATH=0.7,0.8,0.9 (values), "
                               "PATH=uniform(0.7, 0.9) (sampled designs); repeatable")
    sweeping.add_argument("--design", choices=["grid", "lhs", "sobol"], default="grid", help="default: grid")
    sweeping.add_argument("--samples", type=_positive_int, metavar="N",
                          help="points of an lhs design; base samples of a sobol design (N x (params + 2) points)")
    _add_run_options(sweeping)
    sweeping.add_argument("--metric", action="append", default=[], metavar="NAME",
                          help="metric name (e.g. utilisation) or column (normal_change.time_to_value_p50); "
                               "repeatable; default: the headline metrics")
    where = sweeping.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, metavar="N", help="local process pool size (default: cores)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler (tcp://host:port, or 'local')")
    where.add_argument("--serial", action="store_true", help="run in this process, one point at a time")
    sweeping.add_argument("--out", type=Path, required=True, metavar="sweep.parquet",
                          help="output Parquet dataset folder (resumable)")
    sweeping.add_argument("--sensitivity", metavar="COLUMN",
                          help="with --design sobol: print Sobol indices of this metric column and chart them")
    sweeping.set_defaults(handler=_sweep)

    check = commands.add_parser("check", help="validate a scenario and show offered load per team",
                                description="Validate a scenario file and print its streams, steps, "
                                            "teams and offered load per team; exit 2 when invalid or "
                                            "overloaded.")
    check.add_argument("scenario", type=Path, help="scenario YAML file")
    check.set_defaults(handler=_check)

    schema = commands.add_parser("schema", help="print the JSON Schema of the scenario format",
                                 description="Print the JSON Schema of scenario files, for editors.")
    schema.set_defaults(handler=_schema)
    return parser


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-r", "--replications", type=_positive_int, metavar="N",
                        help="number of replications (default: the scenario's)")
    parser.add_argument("--seed", type=_non_negative_int, metavar="S", help="random seed (default: the scenario's)")


def _add_money_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--months", type=_positive_int, default=12, metavar="N",
                        help="period of the business case in months (default 12)")
    parser.add_argument("--discount-rate", type=_rate, default=0.08, metavar="R",
                        help="yearly discount rate as a fraction (default 0.08)")


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction such as 0.08, got {text!r}") from None
    if not 0 <= value < 10:
        raise argparse.ArgumentTypeError(f"expected a yearly fraction such as 0.08, got {text}")
    return value


def _add_edit_options(parser: argparse.ArgumentParser, what: str = "edit the scenario before running") -> None:
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                        help=f"{what}: set a dotted path, e.g. teams.platform.capacity=4 (repeatable)")
    parser.add_argument("--scale", action="append", default=[], metavar="PATH=FACTOR",
                        help=f"{what}: multiply a rate, duration or count, e.g. demand.incident.arrivals.rate=1.2")


def _edits(args: argparse.Namespace) -> dict | None:
    """A variant mapping from --set/--scale, or None when neither was given."""
    if not args.set and not args.scale:
        return None
    sets, scales = parse_assignments(args.set, "set"), parse_assignments(args.scale, "scale")
    for path, factor in scales.items():
        if isinstance(factor, bool) or not isinstance(factor, (int, float)):
            raise ScenarioError(f"expected a number, got {factor!r}", path=f"--scale {path}")
    name = ", ".join([f"{p}={v}" for p, v in sets.items()] + [f"{p}x{v}" for p, v in scales.items()])
    return {"name": name, "set": sets, "scale": scales}


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def progress_bar(description: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar on stderr that appears only when the work takes more than a moment."""
    from tqdm import tqdm
    state: dict[str, tqdm] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc=description, unit="rep", delay=1.0,
                                      file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return update, close


def _run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    edits = _edits(args)
    if edits is not None:
        scenario = load_variant(scenario, edits | {"name": f"{scenario.name} ({edits['name']})"})
    update, close = progress_bar("replications")
    try:
        results = simulate(scenario, replications=args.replications, seed=args.seed, progress=update)
    finally:
        close()
    summary = results.summary()
    print(f"{scenario.name}: {results.replications} replications, seed {results.seed}, "
          f"horizon {humanize(scenario.horizon)} after {humanize(scenario.warmup)} warm-up "
          "(± is the 95% confidence half-width across replications)\n")
    print(summary_tables(summary, results.teams))
    if args.out is not None:
        write_outputs(args.out, {
            "items.parquet": results.items.to_parquet,
            "events.parquet": results.events.to_parquet,
            "teams.parquet": results.teams.to_parquet,
            "summary.csv": lambda path: summary.to_csv(path, index=False),
        })
        print(f"\nwrote items.parquet, events.parquet, teams.parquet, summary.csv to {args.out}")
    return EXIT_OK


def write_outputs(directory: Path, writers: dict[str, Callable[[str], object]]) -> None:
    """Write every file to a temporary name first, then move them all into place."""
    directory.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, write in writers.items():
            handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
            os.close(handle)
            staged.append((temporary, directory / name))
            write(temporary)
    except BaseException:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
        raise
    umask = os.umask(0)
    os.umask(umask)
    for temporary, final in staged:
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        os.replace(temporary, final)


def _compare(args: argparse.Namespace) -> int:
    base = load_scenario(args.base)
    variants: list = list(args.variants)
    edits = _edits(args)
    if edits is not None:
        variants.append(edits)
    if not variants:
        raise SimvalueError("compare needs a VARIANT file or --set/--scale edits")
    update, close = _progress_bars()
    try:
        comparison = compare(base, *variants, replications=args.replications, seed=args.seed, progress=update)
    finally:
        close()
    print(f"{base.name}: baseline vs {len(comparison.variants)} variant(s), {comparison.baseline.replications} "
          f"replications, seed {comparison.baseline.seed}, common random numbers\n")
    print(comparison_table(comparison.table))
    print("\nBottlenecks (step with the largest share of waiting, per stream):")
    print(bottleneck_table(comparison.bottlenecks()))
    print("\nFindings:")
    for sentence in comparison.findings():
        print(f"- {sentence}")
    if args.out is not None:
        write_outputs(args.out, _comparison_files(comparison))
        print(f"\nwrote comparison.csv, tests.csv and figures to {args.out}")
    if args.report is not None:
        report = render_html(comparison, economics_sections(comparison))
        args.report.parent.mkdir(parents=True, exist_ok=True)
        write_outputs(args.report.parent, {args.report.name: lambda path: Path(path).write_text(report)})
        print(f"wrote report {args.report}")
    return EXIT_OK


def _progress_bars() -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
    """One progress bar per scenario name; returns (update, close_all)."""
    bars: dict[str, tuple] = {}

    def update(name: str, done: int, total: int) -> None:
        if name not in bars:
            bars[name] = progress_bar(name[:30])
        bars[name][0](done, total)

    def close() -> None:
        for _, close_bar in bars.values():
            close_bar()

    return update, close


def _business_case(args: argparse.Namespace) -> int:
    base = load_scenario(args.base)
    update, close = _progress_bars()
    try:
        comparison = compare(base, args.variant, replications=args.replications, seed=args.seed, progress=update)
    finally:
        close()
    case = case_from_runs(comparison.baseline, comparison.variants[0], args.months, args.discount_rate)
    print(business_case_text(case))
    if args.report is not None:
        page = render_html(comparison, [business_case_html([case])])
        args.report.parent.mkdir(parents=True, exist_ok=True)
        write_outputs(args.report.parent, {args.report.name: lambda path: Path(path).write_text(page)})
        print(f"\nwrote report {args.report}")
    return EXIT_OK


def _rank(args: argparse.Namespace) -> int:
    base = load_scenario(args.base)
    update, close = _progress_bars()
    try:
        ranking = rank(base, *args.candidates, months=args.months, discount_rate=args.discount_rate,
                       replications=args.replications, seed=args.seed, progress=update)
    finally:
        close()
    print(f"{base.name}: {len(args.candidates)} candidates over {args.months} months at "
          f"{args.discount_rate:.1%} a year, ranked by NPV\n")
    print(ranking_text(ranking))
    if args.out is not None:
        write_outputs(args.out, {"ranking.csv": lambda path: ranking.table.to_csv(path, index=False),
                                 "npv.png": lambda path: ranking.plot_npv().savefig(path, format="png")})
        print(f"\nwrote ranking.csv and npv.png to {args.out}")
    if args.chart is not None:
        args.chart.parent.mkdir(parents=True, exist_ok=True)
        write_outputs(args.chart.parent, {args.chart.name: lambda path: ranking.plot_npv().savefig(path, format="png")})
        print(f"wrote chart {args.chart}")
    return EXIT_OK


def _sweep(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    params = {}
    for item in args.param:
        path, sep, spec = item.partition("=")
        if not sep or not path.strip() or not spec.strip():
            raise SimulationError(f"--param expects PATH=SPEC, got {item!r}")
        params[path.strip()] = spec.strip()
    from tqdm import tqdm
    bar: dict[str, tqdm] = {}

    def progress(done: int, total: int, resumed: int) -> None:
        if "bar" not in bar:
            if resumed:
                print(f"resuming: {resumed} of {total} points already in {args.out}", file=sys.stderr)
            bar["bar"] = tqdm(total=total, initial=resumed, desc="points", unit="pt", file=sys.stderr)
        bar["bar"].update(done - bar["bar"].n)

    executor = "serial" if args.serial else "process"
    try:
        frame = sweep(scenario, params, design=args.design, samples=args.samples, replications=args.replications,
                      seed=args.seed, metrics=args.metric or None, executor=executor, workers=args.workers,
                      scheduler=args.scheduler, out=args.out, progress=progress)
    finally:
        if "bar" in bar:
            bar["bar"].close()
    resumed = frame.attrs["resumed"]
    print(f"{scenario.name}: {frame.attrs['points']} points x {frame['replication'].nunique()} replications "
          f"({args.design} design) in {args.out}" + (f"; {resumed} points were resumed from disk" if resumed else ""))
    metric_columns = [c for c in frame.columns if c not in ("point", "replication") and c not in params]
    print(f"columns: point, {', '.join(params)}, replication, and {len(metric_columns)} metrics")
    if args.sensitivity:
        indices = sobol_indices(frame, args.sensitivity)
        print(f"\nSobol indices of {args.sensitivity} (95% confidence half-widths):")
        print(table(["parameter", "S1", "ST"], [[r.parameter, f"{r.S1:.3f} ±{r.S1_conf:.3f}",
                                                 f"{r.ST:.3f} ±{r.ST_conf:.3f}"] for r in indices.itertuples()]))
        chart = args.out.with_name(args.out.stem + "_sensitivity.png")
        write_outputs(chart.parent, {chart.name: lambda path: plot_sensitivity(indices, args.sensitivity)
                                     .savefig(path, format="png")})
        print(f"wrote {chart}")
    return EXIT_OK


def _comparison_files(comparison) -> dict[str, Callable[[str], object]]:
    files: dict[str, Callable[[str], object]] = {
        "comparison.csv": lambda path: comparison.table.to_csv(path, index=False),
        "tests.csv": lambda path: comparison.tests.to_csv(path, index=False),
        "utilisation.png": lambda path: comparison.plot_utilisation().savefig(path, format="png"),
        "cfd.png": lambda path: comparison.plot_cfd().savefig(path, format="png"),
    }
    base = comparison.baseline
    for item_type in base.items["type"].cat.categories:
        files[f"ttv_{item_type}.png"] = (lambda path, t=item_type: comparison.plot_ttv(t, log=True)
                                         .savefig(path, format="png"))
    for stream in base.scenario.streams:
        if base.events["stream"].eq(stream).any():
            files[f"value_stream_{stream}.png"] = (lambda path, s=stream: comparison.plot_value_stream(s)
                                                   .savefig(path, format="png"))
    return files


def _check(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    print(f"{args.scenario}: valid scenario {scenario.name!r}\n")
    print(scenario_overview(scenario))
    return EXIT_OK


def scenario_overview(scenario: Scenario) -> str:
    """Streams with their steps and expected visits, then offered load per team and gate."""
    parts = []
    for name, stream in scenario.streams.items():
        rows = []
        for step, visits in zip(stream.steps, step_visits(stream)):
            rows.append([step.name, str(step.activity), _performer(step), _effort(step), f"{visits:.2f}"])
        types = ", ".join(d.type for d in scenario.demand if d.stream == name) or "no demand"
        parts.append(f"stream {name} ({types})\n" + table(["step", "activity", "by", "effort", "visits"], rows))
    loads = [[load.name, load.kind, f"{load.capacity:g}", f"{load.offered:.2f}", f"{load.utilisation:.0%}",
              "OVERLOADED" if load.utilisation >= 1 else ("high" if load.utilisation >= HIGH_UTILISATION else "ok")]
             for load in offered_loads(scenario)]
    parts.append("offered load (Erlangs = rate x visits x mean effort; gates: items per meeting)\n"
                 + table(["name", "kind", "capacity", "offered", "utilisation", "status"], loads))
    return "\n\n".join(parts)


def _performer(step) -> str:
    if step.gate is None:
        return step.team
    return f"{step.gate.kind} gate" + (f" ({step.gate.team})" if step.gate.kind == "approver" else "")


def _effort(step) -> str:
    gate = step.gate
    if gate is None:
        text = str(step.effort)
        return text + (f"; {step.automation.share:.0%} automated" if step.automation else "")
    if gate.kind == "cab":
        return f"meets every {humanize(gate.meets)}"
    return str(gate.effort if gate.kind == "approver" else gate.delay)


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
