"""matplotlib figures: time-to-value ECDFs, value-stream map, team utilisation, cumulative flow, and the
business pages' money charts (NPV by candidate, NPV without cost of delay, tornado).

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state, no backend needed); show
them in a notebook or save them with ``fig.savefig``. Each is ``CHART_WIDTH`` inches wide with text of
``CHART_FONT`` points or more (charts/style.py), so it reads when a page shrinks it to a phone's width.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from .style import CHART_WIDTH, styled
from ..readable import MINUS, duration, share
from ..results.frames import Results
from ..theory import HIGH_LOAD

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
    targets = _sla_targets(next(iter(runs.values())).scenario, item_type)
    for label, x in _spaced_labels([(label, hours / scale) for label, hours in targets if hours / scale <= edge],
                                   edge if not log else np.inf):
        near_axis = np.isfinite(edge) and x < 0.06 * edge  # no room on its left: the label goes on the right
        ax.annotate(label, (x, 0.5), xytext=(2 if near_axis else -2, 0), textcoords="offset points", rotation=90,
                    ha="left" if near_axis else "right", va="center")
    for label, hours in targets:
        if hours / scale <= edge:
            ax.axvline(hours / scale, color="black", linestyle=":", linewidth=1.2)
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


@styled
def plot_ecdfs(samples: dict[str, np.ndarray], title: str, targets: Sequence[tuple[str, float]] = ()) -> Figure:
    """Empirical CDFs of time-to-value samples in hours, one line per name (a forecast, a real log), with SLA
    targets as dotted lines; the axis ends at the largest 99th percentile, as ``plot_ttv``'s does."""
    fig = Figure(figsize=(CHART_WIDTH, 3.6), layout="constrained")
    ax = fig.subplots()
    kept = {name: np.sort(np.asarray(v, dtype=float)[np.isfinite(v)]) for name, v in samples.items()}
    tail = max((float(np.quantile(v, 0.99)) for v in kept.values() if v.size), default=1.0) or 1.0
    scale, unit = (1.0, "hours") if tail < 72 else (24.0, "days")
    for (name, values), style in zip(kept.items(), ("-", "--", "-", ":")):
        if values.size:
            ax.step(*_ecdf(values / scale), where="post", label=name, linestyle=style)
    for label, hours in targets:
        if hours <= tail * 1.05:
            ax.axvline(hours / scale, color="black", linestyle=":", linewidth=1.2)
            ax.annotate(label, (hours / scale, 0.5), xytext=(-2, 0), textcoords="offset points", rotation=90,
                        ha="right", va="center")
    ax.set_xlim(0, tail * 1.05 / scale)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(f"time-to-value ({unit}), to the 99th percentile")
    ax.set_ylabel("delivered within")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncol=1, frameon=False)
    return fig


