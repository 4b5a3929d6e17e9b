"""matplotlib figures: time-to-value ECDFs, value-stream map, team utilisation, cumulative flow.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state, no backend needed); show
them in a notebook or save them with ``fig.savefig``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .activities import Activity
from .metrics import step_breakdown
from .results import Results

ACTIVITY_ORDER = [a.value for a in Activity]
WAIT_COLOUR, WORK_COLOUR, BOTTLENECK_COLOUR = "#f4a261", "#2a9d8f", "#e63946"


def plot_ttv(runs: dict[str, Results], item_type: str, log: bool = False) -> Figure:
    """Empirical CDFs of time-to-value (days) for one item type, one line per scenario."""
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    for name, results in runs.items():
        items = results.items
        values = np.sort(items.loc[(items["type"] == item_type) & items["time_to_value"].notna(),
                                   "time_to_value"].to_numpy() / 24.0)
        if values.size:
            ax.step(values, np.arange(1, values.size + 1) / values.size, where="post", label=name)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel("time-to-value (days)")
    ax.set_ylabel("share of items delivered")
    ax.set_title(f"Time-to-value of {item_type}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return fig


def plot_value_stream(runs: dict[str, Results], stream: str | None = None) -> Figure:
    """Per step: mean waiting and working hours per execution, grouped by value-chain activity.

    One panel per scenario; the bottleneck step (largest share of waiting) is outlined in red.
    """
    first = next(iter(runs.values()))
    stream = stream or _busiest_stream(first)
    fig = Figure(figsize=(8, 1.8 + 2.2 * len(runs)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(runs), 1, sharex=True))
    position = {step.name: i for i, step in enumerate(first.scenario.streams[stream].steps)}
    longest = 0.0
    for ax, (name, results) in zip(axes, runs.items()):
        steps = step_breakdown(results.events)
        steps = steps[steps["stream"] == stream].copy()
        steps["order"] = steps["activity"].astype(str).map(ACTIVITY_ORDER.index)
        steps["position"] = steps["step"].astype(str).map(position)
        steps = steps.sort_values(["order", "position"])
        longest = max(longest, float((steps["wait"] + steps["work"]).max()))
        labels = [f"{s} ({a})" for s, a in zip(steps["step"], steps["activity"])]
        y = np.arange(len(steps))
        ax.barh(y, steps["wait"], color=WAIT_COLOUR, label="waiting")
        ax.barh(y, steps["work"], left=steps["wait"], color=WORK_COLOUR, label="working")
        for i, bottleneck in enumerate(steps["bottleneck"]):
            if bottleneck:
                total = steps["wait"].iloc[i] + steps["work"].iloc[i]
                ax.barh(i, total, fill=False, edgecolor=BOTTLENECK_COLOUR, linewidth=2)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_title(f"{name}: value stream {stream}")
    axes[-1].set_xlabel("hours per execution")
    axes[-1].set_xlim(0, longest * 1.05 if longest > 0 else 1)
    axes[0].legend(handles=[Patch(color=WAIT_COLOUR, label="waiting"), Patch(color=WORK_COLOUR, label="working"),
                            Patch(fill=False, edgecolor=BOTTLENECK_COLOUR, label="bottleneck")], loc="lower right")
    return fig


def _busiest_stream(results: Results) -> str:
    counts = results.events["stream"].value_counts()
    return str(counts.index[0]) if len(counts) else next(iter(results.scenario.streams))


def plot_utilisation(runs: dict[str, Results]) -> Figure:
    """Mean team utilisation per scenario, grouped by team."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / max(len(runs), 1)
    teams = list(next(iter(runs.values())).teams["team"].cat.categories)
    for index, (name, results) in enumerate(runs.items()):
        means = results.teams.groupby("team", observed=False)["utilisation"].mean().reindex(teams)
        ax.bar(np.arange(len(teams)) + index * width, means.to_numpy(), width, label=name)
    ax.set_xticks(np.arange(len(teams)) + width * (len(runs) - 1) / 2, teams)
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_ylabel("utilisation")
    ax.set_ylim(0, 1.05)
    ax.set_title("Team utilisation")
    ax.legend()
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
