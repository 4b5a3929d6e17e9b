"""The argument parser: every command, its options and their help, in one place."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..version import __version__
from .escape import escape_controls
from . import commands as handlers
from .app_command import add_app
from .calibrate_command import add_calibrate
from .review_command import add_review
from .staff_command import staff_command


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one escaped line, like every other simvalue error."""

    def error(self, message: str):
        command = self.prog.removeprefix("simvalue").strip()
        where = f"{command}: " if command else ""
        self.exit(2, f"simvalue: error: {where}{escape_controls(message)} (see simvalue {command} --help)\n"
                  .replace("simvalue  --help", "simvalue --help"))


def build_parser() -> argparse.ArgumentParser:
    """The ``simvalue`` parser with one sub-command per job."""
    parser = OneLineParser(
        prog="simvalue",
        description="Simulate demand flowing through IT service value streams (ITIL 4 value chain).",
        epilog="Exit codes: 0 success, 2 bad input (the message names the file and field).")
    parser.add_argument("--version", action="version", version=f"simvalue {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True,
                                     parser_class=OneLineParser)
    for add in (_add_run, _add_compare, _add_business_case, _add_rank, _add_sweep, _add_check, _add_schema,
                _add_staff, add_calibrate, _add_review, add_app):
        add(commands)
    return parser


def _add_run(commands) -> None:
    run = commands.add_parser("run", help="simulate a scenario and print its summary",
                              description="Simulate a scenario file and print time-to-value per item "
                                          "type, SLA attainment, abandonment (when callers give up), time "
                                          "per value-chain activity and team load.")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    _add_run_options(run)
    _add_edit_options(run)
    run.add_argument("--out", type=Path, metavar="DIR",
                     help="write items.parquet, events.parquet, teams.parquet and summary.csv here")
    run.add_argument("--events-format", choices=["csv", "parquet", "xes"],
                     help="with --out: write the event log in pm4py's form (one row per lifecycle transition, "
                          "real datetimes) as events.csv, events.parquet or events.xes, in place of the "
                          "step executions' events.parquet")
    run.add_argument("--record", choices=["full", "items", "summary"], default="full",
                     help="what the run keeps: full (every step execution and item; the default), items "
                          "(one row per item, no events) or summary (no rows: memory stays flat however long "
                          "the horizon; percentiles within 0.5%%). --out then writes the files it has")
    run.set_defaults(handler=handlers.run)


def _add_compare(commands) -> None:
    compare = commands.add_parser(
        "compare", help="compare a baseline with variants (common random numbers)",
        description="Simulate a baseline and one or more variants with the same random streams and "
                    "report how time-to-value, SLA attainment, throughput, WIP and team load change, "
                    "with 95% confidence intervals paired across replications.")
    compare.add_argument("base", type=Path, help="baseline scenario YAML file")
    compare.add_argument("variants", type=Path, nargs="*", metavar="VARIANT",
                         help="variant files (set/scale edits) or whole scenario files")
    _add_run_options(compare)
    _add_edit_options(compare, "define one more variant from edits of the base")
    compare.add_argument("--out", type=Path, metavar="DIR", help="write comparison.csv, tests.csv and figures here")
    compare.add_argument("--report", type=Path, metavar="FILE.html", help="write a self-contained HTML report")
    compare.set_defaults(handler=handlers.compare_command)


def _add_business_case(commands) -> None:
    case = commands.add_parser(
        "business-case", help="cost of delay saved, hours freed, ROI, payback and NPV of one variant",
        description="Build the business case of a variant against a baseline: benefit per month (cost of "
                    "delay avoided + team hours freed at cost + SLA penalties avoided), net benefit, ROI, "
                    "payback month and NPV over the period, each with a 95% interval across replications, "
                    "and the share of the benefit that is cost of delay with the NPV without it. Opens with "
                    "one sentence: the NPV, how sure, and what it rests on.")
    case.add_argument("base", type=Path, help="baseline scenario YAML file (with costs)")
    case.add_argument("variant", type=Path, help="variant file (with economics)")
    _add_money_options(case)
    _add_run_options(case)
    case.add_argument("--report", type=Path, metavar="FILE", help="write the business case as a self-contained "
                      "HTML page: the money first, then the benefit breakdown and how far it rests on each "
                      "assumption")
    case.set_defaults(handler=handlers.business_case_command)


