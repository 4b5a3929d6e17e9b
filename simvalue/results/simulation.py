"""simulate(): run replications of a scenario and collect them into Results."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .budget import check_budget
from ..engine.plan import compile_plan
from ..engine.run import fold_replication, run_replication
from ..errors import SimulationError
from ..readable import duration
from .frames import RECORD_LEVELS, Results, build_results
from ..scenario import Scenario, load_scenario
from .streamed import StreamedReplication, build_streamed_results

#: ``progress(done, total)`` is called after each replication.
Progress = Callable[[int, int], None]


class InFlightWarning(UserWarning):
    """Items were still in flight when the drain limit stopped a replication."""


def as_scenario(scenario: Scenario | str | Path | Mapping[str, Any]) -> Scenario:
    """Accept a Scenario, a YAML path or a mapping."""
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def simulate(scenario: Scenario | str | Path | Mapping[str, Any], replications: int | None = None,
             seed: int | None = None, progress: Progress | None = None,
             max_events: float | None = None, record: str = "full") -> Results:
    """Simulate ``replications`` independent replications (default: the scenario's) with ``seed``.

    The same scenario and seed always give identical results; replication r draws from its own
    named random streams, so a variant shares them (common random numbers). A run estimated to need
    more than ``max_events`` events (default ``limits.DEFAULT_MAX_EVENTS``, about a minute) or more
    memory than this process can use is refused before it starts.

    ``record`` is what the run keeps: ``"full"`` every step execution and item (``events`` and
    ``items``); ``"items"`` one row per item, the steps tallied as their items finish (no
    ``events``); ``"summary"`` no rows at all, only the tallies, so memory stays flat however long
    the horizon (time-to-value percentiles then come from a sketch, within 0.5%). Every other
    figure of ``summary()``, ``metrics()``, ``steps()`` and ``teams`` is the same at every level.
    """
    scenario = as_scenario(scenario)
    count = scenario.replications if replications is None else replications
    if not isinstance(count, int) or count < 1:
        raise SimulationError(f"replications must be a positive whole number, got {count!r}")
    if seed is not None and (not isinstance(seed, int) or seed < 0):
        raise SimulationError(f"seed must be a non-negative whole number, got {seed!r}")
    if record not in RECORD_LEVELS:
        raise SimulationError(f"record must be one of {', '.join(RECORD_LEVELS)}, got {record!r}")
    check_budget([scenario], count, max_events, record)
    plan = compile_plan(scenario, seed)
    outputs = []
    for replication in range(count):
        if record == "full":
            outputs.append(run_replication(plan, replication))
        else:
            streamed = StreamedReplication(scenario, plan, replication, keep_items=record == "items")
            fold_replication(plan, replication, streamed.fold)
            outputs.append(streamed.finish())
        if progress is not None:
            progress(replication + 1, count)
    results = (build_results(scenario, plan, outputs) if record == "full" else
               build_streamed_results(scenario, plan, outputs, record))
    _warn_in_flight(results)
    return results


def _warn_in_flight(results: Results) -> None:
    unfinished = results.in_flight()
    if unfinished:
        warnings.warn(f"{unfinished} items were still in flight when the drain limit "
                      f"({duration(results.scenario.drain_limit, space=' ')} after arrivals stopped) ended the run; they have "
                      "no time-to-value. Raise 'drain' or check for a bottleneck.", InFlightWarning, stacklevel=3)
