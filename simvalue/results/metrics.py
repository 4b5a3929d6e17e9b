"""Headline metrics from Results: time-to-value percentiles and time per activity, with CIs."""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np
import pandas as pd

from ..activities import Activity
from ..errors import SimulationError
from .stats import t_interval
from .tally import ABANDON_COLUMN, PERCENTILES, Tally

#: What a headline metric is about, as columns (NA where not applicable): an item type, a type and
#: priority, a team, or a step of a stream. ``subject`` is only a label built from them for display.
SUBJECT_COLUMNS = ("type", "priority", "team", "stream", "step")

#: Every metric name ``headline`` can produce (per item type, type and priority, or team).
METRIC_NAMES = ("time_to_value_mean", *(f"time_to_value_p{q}" for q in PERCENTILES), "sla_attainment",
                "flow_efficiency", "handoffs_per_item", "rework_rate", "automation_coverage", "wip",
                "throughput", "utilisation")

#: Each item metric from a tally's group sums (``groups``, merged with its percentiles and step executions
#: when these are asked for), in the order ``headline`` lists them: a sweep computes only its own.
_ITEM_RATIOS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "time_to_value_mean": lambda g: g["ttv"] / g["done"],
    "flow_efficiency": lambda g: (g["work"] / g["ttv"]).where(g["ttv"] > 0),
    "handoffs_per_item": lambda g: g["handoffs"] / g["done"],
    "rework_rate": lambda g: g["reworked"] / g["items"],
    **{f"time_to_value_p{q}": (lambda g, q=q: g[f"p{q}"]) for q in PERCENTILES},
    "automation_coverage": lambda g: g["automated"] / g["executions"],
    "sla_attainment": lambda g: (g["sla_met"] / g["sla_items"]).where(g["sla_items"] > 0)}
#: The metrics read from the run's ``flow`` and ``teams`` frames rather than from its tally.
FLOW_METRICS, TEAM_METRICS = ("wip", "throughput"), ("utilisation",)


def summarise(tally: Tally, replications: int, confidence: float = 0.95) -> pd.DataFrame:
    """Tidy summary: type, metric, estimate, ci_low, ci_high (times in hours), each a t-interval over
    the replications.

    Metrics: ``completed`` (items realising value per replication), ``time_to_value_mean``,
    ``time_to_value_p50/p85/p95``, ``sla_attainment`` (when the type has an SLA, on each SLA's clock),
    where some callers gave up (patience) ``abandonment_share`` (abandoned items over reported items) and
    ``time_to_abandon_mean`` / ``_p85`` (hours from arrival to giving up for good, ring-backs included),
    ``time_in_<activity>`` (mean hours per item spent waiting for or working in steps of that
    value-chain activity, until value is realised) and ``waiting_on_<reason>`` (mean hours per item
    in wait steps of that reason).
    """
    rows = []
    index = pd.Index(np.arange(replications), name="replication")
    groups = tally.groups[tally.groups["priority"] == ""].merge(
        tally.quantiles[tally.quantiles["priority"] == ""], on=["replication", "type", "priority"], how="left")
    done = groups.set_index(["type", "replication"])["done"]
    for item_type in tally.types:
        mine = groups[groups["type"] == item_type].set_index("replication").reindex(index)
        per_rep = {"completed": mine["done"].fillna(0), "time_to_value_mean": mine["ttv"] / mine["done"],
                   **{f"time_to_value_p{q}": mine[f"p{q}"] for q in PERCENTILES}}
        rows += [(item_type, metric, *t_interval(values, confidence)) for metric, values in per_rep.items()]
        if (mine["abandoned"] > 0).any():  # callers gave up (patience): how many, and after how long
            per_rep = {"abandonment_share": (mine["abandoned"] / mine["items"]).fillna(0.0),
                       "time_to_abandon_mean": mine["abandon_time"] / mine["abandoned"].where(mine["abandoned"] > 0),
                       "time_to_abandon_p85": mine[ABANDON_COLUMN]}
            rows += [(item_type, metric, *t_interval(values, confidence)) for metric, values in per_rep.items()]
        if (mine["sla_items"] > 0).any():
            sla = (mine["sla_met"] / mine["sla_items"]).where(mine["sla_items"] > 0)
            rows.append((item_type, "sla_attainment", *t_interval(sla, confidence)))
        mine_done = done.get(item_type, pd.Series(dtype=float))
        activity = tally.activity[tally.activity["type"] == item_type]
        for act in Activity:
            values = activity[activity["activity"] == act.value]
            if len(values):
                hours = (values["wait"] + values["work"]).to_numpy() / mine_done.reindex(values["replication"]).to_numpy()
                per_rep = pd.Series(hours, index=values["replication"].to_numpy()).reindex(index).fillna(0.0)
                rows.append((item_type, f"time_in_{act.value}", *t_interval(per_rep, confidence)))
        reasons = tally.reasons[tally.reasons["type"] == item_type]
        for reason in sorted(reasons["wait_reason"].astype(str).unique()):
            values = reasons[reasons["wait_reason"].astype(str) == reason]
            hours = values["wait"].to_numpy() / mine_done.reindex(values["replication"]).to_numpy()
            per_rep = pd.Series(hours, index=values["replication"].to_numpy()).reindex(index).fillna(0.0)
            rows.append((item_type, f"waiting_on_{reason}", *t_interval(per_rep, confidence)))
    return pd.DataFrame(rows, columns=["type", "metric", "estimate", "ci_low", "ci_high"])


