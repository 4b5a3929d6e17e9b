"""sweep(): simulate a scenario at every point of a design and collect headline metrics, tidy.

Each point is the base scenario with its parameter values set by dotted path, run for the given
replications; one row per point and replication, one column per parameter and per metric. With
common random numbers (the default) every point uses the same seed, so differences between points
come from the parameters, not from noise. A task is one (point, replication) pair (``tasks.py``), so
a sweep spreads over as many workers as it has replications in all; a point's rows are collected,
sorted by replication, and stored or kept once all its replications are in.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..results.budget import check_budget
from ..errors import SimulationError
from ..results.metrics import METRIC_NAMES
from ..readable import figure
from .. import rng
from ..scenario import Scenario
from ..scenario.variants import load_variant
from ..results.simulation import as_scenario
from .design import Parameter, design_points, parse_parameter
from .executors import Executor, ProcessExecutor, SerialExecutor, make_executor
from .store import MANIFEST, SweepStore
from .tasks import evaluate_replication, infeasible_rows, point_scenario
from .work import SweepWork, check_total, estimate, small

if TYPE_CHECKING:
    from distributed import Client

#: Metrics reported when none are named: type-level and team-level headline metrics.
DEFAULT_METRICS = ("time_to_value_mean", "time_to_value_p50", "time_to_value_p85", "sla_attainment",
                   "throughput", "wip", "flow_efficiency", "utilisation")

#: ``progress(done, total, resumed)`` counts points, not tasks: called when a point has all its
#: replications in (and once at the start when points were resumed from ``out``), with the points
#: done so far (the resumed ones included), the points of the design and those resumed.
SweepProgress = Callable[[int, int, int], None]


def sweep(scenario: Scenario | str | Path | Mapping[str, Any], params: Mapping[str, Any],
          design: str = "grid", samples: int | None = None, replications: int | None = None,
          seed: int | None = None, metrics: list[str] | tuple[str, ...] | None = None,
          executor: str | Executor = "process", workers: int | None = None, scheduler: str | None = None,
          out: str | Path | None = None, common_random_numbers: bool = True,
          progress: SweepProgress | None = None, max_events: float | None = None,
          client: Client | None = None, max_total_events: float | None = None) -> pd.DataFrame:
    """Run the sweep and return one row per point and replication, sorted by point and replication.

    ``params`` maps dotted paths to a list of values, a range ``"low:high[:step]"`` or ``(low, high)``,
    or a distribution (``"uniform(a, b)"``) for sampled designs. ``metrics`` are metric names
    (``"utilisation"``) or full column names (``"change.time_to_value_p50"``). With ``out`` the
    results go to a Parquet dataset as points finish, and a rerun resumes where it stopped.
    ``df.attrs`` records the design, its parameters and how many points were ``resumed`` (already done).
    ``executor="dask"`` runs on ``client`` (a ``distributed.Client``, left open), else on the
    scheduler at ``scheduler`` (an address), else on the current Dask client, else on a LocalCluster
    started once and kept for the session (``scheduler="local"`` asks for that one); see
    ``executors.py``. A ``client`` or ``scheduler`` sends the work to Dask whatever ``executor`` says.
    ``max_events`` is the work budget of each point (see :func:`simvalue.simulate`); the base is
    checked against it up front, and a point over it becomes an ``infeasible`` row. ``max_total_events``
    is the budget of the whole sweep (default 5e8, about half an hour on one core; see ``work.py``),
    checked before anything starts. A process-pool sweep estimated under 2 s runs in this process
    instead (the pool's start-up would cost more); ``df.attrs["in_process"]`` then says so.
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
    work = estimate(base, points, lambda row: _edits(parameters, row), count)
    check_total(work, max_total_events)
    spec = {"scenario": base_data, "params": {p.path: repr(p) for p in parameters}, "design": design,
            "samples": samples, "replications": count, "seed": root_seed, "metrics": list(chosen),
            "common_random_numbers": common_random_numbers, "points": len(points)}
    runner = make_executor(executor, workers, scheduler, client)  # a bad address is refused before the store exists
    store = SweepStore(out, spec) if out is not None else None
    done = store.open() if store is not None else set()
    runner, in_process = _small_in_process(runner, work.remaining(len(points) - len(done)))
    tasks = _Tasks(base_data, parameters, [row for row in points.to_dict("records") if int(row["point"]) not in done],
                   count, root_seed, common_random_numbers, chosen, max_events)
    result = _run_tasks(tasks, runner, store, len(points), len(done), progress)
    result.attrs.update(resumed=len(done), design=design, samples=samples, points=len(points),
                        parameters=[p.path for p in parameters], in_process=in_process)
    _warn_in_flight(result)
    _warn_infeasible(result)
    return result


def _small_in_process(runner: Executor, work: SweepWork) -> tuple[Executor, str]:
    """A process pool for less work than its start-up becomes this process, with the reason; results
    are the same (each task carries its seed). A pool passed as an object is kept."""
    if isinstance(runner, ProcessExecutor) and runner.in_process_when_small and small(work):
        return SerialExecutor(), (f"ran in this process, not a process pool: about {figure(work.seconds)} s of "
                                  "simulation, less than starting the pool's workers (about 2 s)")
    return runner, ""


@dataclass
class _Tasks:
    """The (point, replication) tasks of the points to run, made as the executor takes them: each point
    is checked once, just before its tasks go out, so workers start on the first points while later
    ones are checked. A point that cannot run gives no task; its rows wait in ``skipped``."""

    base_data: dict[str, Any]
    parameters: list[Parameter]
    rows: list[dict[str, Any]]
    replications: int
    seed: int
    common_random_numbers: bool
    metrics: tuple[str, ...]
    max_events: float | None
    skipped: list[tuple[int, pd.DataFrame]] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple]:
        for row in self.rows:
            point = int(row["point"])
            values = {p.path: _plain(row[p.path]) for p in self.parameters}
            scenario = point_scenario(self.base_data, point, _edits(self.parameters, row), self.replications,
                                      self.max_events)
            if isinstance(scenario, str):
                self.skipped.append((point, infeasible_rows(point, self.replications, scenario, values)))
                continue
            seed = point_seed(self.seed, point, self.common_random_numbers)
            for replication in range(self.replications):
                yield scenario, point, replication, seed, self.metrics, values


