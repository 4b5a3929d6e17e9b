"""An approver queue: a team reviews each item (an effort), then decides it.

YAML: ``gate: {kind: approver, team: change_mgr, effort: 30min, approve: 0.95, on_reject: assess}``.
The review holds a person of the team, so it adds rate x visits x mean effort to the team's load.
"""

from __future__ import annotations

from typing import Literal

from ..distributions import Distribution
from ..errors import ScenarioError, unknown
from ..fields import Dist, Name
from ..kernel.events import Item, Wake
from .base import Flow, StepPlanView, StepView
from .by_priority import ApproveByPriority
from .gate import GateKind, GateRun, GateSettings


class ApproverGate(GateSettings):
    """An approver queue: a team reviews each item with an effort, then decides."""

    kind: Literal["approver"]
    team: Name
    effort: Dist


class ApproverKind(GateKind):
    name = "approver"
    schema = ApproverGate
    holds_team = True

    def team(self, step: StepView) -> str | None:
        return step.gate.team

    def team_hours(self, step: StepView) -> float:
        return step.gate.effort.mean

    def check(self, step: StepView, path: str, steps: list[str], teams: list[str]) -> None:
        if step.gate.team not in teams:
            raise ScenarioError(unknown("team", step.gate.team, teams), path=f"{path}.gate.team")
        super().check(step, path, steps, teams)

    def describe(self, step: StepView) -> tuple[str, str]:
        return f"approver gate ({step.gate.team})", str(step.gate.effort)

    def compile(self, step: StepView, local: dict[str, int],
                team_ids: dict[str, int]) -> tuple[float | ApproveByPriority, int, Distribution]:
        return (*super().compile(step, local, team_ids), step.gate.effort)

    def run(self, plan: StepPlanView, demand_type: str, flow: Flow) -> ApproverRun:
        return ApproverRun(plan, demand_type, flow)


class ApproverRun(GateRun):
    __slots__ = ("effort", "on_finish")

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        super().__init__(plan, demand_type, flow)
        self.effort = self.draws(plan.spec[2], "effort")
        self.on_finish = (self.finish,)

    def enter(self, item: Item, now: float) -> None:
        self.team.request(item, self.effort(item), self.on_finish)

    def finish(self, event: Wake) -> None:
        item = event.item
        self.team.release(item)
        self.flow.handoff(item, self.team_id)
        self.decide(item, self.flow.env._now, False)
