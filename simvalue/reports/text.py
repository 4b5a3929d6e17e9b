"""Plain-text tables for the terminal: summaries, team load and scenario overviews."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..scenario.capacity import demand_rate, entering_rates, offered_loads, shift_loads, stream_visits
from ..scenario.checks import HIGH_UTILISATION
from ..scenario.overload import overload_drain
from ..scenario.skills import skill_groups
from ..scenario.workload import workload
from ..scenario.model import Scenario
from .. import readable

if TYPE_CHECKING:  # PERF: the tables take frames, but `simvalue check` needs no pandas
    import pandas as pd


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Left-aligned first column, right-aligned others, two spaces apart."""
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows)]
    def line(cells: list[str]) -> str:
        first, *rest = cells
        return "  ".join([str(first).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(rest, widths[1:])])
    return "\n".join([line(headers), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def _plain_duration(hours: float) -> str:
    """A duration in the terminal's summary, bottleneck and SLA columns: the one human spelling, plain space."""
    return readable.duration(hours, space=" ")


def with_interval(estimate: float, low: float, high: float, fmt: Callable[[float], str] = _plain_duration) -> str:
    """``8.2 h ±1.2 h``: the estimate and the half-width of its confidence interval."""
    if math.isnan(low):
        return fmt(estimate)
    return f"{fmt(estimate)} ±{fmt((high - low) / 2)}"


def summary_tables(summary: pd.DataFrame, teams: pd.DataFrame, sla_words: dict[str, str] | None = None,
                   metrics: pd.DataFrame | None = None, groups: pd.DataFrame | None = None) -> str:
    """Time-to-value per type (and per priority, from ``metrics``, Results.metrics()), SLA attainment,
    abandonment (when callers gave up), time per activity, waiting on others per reason and team load, as
    text tables (``sla_words``: each type's SLA in words, e.g. '16h of business hours'), and each group's
    time split when people have several skills (``groups``, Results.groups)."""
    sla_words = sla_words or {}
    indexed = summary.set_index(["type", "metric"])
    columns = ["time_to_value_mean", "time_to_value_p50", "time_to_value_p85", "time_to_value_p95"]
    rows = []
    for item_type in summary["type"].unique():
        row = indexed.loc[item_type]
        done = row.loc["completed"]
        rows.append([item_type, with_interval(*done, fmt=lambda v: f"{v:.0f}")]
                    + [with_interval(*row.loc[c]) for c in columns])
    parts = ["time-to-value per item type, from arrival to done\n"
             + table(["type", "completed/rep", "mean", "p50", "p85", "p95"], rows)]
    sla = summary[summary["metric"] == "sla_attainment"]
    if len(sla):
        parts.append(table(["type", "SLA", "attainment"], [
            [r.type, sla_words.get(r.type, ""), with_interval(r.estimate, r.ci_low, r.ci_high, fmt=readable.share)]
            for r in sla.itertuples()]))
    abandoned = summary[summary["metric"] == "abandonment_share"]
    if len(abandoned):  # only runs in which some caller gave up (patience)
        parts.append("abandoned: callers who gave up waiting (ring-backs included)\n" + table(
            ["type", "share", "time to abandon, mean", "p85"],
            [[t, with_interval(*indexed.loc[(t, "abandonment_share")], fmt=readable.share),
              with_interval(*indexed.loc[(t, "time_to_abandon_mean")]),
              with_interval(*indexed.loc[(t, "time_to_abandon_p85")])] for t in abandoned["type"]]))
    if metrics is not None and metrics["priority"].notna().any():
        parts.append(priority_table(metrics))
    activity = summary[summary["metric"].str.startswith("time_in_")]
    if len(activity):
        parts.append(table(["type", "activity", "time per item"], [
            [r.type, r.metric.removeprefix("time_in_"), with_interval(r.estimate, r.ci_low, r.ci_high)]
            for r in activity.itertuples()]))
    waiting = summary[summary["metric"].str.startswith("waiting_on_")]
    if len(waiting):
        parts.append(table(["type", "waiting on", "time per item"], [
            [r.type, r.metric.removeprefix("waiting_on_"), with_interval(r.estimate, r.ci_low, r.ci_high)]
            for r in waiting.itertuples()]))
    parts.append(team_table(teams))
    if groups is not None and len(groups):
        parts.append(group_table(groups))
    return "\n\n".join(parts)


def priority_table(metrics: pd.DataFrame, confidence: float = 0.95) -> str:
    """Per type and priority: mean and 85th-percentile time-to-value and SLA attainment, with intervals."""
    from ..results.stats import t_interval
    rows = []
    shown = metrics[metrics["priority"].notna() & metrics["metric"].isin(
        ["time_to_value_mean", "time_to_value_p85", "sla_attainment"])]
    for (item_type, priority), group in shown.groupby(["type", "priority"], sort=True):
        cells = []
        for metric, spell in (("time_to_value_mean", readable.duration), ("time_to_value_p85", readable.duration),
                              ("sla_attainment", readable.share)):
            values = group.loc[group["metric"] == metric, "value"].to_numpy()
            cells.append(with_interval(*t_interval(values, confidence), fmt=spell) if len(values) else "")
        rows.append([str(item_type), str(priority), *cells])
    return "time-to-value per priority, from arrival to done\n" + table(
        ["type", "priority", "mean", "p85", "SLA attainment"], rows)


def team_table(teams: pd.DataFrame) -> str:
    """Mean utilisation and queue length per team across replications."""
    grouped = teams.groupby("team", observed=True)
    overtime = "overtime_hours" in teams and bool((teams["overtime_hours"] > 0).any())  # a column only when some
    rows = [[str(name), readable.figure(frame['capacity'].mean()), readable.share(frame['utilisation'].mean()),
             f"{frame['mean_queue_length'].mean():.2f}",
             *([readable.figure(frame['overtime_hours'].mean())] if overtime else [])] for name, frame in grouped]
    return table(["team", "people on duty", "utilisation (of scheduled hours)", "mean queue",
                  *(["overtime hours"] if overtime else [])], rows)


def group_table(groups: pd.DataFrame) -> str:
    """People with several skills: each group's time split, mean over replications, e.g. 'network
    engineers: 62% network, 21% service_desk, 17% idle'."""
    mean = groups.groupby(["team", "group", "served"], sort=False)["share"].mean()
    rows = []
    for (team, group), part in mean.groupby(level=[0, 1], sort=False):
        people = int(groups.loc[(groups["team"] == team) & (groups["group"] == group), "people"].iloc[0])
        split = ", ".join(f"{readable.share(value)} {served}" for (_, _, served), value in part.items())
        rows.append([str(group), str(team), str(people), split])
    return "time split of people with several skills (share of their hours)\n" + table(
        ["group", "team", "people", "time split"], rows)


#: Metrics shown in comparison tables, in this order, with their words.
COMPARE_METRICS = {"time_to_value_mean": "mean time-to-value", "time_to_value_p50": "median time-to-value",
                   "time_to_value_p85": "85th-percentile time-to-value",
                   "time_to_value_p95": "95th-percentile time-to-value", "sla_attainment": "SLA attainment",
                   "throughput": "throughput (items a day)", "wip": "work in progress (items)",
                   "flow_efficiency": "flow efficiency", "utilisation": "utilisation"}
_SHARES = {"sla_attainment", "flow_efficiency", "utilisation"}


def comparison_table(table: pd.DataFrame, confidence: float = 0.95) -> str:
    """Baseline, variant and paired change with its interval, one row per subject and metric."""
    return table_text(*comparison_rows(table, confidence))


def comparison_rows(table: pd.DataFrame, confidence: float = 0.95) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the headline metrics of a comparison table; with several variants, the
    variant is a column (with one, it is named above the table)."""
    variants = table["variant"].unique()
    if len(variants) == 1:
        return headline_rows(table, confidence)
    headers, rows = [], []
    for variant, part in table.groupby("variant", sort=False):
        headers, mine = headline_rows(part, confidence)
        rows += [[row[0], row[1], str(variant), *row[2:]] for row in mine]
    return [headers[0], headers[1], "variant", *headers[2:]] if headers else [], rows


def headline_rows(table: pd.DataFrame, confidence: float = 0.95) -> tuple[list[str], list[list[str]]]:
    """Headers and rows (subject, figure, baseline, variant, change, interval) of one variant's
    headline metrics, spelled for people; without the interval column when no row has one (a single
    replication)."""
    shown = table[table["metric"].isin(COMPARE_METRICS)].copy()
    shown["order"] = shown["metric"].map(list(COMPARE_METRICS).index)
    rows = []
    for r in shown.sort_values(["subject", "order"], kind="stable").itertuples():
        spell = _spelling(r.metric)
        if r.change == 0 and r.change_low == r.change_high:
            change, interval = "none", ""
        elif r.metric in _SHARES:
            change = readable.points(r.change)
            interval = f"{readable.points(r.change_low).removesuffix(' points')} to {readable.points(r.change_high)}"
        elif r.metric.startswith("time_to_value"):
            change = f"{_signed(readable.duration, r.change)} ({readable.relative(r.relative)})"
            interval = f"{readable.relative(r.relative_low)} to {readable.relative(r.relative_high)}"
        else:
            change = _signed(readable.number, r.change)
            interval = f"{_signed(readable.number, r.change_low)} to {_signed(readable.number, r.change_high)}"
        if math.isnan(r.change_low):
            interval = ""  # one replication (or one side without the figure): there is no interval
        rows.append([r.subject, COMPARE_METRICS[r.metric], spell(r.baseline), spell(r.value), change, interval])
    headers = ["subject", "figure", "baseline", "variant", "change", readable.confidence_label(confidence)]
    if not any(row[-1] for row in rows):  # a single replication: no interval column at all
        return headers[:-1], [row[:-1] for row in rows]
    return headers, rows


def _spelling(metric: str):
    if metric in _SHARES:
        return readable.share
    if metric.startswith("time_to_value"):
        return readable.duration
    return readable.number


def _signed(spell, value: float) -> str:
    text = spell(abs(value))
    return text if text == readable.MISSING else ("-" if value < 0 else "+") + text


table_text = table


def verdict_text(verdict, width: int = 100) -> str:
    """A variant's verdict for the terminal: its name, the summary, the changes that matter, the rest."""
    import textwrap
    lines = [f"== {verdict.variant} ==", textwrap.fill(verdict.summary, width, break_on_hyphens=False)]
    if verdict.changes:
        lines.append("What changes, largest first:")
        lines += [textwrap.fill(c.sentence, width, initial_indent=f"  {i}. ", subsequent_indent="     ",
                              break_on_hyphens=False)
                  for i, c in enumerate(verdict.changes, 1)]
        if verdict.more:
            lines.append(f"  ... and {verdict.more} more in the table below.")
    if verdict.unchanged:
        lines.append(textwrap.fill(verdict.unchanged_line, width, break_on_hyphens=False))
    return "\n".join(lines)


def bottleneck_table(bottlenecks: pd.DataFrame) -> str:
    """Stream by stream, the bottleneck step of each scenario and its share of the waiting."""
    rows = [[r.stream, r.scenario, r.step, readable.share(r.wait_share), _plain_duration(r.wait)]
            for r in bottlenecks.sort_values(["stream"], kind="stable").itertuples()]
    return table(["stream", "scenario", "bottleneck step", "share of waiting", "mean wait"], rows)


def scenario_overview(scenario: Scenario) -> str:
    """Streams with their steps and expected visits, then offered load per team and gate."""
    parts = []
    for name, stream in scenario.streams.items():
        rows = []
        for step, visits in zip(stream.steps, stream_visits(scenario, name)):
            rows.append([step.name, str(step.activity), _performer(step), _effort(step), f"{visits:.2f}"])
        types = ", ".join(d.type for d in scenario.demand if d.stream == name) or "no demand"
        parts.append(f"stream {name} ({types})\n" + table(["step", "activity", "by", "effort", "visits"], rows))
    raised = _raised_rows(scenario)
    if raised:
        parts.append("items raised by other items (spawn), from the traffic equations across types\n"
                     + table(["type", "arriving", "raised", "entering"], raised))
    loads = [[load.name, load.kind, readable.figure(load.capacity), readable.figure(load.offered),
              readable.share(load.utilisation),
              _load_status(load)] for load in offered_loads(scenario)]
    trains = any(step.release is not None for stream in scenario.streams.values() for step in stream.steps)
    parts.append("offered load (Erlangs = rate x visits x mean effort; gates: items per meeting"
                 + ("; release trains add releases per hour x batch effort" if trains else "") + ")\n"
                 + table(["name", "kind", "capacity", "offered", "utilisation", "status"], loads))
    groups = skill_groups(scenario)
    if groups:
        parts.append("people with several skills (own team's queue first, then the others; the load above is the "
                     "pooled bound: each team's capacity is its share of the people who may serve it)\n" + table(
                         ["group", "team", "people", "also serves", "then"],
                         [[g.name, g.team, str(g.count), ", ".join(g.skills) or "-", g.then if g.skills else "-"]
                          for g in groups]))
    shifts = shift_loads(scenario)
    if shifts:
        helped = "; less what helpers of other teams on duty could carry" if any(g.skills for g in groups) else ""
        parts.append("load per shift (work arriving per hour x effort, over the people on duty; work arriving "
                     f"off duty waits for the next shift{helped})\n" + table(
                         ["team", "on duty", "people", "offered", "utilisation", "busiest hour"],
                         [[s.team, s.window, str(s.headcount), readable.figure(s.average),
                           readable.share(s.utilisation) if s.headcount else "closed",
                           readable.share(s.peak / s.headcount) if s.headcount else "-"] for s in shifts]))
    work = workload(scenario)
    parts.append(f"work per replication: about {work.items:,.0f} items, {work.step_executions:,.0f} step executions"
                 + (f", {work.meetings:,.0f} meetings and shift changes" if work.meetings else "")
                 + f" ({readable.figure(work.events)} events, {work.record_bytes / 2**20:,.0f} MiB of records)"
                 + _drain_note(scenario))
    return "\n\n".join(parts)


def _load_status(load) -> str:
    """The offered-load table's status: ok, high, OVERLOADED, or 'abandons' for an overloaded team whose
    callers give up (patience keeps its queue finite)."""
    if load.utilisation >= 1:
        return "abandons" if load.abandons else "OVERLOADED"
    return "high" if load.utilisation >= HIGH_UTILISATION else "ok"


def _drain_note(scenario: Scenario) -> str:
    """When an overloaded team cannot work off its backlog within the drain limit: the run stops there."""
    needed = overload_drain(scenario, scenario.warmup + scenario.horizon)
    if needed <= scenario.drain_limit:
        return ""
    return (f"; the overloaded backlog needs about {readable.duration(needed)} after arrivals stop, more than the "
            f"drain limit ({readable.duration(scenario.drain_limit)}): the run stops there, capped, with items in flight")


def _raised_rows(scenario: Scenario) -> list[list[str]]:
    """Per type that other items raise: its own arrivals, the items raised, and the two together, per day."""
    entering = entering_rates(scenario)
    rows = []
    for demand in scenario.demand:
        own, total = demand_rate(demand), entering[demand.type]
        if total > own * (1 + 1e-9):
            rows.append([demand.type] + [f"{readable.figure(24 * rate)}/d" for rate in (own, total - own, total)])
    return rows


def _performer(step) -> str:
    return step.kind.describe(step)[0]


def _effort(step) -> str:
    return step.kind.describe(step)[1]


def sla_words(scenario: Scenario) -> dict[str, str]:
    """Each SLA in words: its target(s), its clock and what pauses it."""
    words = {}
    for item_type in scenario.sla:
        clock = scenario.sla_clock(item_type)
        target = clock.target
        text = (", ".join(f"{k} {_plain_duration(v)}" for k, v in target.items()) if isinstance(target, dict)
                else _plain_duration(target))
        text += " in business hours" if clock.clock == "business_hours" else " elapsed"
        if clock.pause_on:
            text += f", paused on {', '.join(clock.pause_on)}"
        if clock.abandoned == "excluded":
            text += ", abandoned excluded"
        words[item_type] = text
    return words


def backlog_text(clearing, initial: pd.DataFrame, new: pd.DataFrame) -> str:
    """The backlog a run started from (``initial:``): when it cleared (BacklogClearing), then time-to-value
    of the backlog and of new arrivals per type (``initial`` and ``new``: Results.summary for each)."""
    n = len(clearing.per_replication)
    line = f"backlog: {clearing.items:,} items open at the start; "
    if clearing.uncleared == n:
        line += f"not cleared in any of the {n} replications before the drain limit (raise drain)"
    else:
        line += f"all done after {with_interval(clearing.estimate, clearing.ci_low, clearing.ci_high)}"
        if clearing.uncleared:
            line += (f" in the {n - clearing.uncleared} replications where it cleared; not cleared in "
                     f"{clearing.uncleared} before the drain limit (raise drain)")
    columns = ["time_to_value_mean", "time_to_value_p50", "time_to_value_p85", "time_to_value_p95"]
    rows = []
    for summary, origin in ((initial, "backlog"), (new, "new arrivals")):
        indexed = summary.set_index(["type", "metric"])
        for item_type in summary["type"].unique():
            row = indexed.loc[item_type]
            if row.loc["completed"]["estimate"] > 0:
                rows.append([item_type, origin, with_interval(*row.loc["completed"], fmt=lambda v: f"{v:.0f}")]
                            + [with_interval(*row.loc[c]) for c in columns])
    return line + "\n\n" + table(["type", "items", "completed/rep", "mean", "p50", "p85", "p95"], rows)


def chains_text(summary: pd.DataFrame) -> str:
    """Chains of linked records (``spawn``) per root type: how many, how many items each raised, and the
    chain's time-to-value, from the root's arrival to the last value realised along it (``summary``:
    Results.chain_summary)."""
    indexed = summary.set_index(["type", "metric"])
    columns = ["time_to_value_mean", "time_to_value_p50", "time_to_value_p85", "time_to_value_p95"]
    rows, unfinished = [], 0.0
    for root_type in summary["type"].unique():
        row = indexed.loc[root_type]
        rows.append([root_type, with_interval(*row.loc["chains"], fmt=lambda v: f"{v:.0f}"),
                     with_interval(*row.loc["descendants_mean"], fmt=lambda v: f"{v:.2f}")]
                    + [with_interval(*row.loc[c]) for c in columns])
        unfinished += row.loc["in_flight"]["estimate"]
    note = (f"\n{readable.figure(unfinished)} chains per replication were still in flight at the drain limit (no time-to-value)"
            if unfinished > 0 else "")
    return ("chains of linked records: from the root item's arrival to the last value realised along the chain\n"
            + table(["root type", "chains/rep", "raised/chain", "mean", "p50", "p85", "p95"], rows) + note)


#: Metric rows a sweep's summary shows at most (the rest are in its files).
SWEEP_ROWS = 12
_SHARE_METRICS = ("sla_attainment", "flow_efficiency", "utilisation", "automation_coverage", "rework_rate")


def _sweep_value(column: str, value: float) -> str:
    metric = column.rsplit(".", 1)[-1]
    if metric.startswith("time_to_value"):
        return readable.duration(value)
    return readable.share(value) if metric.startswith(_SHARE_METRICS) else readable.number(value)


def _point_words(values: dict[str, object]) -> str:
    """'capacity=4, approve=0.8': each parameter by the last part of its path (whole when two share it)."""
    last = [path.rsplit(".", 1)[-1] for path in values]
    names = [short if last.count(short) == 1 else path for short, path in zip(last, values)]
    spelled = [readable.number(v) if isinstance(v, float) else str(v) for v in values.values()]
    return ", ".join(f"{name}={value}" for name, value in zip(names, spelled))


def sweep_text(extremes: pd.DataFrame, points: dict[int, dict[str, object]], rows: int = SWEEP_ROWS) -> str:
    """The best and worst point of each metric (``sweeps.summary.extremes``: the metrics that move most
    first, at most ``rows`` of them; ``points``: point -> parameter values), as a text table."""
    moving = extremes[extremes["spread"].fillna(0) > 0]
    shown = moving.head(rows)
    body = [[r.metric, r.better or "neither", _sweep_value(r.metric, r.best),
             f"#{r.best_point} {_point_words(points[r.best_point])}", _sweep_value(r.metric, r.worst),
             f"#{r.worst_point} {_point_words(points[r.worst_point])}"] for r in shown.itertuples()]
    text = table(["metric (point means over replications)", "better", "best", "at point", "worst", "at point"],
                 body) if body else "No metric differs between the points."
    notes = []
    if len(moving) > len(shown):
        notes.append(f"... and {len(moving) - len(shown)} more metrics that differ between points, in the files")
    if len(extremes) > len(moving):
        same = len(extremes) - len(moving)
        notes.append(f"{same} metric{' is' if same == 1 else 's are'} the same at every point")
    if (shown["better"] == "").any():
        notes.append("better 'neither' (utilisation): best is the lowest, worst the highest")
    return "\n".join([text, *notes])