def _run_tasks(tasks: _Tasks, executor: Executor, store: SweepStore | None, total: int, resumed: int,
               progress: SweepProgress | None) -> pd.DataFrame:
    """Run the tasks; store (or keep) each point once all its replications are in; every point's rows."""
    kept: dict[int, pd.DataFrame] = {}
    waiting: dict[int, list[pd.DataFrame]] = {}
    finished = resumed

    def complete(point: int, frame: pd.DataFrame) -> None:
        nonlocal finished
        if store is not None:
            store.write(point, frame)
        else:
            kept[point] = frame
        finished += 1
        if progress is not None:
            progress(finished, total, resumed)

    if progress is not None and resumed:
        progress(finished, total, resumed)
    for point, row in executor.map_unordered(evaluate_replication, tasks):
        rows = waiting.setdefault(point, [])
        rows.append(row)
        if len(rows) == tasks.replications:
            complete(point, _point_frame(waiting.pop(point)))
        while tasks.skipped:  # infeasible points found while the tasks were handed out
            complete(*tasks.skipped.pop(0))
    while tasks.skipped:
        complete(*tasks.skipped.pop(0))
    return store.read() if store is not None else _sorted(kept)


def _point_frame(rows: list[pd.DataFrame]) -> pd.DataFrame:
    """A point's rows in replication order, its columns as one run of all its replications gives them:
    the metrics, sorted, between ``replication`` and ``in_flight_items``."""
    frame = pd.concat(rows, ignore_index=True).sort_values("replication", ignore_index=True)
    columns = list(frame.columns)
    leading = columns[:columns.index("replication") + 1]
    trailing = ["in_flight_items", "infeasible"]
    return frame[leading + sorted(set(columns) - set(leading) - set(trailing)) + trailing]


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
        warnings.warn(f"{points} sweep point(s) were not simulated (a value out of range, or a run over the work "
                      "budget); their metrics are missing and the 'infeasible' column says why", UserWarning,
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
    return rng.point_seed(seed, point)


def _edits(parameters: list[Parameter], row: dict[str, Any]) -> dict[str, Any]:
    """The dotted-path edits of one design point."""
    return {p.path: p.to_yaml(_plain(row[p.path])) for p in parameters}


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, so YAML-style values validate."""
    return value.item() if isinstance(value, np.generic) else value


def _check_point(base: Scenario, parameters: list[Parameter], points: pd.DataFrame) -> None:
    """Fail fast, before any worker starts, if the first point's edits are invalid (an overloaded point is
    not invalid: it is simulated, and its backlog grows)."""
    if len(points):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load_variant(base, {"name": "sweep point 0", "set": _edits(parameters, points.iloc[0].to_dict())})


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


def _sorted(points: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Every point's rows, in point order (as the store reads them back)."""
    if not points:
        return pd.DataFrame()
    frame = pd.concat([points[point] for point in sorted(points)], ignore_index=True)
    return frame.sort_values(["point", "replication"], ignore_index=True)
