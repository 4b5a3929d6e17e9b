"""What calibration decides per step and per stream: the records shared by team sizing and the scenario writer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .fit import Fit
from .discover import Discovery


@dataclass
class StepModel:
    """How one discovered step is modelled: kind ('start', 'wait', 'calendar', 'queue', or 'staffed': a wait in
    its team's working hours, then the team's work), its team and evidence."""

    name: str
    label: str
    kind: str
    fit: Fit
    rho: float = 0.0
    clock: tuple[float, float] = (0.0, 0.0)
    on_duty: float = 0.0
    off_hours: float = 0.0
    events: int = 0
    reason: str = "others"
    mean_gap: float = 0.0
    team: str | None = None  # the resource group doing most of its activity's events (with --resource)
    stream: str = "case"
    before: Fit | None = None               # 'staffed': the time before the work, in the team's working hours
    before_sample: np.ndarray | None = None  # ... and the observations it was fitted to (settled by queue_sizing)


@dataclass
class StreamModel:
    """One demand type and its stream: its identifier, the log's type value, what was found, its steps, arrivals."""

    name: str
    type: str | None
    discovery: Discovery
    steps: list[StepModel]
    arrivals: dict[str, Any]
    closing: tuple[float | None, str] = (None, "")  # a closing rule's limit (hours), and the evidence


__all__ = ["StepModel", "StreamModel"]
