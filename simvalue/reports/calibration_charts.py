"""The calibration report's charts: cycle time, arrivals per calendar week and by hour of the week, held back
against simulated, as inline SVG with real text, sized so that their labels read at 11 px or more on a
390 px screen (charts/style.py: the width, fonts and SVG every page's charts share).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..charts.style import CHART_FONT, CHART_WIDTH, chart_style, svg
from .html_page import escape
from ..readable import share

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..eventlog.calibrate import Calibration

HELD, SIMULATED, OWN = "held back", "simulated", "calibration cases"
#: Colours of the three samples in every chart (matplotlib's first three, as the compare report's lines).
COLOURS = {HELD: "#1f77b4", SIMULATED: "#ff7f0e", OWN: "#7f7f7f"}


def weekly_arrivals(held: pd.Series, simulated: pd.Series, replications: int,
                    held_share: float = 1.0) -> pd.DataFrame:
    """Arrivals per calendar week (Monday to Sunday) over the weeks that both the held-back cases and the
    simulation cover from end to end: columns ``held back`` and ``simulated`` (the mean per replication
    times ``held_share``, the share of the cases a random split held back, so that both count the same
    share of the arrivals), indexed by each week's Monday."""
    held, simulated = _naive(held), _naive(simulated)
    if held.empty or simulated.empty:
        return pd.DataFrame(columns=[HELD, SIMULATED], dtype=float)
    first = max(held.min(), simulated.min()).normalize()
    last = min(held.max(), simulated.max()).normalize() + pd.Timedelta(days=1)
    monday = first + pd.Timedelta(days=(7 - first.weekday()) % 7)     # the first week that starts inside
    weeks = pd.date_range(monday, last - pd.Timedelta(days=7), freq="7D")

    def count(times: pd.Series) -> np.ndarray:
        monday = (times.dt.normalize() - pd.to_timedelta(times.dt.day_of_week, unit="D")).value_counts()
        return monday.reindex(weeks, fill_value=0).to_numpy(dtype=float)
    return pd.DataFrame({HELD: count(held), SIMULATED: count(simulated) * held_share / max(replications, 1)},
                        index=weeks)


def _naive(times: pd.Series) -> pd.Series:
    """Timestamps without a time zone (the log's wall clock, as the simulation's are), missing ones dropped."""
    times = pd.Series(pd.to_datetime(times)).dropna()
    return times.dt.tz_localize(None) if times.dt.tz is not None else times


def charts_section(calibration: Calibration) -> str:
    """What each chart shows (in words first: the charts then flow two abreast on a wide screen), then the charts."""
    v = calibration.validation
    thinned = calibration.arrivals.get("thinned", 1.0)
    held_share = 1.0 - thinned if thinned < 1 else 1.0
    runs = int(calibration.scenario.get("replications", len(v["per_replication"])) or 1)
    held, simulated = _naive(v["held_arrived"]), _naive(v["arrived"])
    weekly = weekly_arrivals(held, simulated, runs, held_share)
    scaled = (f", times {share(held_share)} (the share of the cases held back at random) so that both count the "
              "same share of the arrivals" if held_share < 1 else "")
    weekly_words = (f"Arrivals per calendar week (Monday to Sunday), over the {len(weekly)} weeks that both the "
                    f"held-back cases and the simulation cover from end to end; simulated: the mean of {runs} "
                    f"replications{scaled}." if len(weekly) else
                    "Arrivals per calendar week: not compared, as no week is covered by both the held-back cases "
                    "and the simulation.")
    words = ["Cycle time: the share of the cases that took at most a given time; the axis ends at the 99th "
             "percentile.", weekly_words,
             "Arrivals by hour of the week: each sample's share of its arrivals, Monday 00:00 first, on the log's "
             "clock."]
    with chart_style():
        charts = [svg(_cycle_chart(v), "Cycle time: held back, simulated and calibration cases")]
        if len(weekly):
            charts.append(svg(_weekly_chart(weekly), "Arrivals per calendar week: held back and simulated"))
        charts.append(svg(_hour_chart(held, simulated), "Share of arrivals by hour of the week: held back and "
                                                        "simulated"))
    return ("<h2>Charts</h2><ul>" + "".join(f"<li>{escape(w)}</li>" for w in words) + "</ul><div>"
            + "\n".join(charts) + "</div>")


