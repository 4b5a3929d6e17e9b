"""An automated check: a fixed or random delay, then a decision; no team is held.

YAML: ``gate: {kind: auto, delay: 5min, approve: 0.97, on_reject: assess}``. Its time counts as
automated work (automation coverage), not as waiting.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from simpy.events import NORMAL

from ..distributions import Distribution, fixed
from ..kernel.events import Item, Wake
from ..fields import Dist
from .base import Flow, StepPlanView, StepView
from .by_priority import ApproveByPriority
from .gate import GateKind, GateRun, GateSettings


class AutoGate(GateSettings):
    """An automated check: a fixed or random delay, then a decision; no team is held."""

    kind: Literal["auto"]
    delay: Dist = Field(fixed(0.0), json_schema_extra={"default": "0h"})


class AutoKind(GateKind):
    name = "auto"
    schema = AutoGate

    def describe(self, step: StepView) -> tuple[str, str]:
        return "auto gate", str(step.gate.delay)

    def compile(self, step: StepView, local: dict[str, int],
                team_ids: dict[str, int]) -> tuple[float | ApproveByPriority, int, Distribution]:
        return (*super().compile(step, local, team_ids), step.gate.delay)

    def run(self, plan: StepPlanView, demand_type: str, flow: Flow) -> AutoRun:
        return AutoRun(plan, demand_type, flow)


class AutoRun(GateRun):
    __slots__ = ("delay", "on_finish", "schedule")

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        super().__init__(plan, demand_type, flow)
        self.delay = self.draws(plan.spec[2], "effort")  # the stream name keeps earlier results
        self.on_finish = (self.finish,)
        self.schedule = flow.schedule

    def enter(self, item: Item, now: float) -> None:
        item.started = now
        item.automating = True
        item.pending = wake = Wake(self.on_finish, item)
        self.schedule(wake, NORMAL, self.delay(item))

    def finish(self, event: Wake) -> None:
        item = event.item
        item.automated += 1
        item.automating = False
        self.decide(item, self.flow.env._now, True)