def _add_rank(commands) -> None:
    ranking = commands.add_parser(
        "rank", help="rank candidate improvements by NPV",
        description="Build the business case of every candidate against one baseline and rank them by NPV, "
                    "with ROI, payback, time-to-value change, WSJF, the probability each is best, the share "
                    "of each benefit that is cost of delay and the NPV without it. Opens with one sentence: "
                    "what to do first, by how much, how sure, and what it rests on.")
    ranking.add_argument("base", type=Path, help="baseline scenario YAML file (with costs)")
    ranking.add_argument("candidates", type=Path, nargs="+", metavar="VARIANT", help="candidate variant files")
    _add_money_options(ranking)
    _add_run_options(ranking)
    ranking.add_argument("--out", type=Path, metavar="DIR", help="write ranking.csv (the table, with "
                         "cost_of_delay_share and npv_without_cost_of_delay) and the rank page's two charts as SVG "
                         "here: npv.svg (NPV with its interval) and npv_cost_of_delay.svg (NPV as simulated, with "
                         "cost of delay halved and without it)")
    ranking.add_argument("--chart", type=Path, metavar="FILE.svg",
                         help="write the NPV chart to this file: SVG, or PNG when the name ends in .png")
    ranking.add_argument("--report", type=Path, metavar="FILE",
                         help="write a self-contained HTML page: the ranked table with plausibility columns and "
                              "flags, the NPV chart, then each candidate's business case")
    ranking.set_defaults(handler=handlers.rank_command)


