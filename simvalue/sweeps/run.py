"""sweep(): simulate a scenario at every point of a design and collect headline metrics, tidy.

Each point is the base scenario with its parameter values set by dotted path, run for the given
replications; one row per point and replication, one column per parameter and per metric. With
common random numbers (the default) every point uses the same seed, so differences between points
come from the parameters, not from noise.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..budget import check_budget
from ..errors import ScenarioError, SimulationError, UnstableScenarioError
from ..metrics import METRIC_NAMES
from ..scenario import Scenario
from ..scenario.variants import load_variant
from ..simulation import as_scenario, simulate
from .design import Parameter, design_points, parse_parameter
from .executors import Executor, make_executor
from .store import MANIFEST, SweepStore

#: Metrics reported when none are named: type-level and team-level headline metrics.
DEFAULT_METRICS = ("time_to_value_mean", "time_to_value_p50", "time_to_value_p85", "sla_attainment",
                   "throughput", "wip", "flow_efficiency", "utilisation")

#: ``progress(done, total, resumed)`` after each finished point.
SweepProgress = Callable[[int, int, int], None]


def sweep(scenario: Scenario | str | Path | Mapping[str, Any], params: Mapping[str, Any],
          design: str = "grid", samples: int | None = None, replications: int | None = None,
          seed: int | None = None, metrics: list[str] | tuple[str, ...] | None = None,
          executor: str | Executor = "process", workers: int | None = None, scheduler: str | None = None,
          out: str | Path | None = None, common_random_numbers: bool = True,
          progress: SweepProgress | None = None, max_events: float | None = None) -> pd.DataFrame:
    """Run the sweep and return one row per point and replication.

    ``params`` maps dotted paths to a list of values, a range ``"low:high[:step]"`` or ``(low, high)``,
    or a distribution (``"uniform(a, b)"``) for sampled designs. ``metrics`` are metric names
    (``"utilisation"``) or full column names (``"change.time_to_value_p50"``). With ``out`` the
    results go to a Parquet dataset as points finish, and a rerun resumes where it stopped.
    ``df.attrs`` records the design, its parameters and how many points were ``resumed`` (already done).
    A ``scheduler`` (Dask address or "local") sends the work to Dask whatever ``executor`` says.
    ``max_events`` is the work budget of each point (see :func:`simvalue.simulate`); the base is
    checked against it up front, and a point over it becomes an ``infeasible`` row.
    """
    base = as_scenario(scenario)
    parameters = [parse_parameter(path, spec) for path, spec in params.items()]
    root_seed = base.seed if seed is None else int(seed)
    points = design_points(parameters, design, samples, root_seed)
    count = replications or base.replications
    chosen = check_metrics(base, tuple(metrics) if metrics else DEFAULT_METRICS)
    base_data = base.model_dump(mode="json")
    _check_point(base, parameters, points)
    check_budget([base], count, max_events)
    spec = {"scenario": base_data, "params": {p.path: repr(p) for p in parameters}, "design": design,
            "samples": samples, "replications": count, "seed": root_seed, "metrics": list(chosen),
            "common_random_numbers": common_random_numbers, "points": len(points)}
    store = SweepStore(out, spec) if out is not None else None
    done = store.open() if store is not None else set()
    tasks = [(base_data, int(row["point"]), _edits(parameters, row), count,
              point_seed(root_seed, int(row["point"]), common_random_numbers), chosen,
              {p.path: _plain(row[p.path]) for p in parameters}, max_events)
             for row in points.to_dict("records") if int(row["point"]) not in done]
    result = _run_points(tasks, make_executor(executor, workers, scheduler), store, len(points), len(done),
                         progress)
    result.attrs.update(resumed=len(done), design=design, samples=samples, points=len(points),
                        parameters=[p.path for p in parameters])
    _warn_in_flight(result)
    _warn_infeasible(result)
    return result


def _run_points(tasks: list[tuple], executor: Executor, store: SweepStore | None, total: int, resumed: int,
                progress: SweepProgress | None) -> pd.DataFrame:
    """Evaluate the points, storing each as it finishes; return every point's rows, sorted."""
    frames = []
    finished = resumed
    if progress is not None and resumed:
        progress(finished, total, resumed)
    for frame in executor.map_unordered(evaluate_point, tasks):
        if store is not None:
            store.write(int(frame["point"].iloc[0]), frame)
        else:
            frames.append(frame)
        finished += 1
        if progress is not None:
            progress(finished, total, resumed)
    return store.read() if store is not None else _sorted(frames)


def _column_subjects(long: pd.DataFrame) -> pd.Series:
    """The SUBJECT of a sweep column SUBJECT.METRIC: ``team_platform``, ``incident_P1``, ``incident``."""
    return pd.Series([f"team_{team}" if team is not None else f"{type_}_{priority}" if priority is not None
                      else str(type_) for type_, priority, team in
                      long[["type", "priority", "team"]].itertuples(index=False, name=None)], index=long.index)


