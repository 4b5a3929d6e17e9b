"""An automated check: a fixed or random delay, then a decision; no team is held.

YAML: ``gate: {kind: auto, delay: 5min, approve: 0.97, on_reject: assess}``. Its time counts as
automated work (automation coverage), not as waiting.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from simpy.events import NORMAL

from ..distributions import fixed
from ..kernel.events import Wake
from ..fields import Dist
from .gate import GateKind, GateRun, GateSettings


class AutoGate(GateSettings):
    """An automated check: a fixed or random delay, then a decision; no team is held."""

    kind: Literal["auto"]
    delay: Dist = Field(fixed(0.0), json_schema_extra={"default": "0h"})


class AutoKind(GateKind):
    name = "auto"
    schema = AutoGate

    def describe(self, step) -> tuple[str, str]:
        return "auto gate", str(step.gate.delay)

    def compile(self, step, local: dict[str, int], team_ids: dict[str, int]):
        return (*super().compile(step, local, team_ids), step.gate.delay)

    def run(self, plan, demand_type: str, flow) -> "AutoRun":
        return AutoRun(plan, demand_type, flow)


class AutoRun(GateRun):
    __slots__ = ("delay", "on_finish", "schedule")

    def __init__(self, plan, demand_type: str, flow) -> None:
        super().__init__(plan, demand_type, flow)
        self.delay = self.draws(plan.spec[2], "effort")  # the stream name keeps earlier results
        self.on_finish = (self.finish,)
        self.schedule = flow.schedule

    def enter(self, item, now: float) -> None:
        item.started = now
        item.automating = True
        item.pending = wake = Wake(self.on_finish, item)
        self.schedule(wake, NORMAL, self.delay(item))

    def finish(self, event) -> None:
        item = event.item
        item.automated += 1
        item.automating = False
        self.decide(item, self.flow.env._now, True)