def _new_figure() -> Figure:
    from matplotlib.figure import Figure
    return Figure(figsize=(CHART_WIDTH, 3.5), layout="constrained")


def _cycle_chart(v: dict) -> Figure:
    """Empirical CDFs of the three samples; the axis ends at the 99th percentile, in hours, days or weeks."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter
    fig = _new_figure()
    ax = fig.subplots()
    samples = {HELD: v["real"], SIMULATED: v["simulated"], OWN: v["calibration"]}
    tail = max((float(np.quantile(x, 0.99)) for x in samples.values() if len(x)), default=1.0) or 1.0
    scale, unit = (1.0, "hours") if tail < 72 else (24.0, "days") if tail < 24 * 140 else (168.0, "weeks")
    for label, values in samples.items():
        if len(values):
            levels = np.linspace(0, 1, 401)     # 401 quantiles draw the curve; the page stays small
            ax.plot(np.quantile(values, levels) / scale, levels, label=label, color=COLOURS[label],
                    linestyle="--" if label == OWN else "-", linewidth=1.6)
    ax.set_xlim(0, tail * 1.02 / scale)
    ax.set_ylim(0, 1.01)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    _plain_numbers(ax.xaxis)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.set(xlabel=f"cycle time ({unit})", ylabel="cases within", title="Cycle time")
    ax.grid(alpha=0.3)
    _legend(fig)
    return fig


def _weekly_chart(weekly: pd.DataFrame) -> Figure:
    fig = _new_figure()
    ax = fig.subplots()
    for label, marker in ((HELD, "o"), (SIMULATED, "s")):
        ax.plot(weekly.index, weekly[label], marker=marker if len(weekly) <= 30 else None, markersize=4,
                label=label, color=COLOURS[label], linewidth=1.4)
    _week_axis(ax, weekly.index)
    ax.set_ylim(bottom=0)
    _plain_numbers(ax.yaxis)
    ax.set(ylabel="cases arrived", title="Arrivals per calendar week")
    ax.grid(alpha=0.3)
    _legend(fig)
    return fig


def _week_axis(ax, mondays: pd.DatetimeIndex) -> None:
    """Ticks on Mondays spelled '8 Jan' over half a year or less, else months and years; the years in the label."""
    from matplotlib.dates import MO, AutoDateLocator, ConciseDateFormatter, WeekdayLocator, num2date
    from matplotlib.ticker import FuncFormatter
    if len(mondays) <= 26:
        ax.xaxis.set_major_locator(WeekdayLocator(byweekday=MO, interval=-(-len(mondays) // 5)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{num2date(x).day} {num2date(x):%b}"))
    else:
        locator = AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))
    years = sorted({mondays[0].year, mondays[-1].year})
    ax.set_xlabel(f"week starting ({'–'.join(str(y) for y in years)})")


def _hour_chart(held: pd.Series, simulated: pd.Series) -> Figure:
    """The share of arrivals in each hour of the week, Monday 00:00 first."""
    from matplotlib.ticker import PercentFormatter
    fig = _new_figure()
    ax = fig.subplots()
    for label, times in ((HELD, held), (SIMULATED, simulated)):
        counts = np.bincount(times.dt.day_of_week * 24 + times.dt.hour, minlength=168)
        ax.plot(np.arange(168) + 0.5, counts / max(counts.sum(), 1), label=label, color=COLOURS[label],
                linewidth=1.3)
    ax.set_xticks(np.arange(0, 168, 24) + 12, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    ax.set_xticks(np.arange(0, 169, 24), minor=True)
    ax.tick_params(axis="x", which="major", length=0)
    ax.grid(axis="x", which="minor", alpha=0.4)
    ax.set_xlim(0, 168)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.set(ylabel="share of arrivals", title="Arrivals by hour of the week")
    _legend(fig)
    return fig


def _legend(fig: Figure) -> None:
    """The legend below the axes, in one row: it never hides a line."""
    fig.legend(loc="outside lower center", ncol=3, frameon=False, handlelength=1.6, columnspacing=1.2)


def _plain_numbers(axis) -> None:
    """Tick labels with thousands separators, never an offset or scientific notation."""
    from matplotlib.ticker import FuncFormatter
    axis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}" if abs(x) >= 10 or x == int(x) else f"{x:g}"))


__all__ = ["CHART_FONT", "CHART_WIDTH", "COLOURS", "HELD", "OWN", "SIMULATED", "charts_section", "weekly_arrivals"]
