"""A sweep's unit of work: replication r of one design point, simulated in a worker, as one row.

Each point is checked once, where the tasks are made (``point_scenario``): an invalid or overloaded
point becomes ``infeasible`` rows and runs nowhere. A feasible point becomes one task per
replication; replication r of a point is the same whether it runs alone or with the others, because
its random streams are named by (seed, r) (see ``simvalue.rng``), so the rows equal those of
``simulate(scenario, replications=n, seed=seed)`` row for row (tests/test_sweeps.py checks it).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..results.budget import check_budget
from ..engine.plan import compile_plan
from ..engine.run import run_replication
from ..errors import ScenarioError, SimulationError
from ..results.frames import Results, build_results
from ..results.metrics import chosen_metrics, needs_tally
from ..scenario import Scenario
from ..scenario.variants import load_variant


def point_scenario(base_data: dict[str, Any], point: int, edits: dict[str, Any], replications: int,
                   max_events: float | None) -> Scenario | str:
    """The point's scenario, or why it cannot run: a sampled value out of range (a probability above 1) or a
    run over the work budget (``replications`` of it). An overloaded team is simulated (its backlog grows)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            scenario = load_variant(base_data, {"name": f"sweep point {point}", "set": edits})
            check_budget([scenario], replications, max_events)
        except (ScenarioError, SimulationError) as exc:
            path = getattr(exc, "path", None)
            return f"{path}: {exc.detail}" if path else getattr(exc, "detail", str(exc))
    return scenario


def infeasible_rows(point: int, replications: int, reason: str, values: dict[str, Any]) -> pd.DataFrame:
    """The rows of a point that is not simulated: no metrics, and the reason."""
    frame = pd.DataFrame({"point": point, "replication": np.arange(replications), "in_flight_items": 0,
                          "infeasible": reason})
    return with_values(frame, values)


def evaluate_replication(scenario: Scenario, point: int, replication: int, seed: int, metrics: tuple[str, ...],
                         values: dict[str, Any]) -> tuple[int, pd.DataFrame]:
    """Simulate replication ``replication`` of one point (picklable, runs in workers): the point and
    its row, with the point's parameter values (so each stored file stands on its own)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # in-flight items are counted in a column and warned about once
        plan = compile_plan(scenario, seed)
        results = build_results(scenario, plan, [run_replication(plan, replication)])
    frame = metric_rows(results, metrics)
    frame["replication"] = replication  # build_results numbers its outputs from 0
    frame.insert(0, "point", point)
    return point, with_values(frame, values)


def metric_rows(results: Results, metrics: tuple[str, ...]) -> pd.DataFrame:
    """One row per replication of ``results``: the chosen metric columns (sorted), ``in_flight_items``
    and an empty ``infeasible``."""
    names = {column.rpartition(".")[2] for column in metrics}
    # PERF: only the metrics asked for, and the tally only when one of them is a ratio of its sums: the
    # sweep tests spent 85% of their time computing every metric (tests/test_sweep_metric_speed.py)
    long = chosen_metrics(names, results.tally if needs_tally(names) else None, results.teams, results.flow)
    long = long.assign(column=_column_subjects(long) + "." + long["metric"], by_priority=long["priority"].notna())
    named = long["metric"].isin(metrics) & ~long["by_priority"]
    long = long[named | long["column"].isin(metrics)]
    wide = long.pivot_table(index="replication", columns="column", values="value", aggfunc="first")
    wide = wide[sorted(wide.columns)].reset_index()
    wide.columns.name = None
    in_flight = results.items["outcome"].eq("in_flight").groupby(results.items["replication"]).sum()
    wide["in_flight_items"] = in_flight.reindex(wide["replication"], fill_value=0).to_numpy()
    wide["infeasible"] = ""
    return wide


def with_values(frame: pd.DataFrame, values: dict[str, Any]) -> pd.DataFrame:
    """``frame`` (starting with ``point``) with one column per parameter after it."""
    for offset, (path, value) in enumerate(values.items()):
        frame.insert(1 + offset, path, value)
    return frame


def _column_subjects(long: pd.DataFrame) -> pd.Series:
    """The SUBJECT of a sweep column SUBJECT.METRIC: ``team_platform``, ``incident_P1``, ``incident``."""
    return pd.Series([f"team_{team}" if team is not None else f"{type_}_{priority}" if priority is not None
                      else str(type_) for type_, priority, team in
                      long[["type", "priority", "team"]].itertuples(index=False, name=None)], index=long.index)
