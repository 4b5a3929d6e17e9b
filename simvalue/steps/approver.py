"""An approver queue: a team reviews each item (an effort), then decides it.

YAML: ``gate: {kind: approver, team: change_mgr, effort: 30min, approve: 0.95, on_reject: assess}``.
The review holds a person of the team, so it adds rate x visits x mean effort to the team's load.
"""

from __future__ import annotations

from typing import Literal

from ..errors import ScenarioError, unknown
from ..fields import Dist, Name
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

    def team(self, step) -> str | None:
        return step.gate.team

    def team_hours(self, step) -> float:
        return step.gate.effort.mean

    def check(self, step, path: str, steps: list[str], teams: list[str]) -> None:
        if step.gate.team not in teams:
            raise ScenarioError(unknown("team", step.gate.team, teams), path=f"{path}.gate.team")
        super().check(step, path, steps, teams)

    def describe(self, step) -> tuple[str, str]:
        return f"approver gate ({step.gate.team})", str(step.gate.effort)

    def compile(self, step, local: dict[str, int], team_ids: dict[str, int]):
        return (*super().compile(step, local, team_ids), step.gate.effort)

    def run(self, plan, demand_type: str, flow) -> "ApproverRun":
        return ApproverRun(plan, demand_type, flow)


class ApproverRun(GateRun):
    __slots__ = ("effort", "on_finish")

    def __init__(self, plan, demand_type: str, flow) -> None:
        super().__init__(plan, demand_type, flow)
        self.effort = self.draws(plan.spec[2], "effort")
        self.on_finish = (self.finish,)

    def enter(self, item, now: float) -> None:
        self.team.request(item, self.effort(item), self.on_finish)

    def finish(self, event) -> None:
        item = event.item
        self.team.release(item)
        self.flow.handoff(item, self.team_id)
        self.decide(item, self.flow.env._now, False)
