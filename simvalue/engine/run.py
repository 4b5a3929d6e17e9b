"""Run one replication of a compiled plan: hand back its column arrays, or fold them as it goes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .flow import Replication
from .plan import Plan
from ..kernel.recorder import FoldingRecorder

#: ``fold(steps, items)``: a chunk of finished items and their steps, as column arrays.
Fold = Callable[[dict[str, np.ndarray], dict[str, np.ndarray]], None]


def run_replication(plan: Plan, replication: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Simulate replication ``replication`` of ``plan``: (step records, item records) as columns."""
    return Replication(plan, replication).run().arrays()


def fold_replication(plan: Plan, replication: int, fold: Fold) -> None:
    """Simulate replication ``replication`` of ``plan``, handing its records to ``fold`` in chunks of
    finished items as it goes (engine/recorder.py: FoldingRecorder), so that they never pile up."""
    recorder = FoldingRecorder(fold)
    Replication(plan, replication, recorder).run()
    recorder.flush()
