"""How long the backlog a run starts from (``initial:``) takes to clear, with its interval.

The clearing time of a replication is when its last initial item is done (leaves its stream: done,
rejected or closed). A replication whose drain limit stopped it with an initial item still in
flight has not cleared: its clearing time is unknown (NaN), counted in ``uncleared``, and the
interval is over the replications that cleared, so it understates the truth: raise ``drain``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .stats import t_interval


@dataclass(frozen=True)
class BacklogClearing:
    """Clearing time of the initial backlog: per replication and its mean with a Student-t interval.

    ``per_replication``: replication, items (open at the start), clearing_time (hours since the
    start; NaN when an initial item was still in flight at the drain limit).
    """

    per_replication: pd.DataFrame = field(repr=False)
    estimate: float
    ci_low: float
    ci_high: float
    confidence: float
    uncleared: int  # replications in which the backlog had not cleared when the run stopped

    @property
    def items(self) -> int:
        """Open items at the start (the same in every replication)."""
        return int(self.per_replication["items"].max()) if len(self.per_replication) else 0


def backlog_clearing(items: pd.DataFrame, replications: int, confidence: float = 0.95) -> BacklogClearing:
    """The clearing time of the initial items of ``items`` (Results.items) in each replication.

    A replication without initial items has a clearing time of 0; the interval is the method of
    independent replications (stats.t_interval).
    """
    initial = items[items["initial"]]
    index = pd.RangeIndex(replications, name="replication")
    grouped = initial.groupby("replication")
    counts = grouped.size().reindex(index, fill_value=0)
    last = grouped["completed"].max().reindex(index, fill_value=0.0)  # max skips NaN: checked next
    open_ = grouped["completed"].apply(lambda c: bool(c.isna().any())).reindex(index, fill_value=False)
    clearing = last.where(~open_.astype(bool), np.nan)
    frame = pd.DataFrame({"replication": np.arange(replications), "items": counts.to_numpy(dtype=np.int64),
                          "clearing_time": clearing.to_numpy(dtype=float)})
    estimate, low, high = t_interval(frame["clearing_time"], confidence) if replications else (math.nan,) * 3
    return BacklogClearing(frame, estimate, low, high, confidence, int(open_.sum()))
