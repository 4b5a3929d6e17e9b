"""matplotlib figures: time-to-value ECDFs, value-stream map, team utilisation, cumulative flow.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state, no backend needed); show
them in a notebook or save them with ``fig.savefig``. Each is ``CHART_WIDTH`` inches wide with text of
``CHART_FONT`` points or more (chart_style.py), so it reads when a page shrinks it to a phone's width.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from .chart_style import CHART_WIDTH, styled
from .results import Results
from .units import humanize
from .verdict import HIGH_LOAD

WAIT_COLOUR, WORK_COLOUR, BOTTLENECK_COLOUR = "#f4a261", "#2a9d8f", "#e63946"
#: Points an ECDF is drawn through when a scenario has more items (quantiles: the curve looks the same
#: and an SVG chart stays small).
ECDF_POINTS = 500


@styled
def plot_ttv(runs: dict[str, Results], item_type: str, log: bool = False) -> Figure:
    """Empirical CDFs of time-to-value for one item type, one line per scenario, with the type's SLA
    target(s) as vertical lines. The axis is linear, in hours or days to suit the values, and ends at
    the largest 99th percentile (a long tail would squash the body); an SLA target beyond that is named
    at the axis's right edge instead of stretching it. ``log`` gives a log axis with every target."""
    fig = Figure(figsize=(CHART_WIDTH, 3.6), layout="constrained")
    ax = fig.subplots()
    samples = {name: np.sort(r.items.loc[(r.items["type"] == item_type) & r.items["time_to_value"].notna(),
                                         "time_to_value"].to_numpy()) for name, r in runs.items()}
    tail = max((float(np.quantile(v, 0.99)) for v in samples.values() if v.size), default=1.0) or 1.0
    scale, unit = (1.0, "hours") if tail < 72 else (24.0, "days")
    for name, values in samples.items():
        if values.size:
            ax.step(*_ecdf(values / scale), where="post", label=name)
    edge = np.inf if log else tail * 1.05 / scale
    beyond = 0
    for label, hours in _sla_targets(next(iter(runs.values())).scenario, item_type):
        if hours / scale <= edge:
            ax.axvline(hours / scale, color="black", linestyle=":", linewidth=1.2)
            ax.annotate(label, (hours / scale, 0.5), xytext=(-2, 0), textcoords="offset points", rotation=90,
                        ha="right", va="center")
        else:
            ax.annotate(f"{label} \N{RIGHTWARDS ARROW}", (1, 0.55 - 0.12 * beyond), xycoords="axes fraction",
                        xytext=(-4, 0), textcoords="offset points", ha="right", va="center")
            beyond += 1
    if log:
        ax.set_xscale("log")
    else:
        ax.set_xlim(0, edge)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(f"time-to-value ({unit})" + ("" if log else ", to the 99th percentile"))
    ax.set_ylabel("delivered within")
    ax.set_title(f"Time-to-value of {item_type}")
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncol=1, frameon=False)  # below the axes: it never hides a line
    return fig