def headline(tally: Tally, teams: pd.DataFrame, flow: pd.DataFrame) -> pd.DataFrame:
    """Every headline metric per replication, long form: replication, the subject columns (type,
    priority, team, stream, step; NA where not applicable), subject (a display label: ``change``,
    ``incident P1``, ``team platform``, ``step s.review``), metric, value.
    """
    return _long_form([_item_metrics(tally, tuple(_ITEM_RATIOS)), _activity_metrics(tally), _step_metrics(tally),
                       *_frame_metrics(teams, flow, METRIC_NAMES)])


def chosen_metrics(names: Collection[str], tally: Tally | None, teams: pd.DataFrame,
                   flow: pd.DataFrame) -> pd.DataFrame:
    """Only the metrics ``names`` (of METRIC_NAMES): ``headline``'s rows of these metrics, in its order and
    columns, the others never computed (a sweep asks for one or a few). ``tally`` may be None when
    no name ``needs_tally``."""
    unknown = sorted(set(names) - set(METRIC_NAMES))
    if unknown:
        raise SimulationError(f"unknown metric(s) {', '.join(map(repr, unknown))}: expected names among "
                              f"{', '.join(METRIC_NAMES)}")
    items = tuple(name for name in _ITEM_RATIOS if name in names)
    if items and tally is None:
        raise SimulationError(f"metrics {', '.join(items)} are ratios of a tally; got tally=None")
    return _long_form([_item_metrics(tally, items) if items else _no_rows(), *_frame_metrics(teams, flow, names)])


def needs_tally(names: Collection[str]) -> bool:
    """Whether any of the metrics ``names`` is a ratio of a tally's sums (not read from flow or teams)."""
    return any(name in _ITEM_RATIOS for name in names)


def _frame_metrics(teams: pd.DataFrame, flow: pd.DataFrame, names: Collection[str]) -> list[pd.DataFrame]:
    """The metrics among ``names`` read from the ``flow`` and ``teams`` frames, long form."""
    frames = []
    if flowing := [name for name in FLOW_METRICS if name in names]:
        frames.append(_melt(flow.assign(type=flow["type"].astype(str)), flowing))
    if working := [name for name in TEAM_METRICS if name in names]:
        frames.append(_melt(teams.assign(team=teams["team"].astype(str)), working))
    return frames