def _ecdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Steps of the empirical CDF of sorted ``values``: every item, or ``ECDF_POINTS`` quantiles of many."""
    if values.size <= ECDF_POINTS:
        return values, np.arange(1, values.size + 1) / values.size
    levels = np.arange(1, ECDF_POINTS + 1) / ECDF_POINTS
    return np.quantile(values, levels, method="inverted_cdf"), levels


def _spaced_labels(targets: list[tuple[str, float]], width: float) -> list[tuple[str, float]]:
    """SLA labels to write beside their lines: targets closer than 6% of the axis ``width`` to the next one
    share one label at the last of them ('SLA P1 1 h, P2 2 h (business h)'), so rotated labels never print
    over each other."""
    groups: list[list[tuple[str, float]]] = []
    for label, x in sorted(targets, key=lambda t: t[1]):
        if groups and np.isfinite(width) and x - groups[-1][-1][1] < 0.06 * width:
            groups[-1].append((label, x))
        else:
            groups.append([(label, x)])
    spaced = []
    for group in groups:
        suffix = " (business h)" if group[0][0].endswith(" (business h)") else ""
        parts = [label.removesuffix(suffix).removeprefix("SLA ") for label, _ in group]
        spaced.append((f"SLA {', '.join(parts)}{suffix}", group[-1][1]))
    return spaced


def _sla_targets(scenario, item_type: str) -> list[tuple[str, float]]:
    """(label, hours) of the type's SLA target(s); none without an SLA. Business-hours targets are
    labelled so (they are not elapsed hours)."""
    clock = scenario.sla_clock(item_type) if scenario.sla else None
    if clock is None:
        return []
    business = " (business h)" if clock.clock == "business_hours" else ""
    target = clock.target
    if isinstance(target, dict):
        return [(f"SLA {priority} {duration(hours, space=' ')}{business}", hours) for priority, hours in target.items()]
    return [(f"SLA {duration(target, space=' ')}{business}", target)]


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
    ax.set_xlabel(f"busy share of scheduled hours\ndotted: queues grow fast above {share(HIGH_LOAD)}", loc="right")
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


# Money charts of the business-case and ranking pages. They take plain figures (no BusinessCase), so this
# module stays below economics; each row's name sits above its mark, over the full width of the chart.
NPV_COLOUR, LOSS_COLOUR, DOWN_COLOUR, UP_COLOUR = "#2a9d8f", "#e63946", "#e9c46a", "#264653"
#: Characters per line of a row's name above its mark, and lines at most (cut with an ellipsis beyond).
ROW_LABEL_WIDTH, ROW_LABEL_LINES = 44, 2


@styled
def plot_npv_ranking(names: Sequence[str], npv: Sequence[float], low: Sequence[float], high: Sequence[float],
                     months: int, currency: str, interval: str = "95% interval") -> Figure:
    """NPV of each candidate (in the order given, first on top) with its interval as a bar."""
    npv, low, high = (np.asarray(v, dtype=float) for v in (npv, low, high))
    fig, ax = _rows_figure(names)
    errors = np.nan_to_num(np.vstack([npv - low, high - npv]))
    ax.errorbar(npv, np.arange(len(npv)), xerr=errors, fmt="none", ecolor="grey", capsize=4)
    ax.scatter(npv, np.arange(len(npv)), color=[NPV_COLOUR if v > 0 else LOSS_COLOUR for v in npv], zorder=3)
    ax.axvline(0, color="black", linewidth=0.8)
    _money_axis(ax, np.concatenate([npv, low, high, [0.0]]), f"NPV over {months} months", currency)
    fig.suptitle(f"Candidates by net present value\n(bars: {interval})")
    return fig


@styled
def plot_npv_settings(names: Sequence[str], settings: dict[str, Sequence[float]], months: int,
                      currency: str) -> Figure:
    """Per candidate, its NPV under each setting (three at most: as simulated, cost of delay halved, without
    it), joined by a line: a candidate whose points cross zero rests on the setting that moves it."""
    fig, ax = _rows_figure(names)
    values = np.array([np.asarray(v, dtype=float) for v in settings.values()]).T.reshape(len(names), -1)
    y = np.arange(len(names))
    ax.hlines(y, values.min(axis=1), values.max(axis=1), color="grey", linewidth=1.2)
    for column, (setting, fill) in enumerate(zip(settings, ("full", "left", "none"))):
        ax.plot(values[:, column], y, linestyle="none", marker="o", markersize=9, color=NPV_COLOUR,
                fillstyle=fill, markerfacecoloralt="white", label=f"NPV, {setting}")
    ax.axvline(0, color=LOSS_COLOUR, linewidth=1, linestyle="--")
    _money_axis(ax, np.append(values.ravel(), 0.0), f"NPV over {months} months", currency)
    fig.suptitle("How much of each NPV rests on\ncost of delay (dashed line: zero)")
    fig.legend(loc="outside lower center", ncol=1, frameon=False)
    return fig


@styled
def plot_npv_tornado(names: Sequence[str], npv_down: Sequence[float], npv_up: Sequence[float], npv: float,
                     months: int, currency: str) -> Figure:
    """Bars from the NPV as simulated to the NPV with each assumption moved down and up (rows in the order
    given: widest swing first)."""
    down, up = np.asarray(npv_down, dtype=float), np.asarray(npv_up, dtype=float)
    fig, ax = _rows_figure(names)
    y = np.arange(len(names))
    ax.barh(y, down - npv, left=npv, color=DOWN_COLOUR, height=0.45)
    ax.barh(y, up - npv, left=npv, color=UP_COLOUR, height=0.45)
    ax.axvline(npv, color="black", linewidth=1)
    ends = np.concatenate([down, up, [npv]])
    handles = [Patch(color=DOWN_COLOUR, label="assumption moved down"),
               Patch(color=UP_COLOUR, label="assumption moved up"),
               Patch(color="black", label="NPV as simulated")]
    if ends.min() < 0 < ends.max():
        ax.axvline(0, color=LOSS_COLOUR, linewidth=1, linestyle="--")
        handles.append(Patch(color=LOSS_COLOUR, label="zero"))
    _money_axis(ax, ends, f"NPV over {months} months", currency)
    fig.suptitle("NPV with one assumption moved down\nand up, the others as given")
    fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False, handlelength=1.2)
    return fig


def _rows_figure(names: Sequence[str]) -> tuple[Figure, object]:
    """A chart of one row per name, first on top, each name (wrapped) above its row's mark."""
    labels = [wrapped_label(name, ROW_LABEL_WIDTH, ROW_LABEL_LINES) for name in names]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig = Figure(figsize=(CHART_WIDTH, 2.0 + 0.42 * len(labels) + 0.22 * lines), layout="constrained")
    ax = fig.subplots()
    ax.set_ylim(len(labels) - 0.5, -0.9)  # first on top, room above it for its name
    ax.set_yticks([])
    ax.grid(axis="x", alpha=0.3)
    for row, label in enumerate(labels):
        ax.annotate(label, (0, row), xycoords=("axes fraction", "data"), xytext=(4, 8), textcoords="offset points",
                    va="bottom", ha="left", bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 0.5})
    return fig, ax


def wrapped_label(name: str, width: int, most: int) -> str:
    """A name wrapped for a chart: at most ``most`` lines of ``width`` characters, cut with an ellipsis beyond."""
    lines = textwrap.wrap(name, width, break_long_words=True) or [""]
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][:width - 1] + "…"
    return "\n".join(lines)


def _money_axis(ax, values: np.ndarray, what: str, currency: str) -> None:
    """A money axis in units, thousands or millions (named in the axis label), at most five ticks, so its
    labels never crowd a 5 inch chart and never turn to scientific notation."""
    largest = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
    scale, unit = next(((s, u) for s, u in ((1e6, " million"), (1e3, " thousand")) if largest >= 10 * s),
                       (1.0, ""))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: _plain(value / scale)))
    ax.set_xlabel(f"{what} ({currency}{unit})" if currency or unit else what)


def _plain(value: float) -> str:
    """A tick's number with thousands separators, no trailing zeros and a true minus sign."""
    text = f"{abs(value):,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "0" else (MINUS if value < 0 else "") + text