def _ecdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Steps of the empirical CDF of sorted ``values``: every item, or ``ECDF_POINTS`` quantiles of many."""
    if values.size <= ECDF_POINTS:
        return values, np.arange(1, values.size + 1) / values.size
    levels = np.arange(1, ECDF_POINTS + 1) / ECDF_POINTS
    return np.quantile(values, levels, method="inverted_cdf"), levels


def _sla_targets(scenario, item_type: str) -> list[tuple[str, float]]:
    """(label, hours) of the type's SLA target(s); none without an SLA. Business-hours targets are
    labelled so (they are not elapsed hours)."""
    clock = scenario.sla_clock(item_type) if scenario.sla else None
    if clock is None:
        return []
    business = " (business h)" if clock.clock == "business_hours" else ""
    target = clock.target
    if isinstance(target, dict):
        return [(f"SLA {priority} {humanize(hours)}{business}", hours) for priority, hours in target.items()]
    return [(f"SLA {humanize(target)}{business}", target)]


@styled
def plot_value_stream(runs: dict[str, Results], stream: str | None = None) -> Figure:
    """Per step, in flow order: mean waiting and working hours per execution, one panel per scenario;
    the bottleneck step (largest share of waiting) is outlined in red."""
    first = next(iter(runs.values()))
    stream = stream or _busiest_stream(first)
    position = {step.name: i for i, step in enumerate(first.scenario.streams[stream].steps)}
    fig = Figure(figsize=(CHART_WIDTH, 1.5 + (0.3 * len(position) + 0.7) * len(runs)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(runs), 1, sharex=True))
    longest = 0.0
    for ax, (name, results) in zip(axes, runs.items()):
        steps = results.steps()
        steps = steps[steps["stream"] == stream].copy()
        steps["position"] = steps["step"].astype(str).map(position)
        steps = steps.sort_values("position")
        longest = max(longest, float((steps["wait"] + steps["work"]).max()))
        y = np.arange(len(steps))
        ax.barh(y, steps["wait"], color=WAIT_COLOUR)
        ax.barh(y, steps["work"], left=steps["wait"], color=WORK_COLOUR)
        for i, bottleneck in enumerate(steps["bottleneck"]):
            if bottleneck:
                total = steps["wait"].iloc[i] + steps["work"].iloc[i]
                ax.barh(i, total, fill=False, edgecolor=BOTTLENECK_COLOUR, linewidth=2)
        ax.set_yticks(y, steps["step"].astype(str).tolist())
        ax.invert_yaxis()
        ax.set_title(f"{name}", loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("hours per execution: waiting, then working")
    axes[-1].set_xlim(0, longest * 1.05 if longest > 0 else 1)
    fig.suptitle(f"Value stream {stream}, in flow order")
    fig.legend(handles=[Patch(color=WAIT_COLOUR, label="waiting"), Patch(color=WORK_COLOUR, label="working"),
                        Patch(fill=False, edgecolor=BOTTLENECK_COLOUR, label="bottleneck")],
               loc="outside lower center", ncol=3, frameon=False, handlelength=1.2, columnspacing=1.0)
    return fig


def _busiest_stream(results: Results) -> str:
    executions = results.steps().groupby("stream", observed=True)["executions"].sum()
    return str(executions.idxmax()) if len(executions) else next(iter(results.scenario.streams))


@styled
def plot_utilisation(runs: dict[str, Results]) -> Figure:
    """Mean team utilisation per scenario, one row of bars per team (names stay level on a narrow chart),
    with the level above which queues grow fast."""
    teams = list(next(iter(runs.values())).teams["team"].cat.categories)
    fig = Figure(figsize=(CHART_WIDTH, 1.6 + (0.22 * len(runs) + 0.25) * len(teams)), layout="constrained")
    ax = fig.subplots()
    height = 0.8 / max(len(runs), 1)
    for index, (name, results) in enumerate(runs.items()):
        means = results.teams.groupby("team", observed=False)["utilisation"].mean().reindex(teams)
        ax.barh(np.arange(len(teams)) + index * height, means.to_numpy(), height, label=name)
    ax.set_yticks(np.arange(len(teams)) + height * (len(runs) - 1) / 2, [t.replace("_", " ") for t in teams])
    ax.invert_yaxis()
    ax.axvline(HIGH_LOAD, color="grey", linestyle=":", linewidth=1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(f"busy share of scheduled hours\ndotted: queues grow fast above {HIGH_LOAD:.0%}", loc="right")
    ax.set_xlim(0, 1.0)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Team load")
    fig.legend(loc="outside lower center", ncol=1, frameon=False)
    return fig


@styled
def plot_cfd(runs: dict[str, Results], replication: int = 0) -> Figure:
    """Work in progress over time in one replication, stacked by item type, one panel per scenario.

    WIP of a type at time t = items arrived by t minus items that left by t (a cumulative flow
    diagram read as the vertical gap between its arrival and departure curves).
    """
    fig = Figure(figsize=(CHART_WIDTH, 1.8 + 2.0 * len(runs)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(runs), 1, sharex=True, sharey=True))
    for ax, (name, results) in zip(axes, runs.items()):
        items = results.items[results.items["replication"] == replication]
        grid = np.linspace(results.scenario.warmup, results.scenario.warmup + results.scenario.horizon, 600)
        layers, labels = [], []
        for item_type in items["type"].cat.categories:
            mine = items[items["type"] == item_type]
            left = mine["completed"].fillna(np.inf).to_numpy()
            arrived = np.searchsorted(np.sort(mine["arrived"].to_numpy()), grid, side="right")
            departed = np.searchsorted(np.sort(left), grid, side="right")
            layers.append(arrived - departed)
            labels.append(str(item_type))
        ax.stackplot(grid / 24.0, *layers, labels=labels, step="post", alpha=0.85, rasterized=True)  # a small SVG
        ax.set_title(f"{name}", loc="left")
        ax.set_ylabel("items in flight")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Work in progress, replication {replication}")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=min(len(labels), 2),
               frameon=False)
    axes[-1].set_xlabel("days since start (reported arrivals only)")
    return fig
