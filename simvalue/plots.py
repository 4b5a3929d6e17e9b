"""matplotlib figures: time-to-value ECDFs, value-stream map, team utilisation, cumulative flow.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state, no backend needed); show
them in a notebook or save them with ``fig.savefig``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from .results import Results
from .units import humanize
from .verdict import HIGH_LOAD

WAIT_COLOUR, WORK_COLOUR, BOTTLENECK_COLOUR = "#f4a261", "#2a9d8f", "#e63946"


def plot_ttv(runs: dict[str, Results], item_type: str, log: bool = False) -> Figure:
    """Empirical CDFs of time-to-value for one item type, one line per scenario, with the type's SLA
    target(s) as vertical lines. The axis is linear, in hours or days to suit the values, and ends at
    the largest 99th percentile (a long tail would squash the body); ``log`` gives a log axis."""
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.subplots()
    samples = {name: np.sort(r.items.loc[(r.items["type"] == item_type) & r.items["time_to_value"].notna(),
                                         "time_to_value"].to_numpy()) for name, r in runs.items()}
    tail = max((float(np.quantile(v, 0.99)) for v in samples.values() if v.size), default=1.0)
    scale, unit = (1.0, "hours") if tail < 72 else (24.0, "days")
    for name, values in samples.items():
        if values.size:
            ax.step(values / scale, np.arange(1, values.size + 1) / values.size, where="post", label=name)
    targets = _sla_targets(next(iter(runs.values())).scenario, item_type)
    for label, hours in targets:
        ax.axvline(hours / scale, color="black", linestyle=":", linewidth=1.2)
        ax.annotate(label, (hours / scale, 0.5), xytext=(-2, 0), textcoords="offset points", fontsize="small",
                    rotation=90, ha="right", va="center")
    if log:
        ax.set_xscale("log")
    else:
        ax.set_xlim(0, max(tail, *(h for _, h in targets), 1e-9) * 1.05 / scale)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"time-to-value ({unit})" + ("" if log else "; the axis ends at the 99th percentile"))
    ax.set_ylabel("items delivered within")
    ax.set_title(f"Time-to-value of {item_type}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return fig


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


def plot_value_stream(runs: dict[str, Results], stream: str | None = None) -> Figure:
    """Per step, in flow order: mean waiting and working hours per execution, one panel per scenario;
    the bottleneck step (largest share of waiting) is outlined in red."""
    first = next(iter(runs.values()))
    stream = stream or _busiest_stream(first)
    position = {step.name: i for i, step in enumerate(first.scenario.streams[stream].steps)}
    fig = Figure(figsize=(8.5, 1.4 + (0.35 * len(position) + 0.9) * len(runs)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(runs), 1, sharex=True))
    longest = 0.0
    for ax, (name, results) in zip(axes, runs.items()):
        steps = results.steps()
        steps = steps[steps["stream"] == stream].copy()
        steps["position"] = steps["step"].astype(str).map(position)
        steps = steps.sort_values("position")
        longest = max(longest, float((steps["wait"] + steps["work"]).max()))
        labels = [f"{s} ({a.replace('_', ' ')})" for s, a in zip(steps["step"].astype(str),
                                                                  steps["activity"].astype(str))]
        y = np.arange(len(steps))
        ax.barh(y, steps["wait"], color=WAIT_COLOUR)
        ax.barh(y, steps["work"], left=steps["wait"], color=WORK_COLOUR)
        for i, bottleneck in enumerate(steps["bottleneck"]):
            if bottleneck:
                total = steps["wait"].iloc[i] + steps["work"].iloc[i]
                ax.barh(i, total, fill=False, edgecolor=BOTTLENECK_COLOUR, linewidth=2)
        ax.set_yticks(y, labels, fontsize="small")
        ax.invert_yaxis()
        ax.set_title(f"{name}", loc="left", fontsize="medium")
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("hours per execution (waiting, then working)")
    axes[-1].set_xlim(0, longest * 1.05 if longest > 0 else 1)
    fig.suptitle(f"Value stream {stream}: steps in flow order")
    fig.legend(handles=[Patch(color=WAIT_COLOUR, label="waiting"), Patch(color=WORK_COLOUR, label="working"),
                        Patch(fill=False, edgecolor=BOTTLENECK_COLOUR, label="bottleneck")],
               loc="outside lower center", ncol=3, fontsize="small")
    return fig


def _busiest_stream(results: Results) -> str:
    executions = results.steps().groupby("stream", observed=True)["executions"].sum()
    return str(executions.idxmax()) if len(executions) else next(iter(results.scenario.streams))


def plot_utilisation(runs: dict[str, Results]) -> Figure:
    """Mean team utilisation per scenario, grouped by team, with the level above which queues grow fast."""
    teams = list(next(iter(runs.values())).teams["team"].cat.categories)
    fig = Figure(figsize=(max(6.0, 1.2 + 1.1 * len(teams)), 4.2), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / max(len(runs), 1)
    for index, (name, results) in enumerate(runs.items()):
        means = results.teams.groupby("team", observed=False)["utilisation"].mean().reindex(teams)
        ax.bar(np.arange(len(teams)) + index * width, means.to_numpy(), width, label=name)
    ax.set_xticks(np.arange(len(teams)) + width * (len(runs) - 1) / 2, [t.replace("_", " ") for t in teams])
    ax.axhline(HIGH_LOAD, color="grey", linestyle=":", linewidth=1)
    ax.annotate(f"{HIGH_LOAD:.0%}: queues grow fast above", (0, HIGH_LOAD), xytext=(2, 2), textcoords="offset points",
                fontsize="small", color="grey", xycoords=("axes fraction", "data"))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("utilisation (busy share of scheduled hours)")
    ax.set_ylim(0, 1.0)
    ax.set_title("Team load")
    fig.legend(loc="outside lower center", ncol=min(len(runs), 3), fontsize="small")
    return fig


def plot_cfd(runs: dict[str, Results], replication: int = 0) -> Figure:
    """Work in progress over time in one replication, stacked by item type, one panel per scenario.

    WIP of a type at time t = items arrived by t minus items that left by t (a cumulative flow
    diagram read as the vertical gap between its arrival and departure curves).
    """
    fig = Figure(figsize=(8, 1.6 + 2.2 * len(runs)), layout="constrained")
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
        ax.stackplot(grid / 24.0, *layers, labels=labels, step="post", alpha=0.85)
        ax.set_title(f"{name}: work in progress, replication {replication}")
        ax.set_ylabel("items in flight")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize="small", ncol=min(len(labels), 4))
    axes[-1].set_xlabel("days since start (reported arrivals only)")
    return fig
