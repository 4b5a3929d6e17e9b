"""Run one replication of a compiled plan and hand back its column arrays."""

from __future__ import annotations

import numpy as np

from .flow import Replication
from .plan import Plan


def run_replication(plan: Plan, replication: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Simulate replication ``replication`` of ``plan``: (step records, item records) as columns."""
    return Replication(plan, replication).run().arrays()
