"""What every approval gate shares: an approval probability, a target for rejected items, the decision.

A gate decides each item once its own wait (a meeting, a review, a check) is over: approved items
follow ``next``; rejected ones go back to ``on_reject`` (rework) or are dropped. The decision draws
from the item's own random stream, so common random numbers hold per item.
"""

from __future__ import annotations

from pydantic import Field

from ..engine.kernel import DROP_ID
from ..engine.recorder import APPROVED, ITEM_REJECTED, REJECTED
from ..errors import ScenarioError, unknown
from ..fields import DROP, FrozenModel, Name, Probability
from .base import StepKind, StepRun



class GateSettings(FrozenModel):
    approve: Probability = Field(1.0, description="Probability an item is approved.")
    on_reject: Name = Field(DROP, description="Step a rejected item returns to (rework), or 'drop'.")


class GateKind(StepKind):
    """Shared rules of the gate kinds (cab, approver, auto): settings under ``gate:``."""

    field = "gate"

    def diversions(self, step) -> dict[str, float]:
        gate = step.gate
        return {gate.on_reject: 1.0 - gate.approve} if gate.approve < 1 else {}

    def check(self, step, path: str, steps: list[str], teams: list[str]) -> None:
        gate = step.gate
        if gate.on_reject != DROP and gate.on_reject not in steps:
            raise ScenarioError(unknown("step", gate.on_reject, steps + [DROP]), path=f"{path}.gate.on_reject")

    def compile(self, step, local: dict[str, int], team_ids: dict[str, int]):
        gate = step.gate
        return (gate.approve, DROP_ID if gate.on_reject == DROP else local[gate.on_reject])


class GateRun(StepRun):
    """Run-time of a gate: decide, then route, rework or drop."""

    __slots__ = ("approve", "reject_to", "decide_u")

    def __init__(self, plan, demand_type: str, flow) -> None:
        super().__init__(plan, demand_type, flow)
        self.approve, self.reject_to = plan.spec[0], plan.spec[1]
        self.decide_u = self.uniforms("decision") if 0 < self.approve < 1 else None

    def decide(self, item, now: float, automated: bool) -> None:
        """The gate's decision: approved items follow the route, rejected ones rework or drop."""
        approved = self.approve > 0 if self.decide_u is None else self.decide_u(item) < self.approve
        flow = self.flow
        work = now - item.started - item.paused  # less any pause (an approver's review off duty)
        flow.done_step(item, self, now, APPROVED if approved else REJECTED, automated, work)
        if approved:
            flow.route(item, self)
        elif self.reject_to == DROP_ID:
            flow.complete(item, ITEM_REJECTED)
        else:
            flow.enter(item, self.reject_to)