def check_metrics(scenario: Scenario, metrics: tuple[str, ...]) -> tuple[str, ...]:
    """Refuse unknown metric names or columns before any work starts."""
    subjects = {d.type for d in scenario.demand} | {f"team_{t}" for t in scenario.teams}
    for demand in scenario.demand:
        labels = demand.priority if isinstance(demand.priority, dict) else [demand.priority] if demand.priority else []
        subjects |= {f"{demand.type}_{label}" for label in labels}
    for name in metrics:
        subject, _, metric = name.rpartition(".")
        if metric not in METRIC_NAMES or (subject and subject not in subjects):
            raise SimulationError(f"unknown metric {name!r}: give a metric name ({', '.join(METRIC_NAMES)}) or a "
                                  f"column SUBJECT.METRIC with SUBJECT one of {', '.join(sorted(subjects))}")
    return metrics


def _warn_infeasible(result: pd.DataFrame) -> None:
    if "infeasible" in result.columns and (result["infeasible"] != "").any():
        points = result.loc[result["infeasible"] != "", "point"].nunique()
        warnings.warn(f"{points} sweep point(s) were not simulated (a team or gate overloaded, or a value out of "
                      "range); their metrics are missing and the 'infeasible' column says why", UserWarning,
                      stacklevel=3)


def _warn_in_flight(result: pd.DataFrame) -> None:
    if "in_flight_items" in result.columns and result["in_flight_items"].sum() > 0:
        points = result.loc[result["in_flight_items"] > 0, "point"].nunique()
        warnings.warn(f"at {points} sweep point(s) items were still in flight when the drain limit stopped a "
                      "replication; their metrics are biased (see the in_flight_items column)", UserWarning,
                      stacklevel=3)


def point_seed(seed: int, point: int, common_random_numbers: bool = True) -> int:
    """The seed of one point: the sweep's seed (common random numbers) or one spawned per point."""
    if common_random_numbers:
        return seed
    return int(np.random.SeedSequence(seed, spawn_key=(point,)).generate_state(1, np.uint32)[0])


def _edits(parameters: list[Parameter], row: dict[str, Any]) -> dict[str, Any]:
    """The dotted-path edits of one design point."""
    return {p.path: p.to_yaml(_plain(row[p.path])) for p in parameters}


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, so YAML-style values validate."""
    return value.item() if isinstance(value, np.generic) else value


def _check_point(base: Scenario, parameters: list[Parameter], points: pd.DataFrame) -> None:
    """Fail fast, before any worker starts, if the first point's edits are invalid (an overloaded
    point is not invalid: it is reported as infeasible)."""
    if len(points):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                load_variant(base, {"name": "sweep point 0", "set": _edits(parameters, points.iloc[0].to_dict())})
            except UnstableScenarioError:
                pass


def evaluate_point(base_data: dict[str, Any], point: int, edits: dict[str, Any], replications: int, seed: int,
                   metrics: tuple[str, ...], values: dict[str, Any], max_events: float | None = None) -> pd.DataFrame:
    """Simulate one point (picklable, runs in workers): one row per replication with the point's
    parameter values and its metrics (so each stored file stands on its own)."""
    frame = _point_metrics(base_data, point, edits, replications, seed, metrics, max_events)
    for offset, (path, value) in enumerate(values.items()):
        frame.insert(1 + offset, path, value)
    return frame


def _point_metrics(base_data: dict[str, Any], point: int, edits: dict[str, Any], replications: int, seed: int,
                   metrics: tuple[str, ...], max_events: float | None) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            scenario = load_variant(base_data, {"name": f"sweep point {point}", "set": edits})
            check_budget([scenario], replications, max_events)
        except (ScenarioError, SimulationError) as exc:
            # An overloaded point (or one a sampled value makes invalid, such as a probability above 1,
            # or too big to run) is kept, with no metrics, and the reason; the first point was checked
            # up front for typos.
            reason = f"{exc.path}: {exc.detail}" if getattr(exc, "path", None) else getattr(exc, "detail", str(exc))
            return pd.DataFrame({"point": point, "replication": np.arange(replications), "in_flight_items": 0,
                                 "infeasible": reason})
        results = simulate(scenario, replications=replications, seed=seed, max_events=math.inf)
    long = results.metrics()
    long = long[long["step"].isna() & ~long["metric"].str.contains("_in_")]
    long = long.assign(column=_column_subjects(long) + "." + long["metric"], by_priority=long["priority"].notna())
    named = long["metric"].isin(metrics) & ~long["by_priority"]
    long = long[named | long["column"].isin(metrics)]
    wide = long.pivot_table(index="replication", columns="column", values="value", aggfunc="first")
    keep = list(wide.columns)
    wide = wide[sorted(keep)].reset_index()
    wide.columns.name = None
    wide.insert(0, "point", point)
    in_flight = results.items["outcome"].eq("in_flight").groupby(results.items["replication"]).sum()
    wide["in_flight_items"] = in_flight.reindex(wide["replication"], fill_value=0).to_numpy()
    wide["infeasible"] = ""
    return wide


def read_sweep(path: str | Path) -> pd.DataFrame:
    """A sweep's Parquet dataset read back, with the design recorded in ``attrs`` (for Sobol indices)."""
    store_path = Path(path)
    manifest = store_path / MANIFEST
    if not manifest.exists():
        raise SimulationError(f"{store_path}: not a sweep output (no {MANIFEST})")
    spec = json.loads(manifest.read_text())["spec"]
    frame = pd.read_parquet(store_path).sort_values(["point", "replication"], ignore_index=True)
    frame.attrs.update(resumed=0, design=spec["design"], samples=spec["samples"], parameters=list(spec["params"]),
                       points=spec["points"])
    return frame


def _sorted(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True).sort_values(["point", "replication"], ignore_index=True)
