"""Results of runs that keep no event rows (``record="items"`` or ``"summary"``): each replication's
finished items are folded into tallies as the engine hands them over, so memory stays flat in the
horizon.

The engine's FoldingRecorder hands over chunks of finished items with their step executions; each
chunk becomes frames exactly as in a full run (frames.py), is reduced to sums (tally.py), team
busy and queue hours and flow sums, and is dropped (``items`` keeps its item rows). Every figure is
then the one a full run gives, except the time-to-value percentiles of ``summary``, which come from
a mergeable sketch within 0.5% (sketch.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.plan import Plan
from ..kernel.recorder import ITEM_FIELDS, STEP_FIELDS
from .frames import Results, event_columns, events_frame, flow_frame, item_frames, teams_frame
from ..scenario.model import Scenario
from .groups import added_groups, finished_groups, group_rows, groups_table
from .sketch import QuantileSketch
from .tally import Tally, add_to_sketches, item_quantiles, sketch_quantiles, tally

#: Team columns that add up over chunks; the rest is fixed by the schedule or a ratio recomputed.
TEAM_SUMS = ["busy_hours", "mean_queue_length", "overtime_hours"]
FLOW_SUMS = ["wip", "throughput", "backlog_mid", "backlog_end"]


class StreamedReplication:
    """The folds of one replication: ``fold`` is the engine's callback, ``finish`` its results."""

    def __init__(self, scenario: Scenario, plan: Plan, replication: int, keep_items: bool) -> None:
        self.scenario, self.plan, self.replication, self.keep_items = scenario, plan, replication, keep_items
        self.sums: Tally | None = None
        self.sketches: dict[tuple, QuantileSketch] = {}
        self.item_rows: list[pd.DataFrame] = []
        self.teams: pd.DataFrame | None = None
        self.flow: pd.DataFrame | None = None
        self.groups: pd.DataFrame | None = None

    def fold(self, steps: dict[str, np.ndarray], cols: dict[str, np.ndarray]) -> None:
        """Reduce one chunk of finished items (and their steps) and let it go."""
        items, events = item_frames(self.scenario, self.plan, self.replication, steps, cols)
        part = tally(items, events, self.scenario.sla_target, exact_quantiles=False,
                     abandoned_excluded=self.scenario.sla_abandoned_excluded)
        self.sums = part if self.sums is None else Tally.merge([self.sums, part])
        if self.keep_items:
            self.item_rows.append(items)
        else:
            add_to_sketches(self.sketches, items)
        self.teams = _added(self.teams, teams_frame(self.plan, self.replication, steps), TEAM_SUMS)
        self.flow = _added(self.flow, flow_frame(self.plan, self.replication, cols), FLOW_SUMS)
        if self.plan.groups:
            self.groups = added_groups(self.groups, groups_table(self.plan, group_rows(self.plan, self.replication,
                                                                                      steps)))

    def finish(self) -> tuple[Tally, pd.DataFrame | None, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(tally, item rows or None, teams, flow, groups) of the replication."""
        teams = self.teams.copy()
        on_duty = teams["scheduled_hours"] + teams["overtime_hours"]
        teams["utilisation"] = np.where(on_duty > 0, teams["busy_hours"] / on_duty.where(on_duty > 0, 1.0), np.nan)
        items = (pd.concat(self.item_rows, ignore_index=True).sort_values("item_id", kind="stable", ignore_index=True)
                 if self.keep_items else None)  # in order of id, as a full run gives them
        quantiles = item_quantiles(items) if items is not None else sketch_quantiles(self.sketches)
        return Tally.merge([self.sums], quantiles), items, teams, self.flow, finished_groups(self.plan, self.groups)


def build_streamed_results(scenario: Scenario, plan: Plan, parts: list[tuple], record: str) -> Results:
    """Results of a run whose replications were streamed (``parts``: ``StreamedReplication.finish``)."""
    sums = Tally.merge([p[0] for p in parts], pd.concat([p[0].quantiles for p in parts], ignore_index=True))
    empty_steps = {name: np.empty(0) for name in STEP_FIELDS}
    events = events_frame(plan, event_columns(plan, 0, empty_steps, np.empty(0)))
    if record == "items":
        items = pd.concat([p[1] for p in parts], ignore_index=True)
    else:
        items, _ = item_frames(scenario, plan, 0, empty_steps, _no_items(plan))
    teams = pd.concat([p[2] for p in parts], ignore_index=True)
    flow = pd.concat([p[3] for p in parts], ignore_index=True)
    groups = pd.concat([p[4] for p in parts], ignore_index=True)
    return Results(scenario, len(parts), plan.seed, items, events, teams, flow, record=record, streamed=sums,
                   groups=groups)


def _added(total: pd.DataFrame | None, part: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``total`` with ``part``'s ``columns`` added to it, row by row (the same teams or types)."""
    if total is None:
        return part
    total = total.copy()
    total[columns] = total[columns].to_numpy() + part[columns].to_numpy()
    return total


def _no_items(plan: Plan) -> dict[str, np.ndarray]:
    """Item columns with no rows (a summary run keeps none)."""
    columns = {name: np.empty(0) for name in ITEM_FIELDS}
    return columns | {"parent_id": np.empty(0), "attribute_rows": np.empty((0, 1))}
