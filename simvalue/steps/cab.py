"""A change advisory board: items wait for the next meeting, where the board decides them.

YAML: ``gate: {kind: cab, meets: 1w, first: 2d, capacity: 20, approve: 0.9, on_reject: assess}``.
Meetings come every ``meets`` from ``first`` (default: one interval in), whatever the demand; a
meeting decides every waiting item, or the first ``capacity`` by priority then arrival. No team is
held. With a capacity, the offered load is rate x visits x meets items per meeting, against it.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Literal

from pydantic import Field
from simpy.events import NORMAL

from ..kernel.events import Item, Wake
from ..fields import Capacity, Duration, PositiveDuration
from ..readable import duration
from .base import Flow, StepPlanView, StepView
from .by_priority import ApproveByPriority
from .gate import GateKind, GateRun, GateSettings


class CabGate(GateSettings):
    """A change advisory board: items wait for the next meeting, then are decided."""

    kind: Literal["cab"]
    meets: PositiveDuration = Field(description="Interval between meetings, e.g. '1w'.")
    first: Duration | None = Field(None, description="Time of the first meeting (default: one interval in).")
    capacity: Capacity | None = Field(None, description="Most items decided per meeting (default: all).")


class CabKind(GateKind):
    name = "cab"
    schema = CabGate

    def describe(self, step: StepView) -> tuple[str, str]:
        return "cab gate", f"meets every {duration(step.gate.meets, space=' ')}"

    def batch(self, step: StepView) -> tuple[float, int] | None:
        """(interval, items per meeting) when meetings are capacity-limited (for the load check)."""
        gate = step.gate
        return (gate.meets, gate.capacity) if gate.capacity is not None else None

    def events_per_hour(self, step: StepView) -> float:
        """Meetings per hour: events the run needs whatever the demand (for the work budget)."""
        return 1.0 / step.gate.meets

    def compile(self, step: StepView, local: dict[str, int],
                team_ids: dict[str, int]) -> tuple[float | ApproveByPriority, int, float, float, int]:
        gate = step.gate
        first = gate.first if gate.first is not None else gate.meets
        return (*super().compile(step, local, team_ids), gate.meets, first, gate.capacity or 0)

    def run(self, plan: StepPlanView, demand_type: str, flow: Flow) -> CabRun:
        return CabRun(plan, demand_type, flow)


class Board:
    """The items waiting for one board's next meeting (shared by every demand type using the step)."""

    __slots__ = ("queue", "seq", "meets", "capacity", "flow", "on_meeting")

    def __init__(self, meets: float, capacity: int, flow: Flow) -> None:
        self.queue: list[tuple[int, int, Item]] = []  # (rank, arrival order, item): a heap
        self.seq, self.meets, self.capacity, self.flow = 0, meets, capacity, flow
        self.on_meeting = (self.meet,)

    def start(self, first: float) -> None:
        self.flow.schedule(Wake(self.on_meeting, self), NORMAL, first)

    def meet(self, event: Wake) -> None:
        """Decide the waiting items (up to the capacity) and schedule the next meeting."""
        now = self.flow.env._now
        decided: list[Item] = []
        while self.queue and (self.capacity == 0 or len(decided) < self.capacity):
            item = heappop(self.queue)[2]
            if not item.closed:  # closed by a closing rule while it waited for the meeting
                decided.append(item)
        for item in decided:
            item.started = now
            item.runs[item.step].decide(item, now, False)
        self.flow.schedule(Wake(self.on_meeting, self), NORMAL, self.meets)


class CabRun(GateRun):
    __slots__ = ("board",)

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        super().__init__(plan, demand_type, flow)
        _, _, meets, first, capacity = plan.spec
        self.board, created = flow.shared(("cab", plan.id), lambda: Board(meets, capacity, flow))
        if created:
            flow.at_start(plan.id, lambda: self.board.start(first))
        else:  # a change over time: the board keeps its next meeting, then meets at the new interval
            self.board.meets, self.board.capacity = meets, capacity

    def enter(self, item: Item, now: float) -> None:
        board = self.board
        board.seq += 1
        heappush(board.queue, (item.rank, board.seq, item))