def _long_form(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Metric frames as one: every subject column (None where not applicable), the label, metric, value."""
    long = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    for column in SUBJECT_COLUMNS:
        long[column] = long[column].astype(object).where(long[column].notna(), None) if column in long else None
    long["subject"] = subject_labels(long)
    return long[["replication", *SUBJECT_COLUMNS, "subject", "metric", "value"]]


def _no_rows() -> pd.DataFrame:
    """No item metric rows: the frame ``_long_form`` keeps if no other has rows."""
    return pd.DataFrame({"replication": pd.Series(dtype=np.int64), "metric": pd.Series(dtype="str"),
                         "value": pd.Series(dtype=float)})


def subject_labels(frame: pd.DataFrame) -> pd.Series:
    """Display labels of subject columns: ``change``, ``incident P1``, ``team platform``, ``step s.review``."""
    def label(type_, priority, team, stream, step) -> str:
        if team is not None:
            return f"team {team}"
        if step is not None:
            return f"step {stream}.{step}"
        return f"{type_} {priority}" if priority is not None else str(type_)
    return pd.Series([label(*row) for row in frame[list(SUBJECT_COLUMNS)].itertuples(index=False, name=None)],
                     index=frame.index, dtype=object)


def _item_metrics(tally: Tally, names: tuple[str, ...]) -> pd.DataFrame:
    """Per replication and type, and per type and priority, the item metrics ``names`` (of _ITEM_RATIOS):
    time-to-value, flow efficiency, handoffs, rework, automation coverage (per type) and SLA attainment
    (each item against its own target; items never realising value count as misses)."""
    groups = tally.groups
    if any(f"time_to_value_p{q}" in names for q in PERCENTILES):
        groups = groups.merge(tally.quantiles, on=["replication", "type", "priority"], how="left")
    if "automation_coverage" in names:
        executions = tally.executions.assign(type=tally.executions["type"].astype(str), priority="")
        groups = groups.merge(executions, on=["replication", "type", "priority"], how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        values = pd.DataFrame({name: _ITEM_RATIOS[name](groups) for name in names})
    keys = groups[["replication", "type"]].assign(priority=groups["priority"].where(groups["priority"] != "", None))
    long = pd.concat([keys, values], axis=1).melt(id_vars=["replication", "type", "priority"], var_name="metric")
    # automation coverage is per type; SLA attainment only where some item has a target
    by_type = long["priority"].isna()
    drop = ((long["metric"] == "automation_coverage") & ~by_type) | (
        (long["metric"] == "automation_coverage") & long["value"].isna()) | (
        (long["metric"] == "sla_attainment") & long["value"].isna())
    return long[~drop].astype({"value": float}).reset_index(drop=True)


def _activity_metrics(tally: Tally) -> pd.DataFrame:
    """Per type and activity: hours waiting and working per value-realising item."""
    done = tally.groups[tally.groups["priority"] == ""][["replication", "type", "done"]]
    sums = tally.activity.assign(type=tally.activity["type"].astype(str)).merge(done, on=["replication", "type"])
    return pd.concat([
        pd.DataFrame({"replication": sums["replication"], "type": sums["type"],
                      "metric": kind + "_in_" + sums["activity"].astype(str), "value": sums[kind] / sums["done"]})
        for kind in ("wait", "work")], ignore_index=True)


def _step_metrics(tally: Tally) -> pd.DataFrame:
    """Per step: mean hours waiting and working per execution."""
    steps = tally.steps
    means = pd.DataFrame({"replication": steps["replication"], "stream": steps["stream"].astype(str),
                          "step": steps["step"].astype(str), "wait": steps["wait"] / steps["executions"],
                          "work": steps["work"] / steps["executions"]})
    return _melt(means, ["wait", "work"])


def _melt(frame: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    keys = ["replication", *(c for c in SUBJECT_COLUMNS if c in frame.columns)]
    return frame.melt(id_vars=keys, value_vars=metrics, var_name="metric")


def step_breakdown(tally: Tally) -> pd.DataFrame:
    """Per stream and step (in the plan's order), over all replications: executions, mean wait and
    work per execution, and share of all waiting.

    The bottleneck is the step holding the largest share of waiting in its stream, among steps
    whose waiting is the process's own (queues, meetings, paused work): a wait on others (a
    customer, a vendor) is never the bottleneck, whatever its length.
    """
    sums = tally.steps.groupby(["stream", "step", "activity"], observed=True, sort=True)[
        ["executions", "wait", "work", "on_others"]].sum().reset_index()
    frame = sums[["stream", "step", "activity", "executions"]].copy()
    frame["wait"] = sums["wait"] / sums["executions"]
    frame["work"] = sums["work"] / sums["executions"]
    stream_wait = sums.groupby("stream", observed=True)["wait"].transform("sum")
    frame["wait_share"] = np.where(stream_wait > 0, sums["wait"] / stream_wait.where(stream_wait > 0, 1.0), 0.0)
    frame["bottleneck"] = False
    own = sums[sums["on_others"] == 0]
    for _, group in own.groupby("stream", observed=True):
        if group["wait"].max() > 0:
            frame.loc[group["wait"].idxmax(), "bottleneck"] = True
    return frame
