"""Sensitivity of a sweep metric: Sobol indices (SALib) and response plots.

First-order (S1) and total (ST) Sobol indices with Saltelli's estimators (Saltelli et al. 2010,
*Comput. Phys. Commun.* 181:259) need a sweep run with ``design="sobol"``; the metric is averaged
over replications at each point first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..errors import SimulationError
from ..results.stats import t_interval


def point_means(frame: pd.DataFrame, metric: str) -> pd.Series:
    """The metric averaged over replications, per point, in point order."""
    if metric not in frame.columns:
        metrics = [c for c in frame.columns if "." in c and c not in frame.attrs.get("parameters", [])]
        raise SimulationError(f"no metric column {metric!r}; available: {', '.join(metrics)}")
    return frame.groupby("point")[metric].mean().sort_index()


def sobol_indices(frame: pd.DataFrame, metric: str, seed: int = 0) -> pd.DataFrame:
    """S1 and ST with 95% confidence half-widths, one row per parameter, for a ``sobol`` sweep."""
    if frame.attrs.get("design") != "sobol":
        raise SimulationError("Sobol indices need a sweep run with design='sobol'")
    from SALib.analyze import sobol as analyze
    names = list(frame.attrs["parameters"])
    outputs = point_means(frame, metric)
    if len(outputs) != frame.attrs["points"]:
        raise SimulationError(f"the sweep is incomplete ({len(outputs)} of {frame.attrs['points']} points); "
                              "resume it before computing indices")
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    values = outputs.to_numpy(dtype=float)
    if np.isnan(values).any():
        raise SimulationError(f"{metric} is missing at {int(np.isnan(values).sum())} points (infeasible or no items); "
                              "narrow the parameter ranges so every point is stable")
    if np.ptp(values) == 0:
        raise SimulationError(f"{metric} does not vary across the sweep; its indices are undefined")
    result = analyze.analyze(problem, values, calc_second_order=False, seed=seed)
    return pd.DataFrame({"parameter": names, "S1": result["S1"], "S1_conf": result["S1_conf"],
                         "ST": result["ST"], "ST_conf": result["ST_conf"]})


def plot_sensitivity(indices: pd.DataFrame, metric: str = "") -> Figure:
    """First-order and total Sobol indices per parameter, largest total effect on top."""
    ordered = indices.sort_values("ST")
    fig = Figure(figsize=(7, 1.5 + 0.5 * len(ordered)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(ordered))
    ax.barh(y + 0.2, ordered["ST"], 0.4, xerr=ordered["ST_conf"], label="total (ST)", color="#264653")
    ax.barh(y - 0.2, ordered["S1"], 0.4, xerr=ordered["S1_conf"], label="first order (S1)", color="#2a9d8f")
    ax.set_yticks(y, ordered["parameter"])
    ax.set_xlabel("Sobol index")
    ax.set_title(f"Sensitivity of {metric}" if metric else "Sensitivity")
    ax.legend(loc="lower right")
    return fig


def plot_response(frame: pd.DataFrame, metric: str, x: str, y: str | None = None) -> Figure:
    """How a metric responds: a line with 95% intervals over one parameter, or a heatmap over two."""
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.subplots()
    if y is None:
        rows = [(value, *t_interval(group[metric])) for value, group in frame.groupby(x)]
        values, means, lows, highs = (np.array(c, dtype=float) for c in zip(*rows))
        ax.plot(values, means, marker="o")
        ax.fill_between(values, np.where(np.isnan(lows), means, lows), np.where(np.isnan(highs), means, highs),
                        alpha=0.25, label="95% interval")
        ax.set_xlabel(x)
        ax.set_ylabel(metric)
        ax.legend()
    else:
        table = frame.groupby([y, x])[metric].mean().unstack(x)
        image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(table.columns)), [f"{v:g}" if isinstance(v, float) else v for v in table.columns])
        ax.set_yticks(range(len(table.index)), [f"{v:g}" if isinstance(v, float) else v for v in table.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        fig.colorbar(image, ax=ax, label=metric)
    ax.set_title(f"Response of {metric}")
    return fig
