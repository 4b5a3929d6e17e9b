"""What every approval gate shares: an approval probability, a target for rejected items, the decision.

A gate decides each item once its own wait (a meeting, a review, a check) is over: approved items
follow ``next``; rejected ones go back to ``on_reject`` (rework) or are dropped. The decision draws
from the item's own random stream, so common random numbers hold per item.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Discriminator, Field, Tag

from .by_priority import ApproveByPriority
from .by_priority import shape as by_priority_shape
from ..kernel.events import DROP_ID, Item
from ..kernel.recorder import APPROVED, ITEM_REJECTED, REJECTED
from ..errors import ScenarioError, unknown
from ..fields import DROP, FrozenModel, Name, Probability
from .base import Flow, StepKind, StepPlanView, StepRun, StepView


class GateSettings(FrozenModel):
    approve: Annotated[Union[Annotated[Probability, Tag("<plain>")], Annotated[ApproveByPriority, Tag("<by priority>")]],
                       Discriminator(by_priority_shape)] = Field(
        1.0, description="Probability an item is approved, or per priority {by: priority, P1: 1.0, other: 0.9}.")
    on_reject: Name = Field(DROP, description="Step a rejected item returns to (rework), or 'drop'.")


class GateKind(StepKind):
    """Shared rules of the gate kinds (cab, approver, auto): settings under ``gate:``."""

    field = "gate"

    def diversions(self, step: StepView) -> dict[str, float]:
        """Where rejected items go, with the rejection share. An approval table by priority not yet
        resolved (Stream.for_priority) gives its largest share: enough for callers that only need the
        targets; the traffic equations resolve the step per priority first."""
        gate = step.gate
        approve = min(gate.approve.cases.values()) if isinstance(gate.approve, ApproveByPriority) else gate.approve
        return {gate.on_reject: 1.0 - approve} if approve < 1 else {}

    def check(self, step: StepView, path: str, steps: list[str], teams: list[str]) -> None:
        gate = step.gate
        if gate.on_reject != DROP and gate.on_reject not in steps:
            raise ScenarioError(unknown("step", gate.on_reject, steps + [DROP]), path=f"{path}.gate.on_reject")

    def compile(self, step: StepView, local: dict[str, int], team_ids: dict[str, int]) -> tuple[Any, ...]:
        """(approve, position of ``on_reject`` or DROP_ID), then what the gate kind adds."""
        gate = step.gate
        return (gate.approve, DROP_ID if gate.on_reject == DROP else local[gate.on_reject])


class GateRun(StepRun):
    """Run-time of a gate: decide, then route, rework or drop."""

    __slots__ = ("approve", "reject_to", "decide_u", "approve_by_rank", "approve_key")

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        super().__init__(plan, demand_type, flow)
        approve, self.reject_to = plan.spec[0], plan.spec[1]
        self.approve_by_rank = self.approve_key = None
        if isinstance(approve, ApproveByPriority):  # per priority or attribute; items without one take ``other``
            key, labels = self.table_key(approve.by, demand_type)
            if key is not None:
                self.approve_key, self.approve_by_rank = key, [approve.for_priority(label) for label in labels]
                approve = None  # decided per item, always with a draw
            else:
                approve = approve.for_priority(None)
        self.approve = approve
        self.decide_u = self.uniforms("decision") if approve is None or 0 < approve < 1 else None

    def decide(self, item: Item, now: float, automated: bool) -> None:
        """The gate's decision: approved items follow the route, rejected ones rework or drop."""
        if self.approve_by_rank is not None:
            approved = self.decide_u(item) < self.approve_by_rank[self.approve_key(item)]
        else:
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