def _add_sweep(commands) -> None:
    sweeping = commands.add_parser(
        "sweep", help="sweep parameters over a design (grid, lhs, sobol), in parallel or on Dask",
        description="Simulate a scenario at every point of a design over dotted-path parameters and write "
                    "one row per point and replication to a Parquet dataset. Rerunning with the same --out "
                    "resumes where a stopped sweep left off. Ends with the best and worst point of each "
                    "metric and where the files are.")
    sweeping.add_argument("scenario", type=Path, help="scenario YAML file")
    sweeping.add_argument("--param", action="append", required=True, metavar="PATH=SPEC",
                          help="a swept parameter: PATH=2:6 (range; low:high:step), PATH=0.7,0.8,0.9 (values), "
                               "PATH=uniform(0.7, 0.9) (sampled designs); repeatable")
    sweeping.add_argument("--design", choices=["grid", "lhs", "sobol"], default="grid", help="default: grid")
    sweeping.add_argument("--samples", type=_positive_int, metavar="N",
                          help="points of an lhs design; base samples of a sobol design (N x (params + 2) points)")
    _add_run_options(sweeping)
    sweeping.add_argument("--max-total-events", type=_positive_number, metavar="N",
                          help="budget of the whole sweep: refuse one estimated to simulate more events than this "
                               "(points x replications x events of a replication, plus 15,000 a replication for "
                               "building it; default 5e8, about half an hour on one core)")
    sweeping.add_argument("--metric", action="append", default=[], metavar="NAME",
                          help="metric name (e.g. utilisation) or column (normal_change.time_to_value_p50); "
                               "repeatable; default: the headline metrics")
    where = sweeping.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, metavar="N",
                       help="local process pool size (default: cores); a sweep estimated under 2 s runs in this "
                            "process instead, and says so")
    where.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler (tcp://host:port, or 'local')")
    where.add_argument("--serial", action="store_true", help="run in this process, one point at a time")
    sweeping.add_argument("--out", type=Path, required=True, metavar="sweep.parquet",
                          help="output Parquet dataset folder (resumable)")
    sweeping.add_argument("--sensitivity", metavar="COLUMN",
                          help="with --design sobol: print Sobol indices of this metric column and chart them")
    sweeping.set_defaults(handler=handlers.sweep_command)


def _add_staff(commands) -> None:
    """The ``staff`` sub-command and its options."""
    staff = commands.add_parser(
        "staff", help="the fewest people per team and shift that meet SLA goals",
        description="Find the fewest people (the least cost when every team searched has cost_per_hour) on each "
                    "team, and on each shift of a team with shifts, such that each goal's SLA attainment holds. "
                    "Starts from the offered-load lower bound, adds one person at a time where it helps the worst "
                    "goal most per unit cost (every candidate on the same random numbers), takes away anyone not "
                    "needed, and confirms the answer with twice the replications on other seeds, reporting each "
                    "goal's 95% interval. See docs/staffing.md.",
        epilog="Exit codes: 0 an answer (read how sure it is), 2 a bad goal or team, goals that no number of "
               "people meets, or a search over its budget.")
    staff.add_argument("scenario", type=Path, help="scenario YAML file")
    staff.add_argument("--goal", action="append", required=True, metavar="TYPE=SHARE",
                       help="SLA attainment to reach: incident=95%%, incident=0.95, or incident.P2=95%% for one "
                            "priority (the type needs an SLA; the priority a target in it); repeatable")
    staff.add_argument("--team", action="append", default=[], metavar="NAME",
                       help="a team whose people may change (repeatable; default: every team); the others keep "
                            "their headcounts")
    staff.add_argument("-r", "--replications", type=_positive_int, default=5, metavar="N",
                       help="replications per candidate (default 5); the confirming run uses twice as many")
    staff.add_argument("--seed", type=_non_negative_int, metavar="S", help="random seed (default: the scenario's)")
    staff.add_argument("--max-evaluations", type=_positive_int, default=300, metavar="N",
                       help="the most candidates the search simulates before it gives up (default 300)")
    staff.add_argument("--max-people", type=_positive_int, default=200, metavar="N",
                       help="the most people on one team or shift (default 200): goals still missed there are "
                            "reported as impossible")
    staff.add_argument("--max-events", type=_positive_number, metavar="N",
                       help="work budget of each candidate's run (default 1e7)")
    staff.add_argument("--json", type=Path, metavar="OUT",
                       help='write the answer as JSON: {"teams": {NAME: PEOPLE (a team with shifts: its largest '
                            'shift)}, "attainment": {GOAL: SHARE}, "interval", "shifts": {TEAM: {SHIFT: PEOPLE}}, '
                            '"lower_bound", "evaluations", ...}')
    staff.set_defaults(handler=staff_command)


def _add_review(commands) -> None:
    add_review(commands, _add_run_options)


def _add_check(commands) -> None:
    check = commands.add_parser("check", help="validate a scenario and show offered load per team",
                                description="Validate a scenario file and print its streams, steps, "
                                            "teams and offered load per team; exit 2 when invalid or "
                                            "overloaded.")
    check.add_argument("scenario", type=Path, help="scenario YAML file")
    check.set_defaults(handler=handlers.check)


def _add_schema(commands) -> None:
    schema = commands.add_parser("schema", help="print the JSON Schema of the scenario format",
                                 description="Print the JSON Schema of scenario files, for editors.")
    schema.set_defaults(handler=handlers.schema)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-r", "--replications", type=_positive_int, metavar="N",
                        help="number of replications (default: the scenario's)")
    parser.add_argument("--seed", type=_non_negative_int, metavar="S", help="random seed (default: the scenario's)")
    parser.add_argument("--max-events", type=_positive_number, metavar="N",
                        help="work budget: refuse a run estimated to simulate more events than this, in all "
                             "(default 1e7, under a minute; a sweep applies it to each point)")


def _add_money_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--months", type=_months, default=12, metavar="N",
                        help="period of the business case in months (default 12)")
    parser.add_argument("--discount-rate", type=_rate, default=0.08, metavar="R",
                        help="yearly discount rate as a fraction (default 0.08)")


def _months(text: str) -> int:
    value = _positive_int(text)
    if value > 1200:
        raise argparse.ArgumentTypeError(f"expected at most 1200 months (100 years), got {text}")
    return value


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


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 5e7, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text}")
    return value


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
