"""Callers who give up: a work step's ``patience`` and ``on_abandon`` (their schema and their run-time).

An item waiting in the step's queue (not yet started) longer than its patience leaves the queue as an
escalation does (``TeamPool.take_back``), with another exit: its step is recorded ``abandoned`` and it
leaves the stream with outcome ``abandoned``; or, with ``on_abandon``, with probability ``retry`` it rings
back ``after`` later and joins the same queue again with a fresh patience (at most MAX_ABANDON_RETRIES
times per visit of the step). Patience counts elapsed time, not working hours.

Tie rule: a patience running out at the instant a person frees up comes after every other event of
that instant (priority ``GIVE_UP``, as the closing rule's), so the caller is served, not lost.
Random numbers: patience, the decision to ring back and the time before ringing back each come from
the step's own named streams, per item and attempt (``patience``, ``patience.1``, ...; ``ring_back.n``,
``ring_back_after.n``), so giving one step patience shifts no other draw (common random numbers).
PERF: only steps with patience are built on this class (WorkKind.run); others pay nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field
from simpy.events import NORMAL

from ..fields import Dist, FrozenModel, Probability
from ..kernel.events import Item, Wake
from ..kernel.recorder import ABANDONED, ITEM_ABANDONED
from ..limits import MAX_ABANDON_RETRIES
from .base import Flow, ItemDraw, StepPlanView
from .work import WorkKind, WorkRun, _Record

#: ``patience: none``: this step has no patience (even when its demand type gives one).
NO_PATIENCE = "none"
#: A patience: a duration or distribution (``exponential(mean=5min)``), or ``none``.
PatienceField = Annotated[Union[Literal["none"], Dist], Field(union_mode="left_to_right")]
#: A patience's priority at its instant: after every event due then (simpy's NORMAL is 1), as the closing rule's.
GIVE_UP = NORMAL + 1


class OnAbandon(FrozenModel):
    """What a caller who gave up does: with probability ``retry`` they ring back ``after`` later and join the
    same queue again (with a fresh patience); otherwise they leave, abandoned."""

    retry: Probability = Field(description="Probability that a caller who gave up rings back.")
    after: Dist = Field(description="Time from giving up to ringing back, e.g. exponential(mean=10min).")


#: A step's compiled patience for one demand type: (patience, ring-back probability, time before ringing back).
PatienceSpec = tuple[Any, float, Any]


def resolve(own: Any, own_on_abandon: OnAbandon | None, default: Any,
            default_on_abandon: OnAbandon | None) -> tuple[Any, OnAbandon | None, str]:
    """(patience or None, on_abandon or None, where the patience was set: 'step', 'type' or '') from a step's
    own fields and its demand type's defaults: the step's value wins; ``none`` turns the default off."""
    if own == NO_PATIENCE:
        return None, None, ""
    on_abandon = own_on_abandon if own_on_abandon is not None else default_on_abandon
    if own is not None:
        return own, on_abandon, "step"
    if default is None or default == NO_PATIENCE:
        return None, None, ""
    return default, on_abandon, "type"


class AbandoningWorkRun(WorkRun):
    """A work step with patience: a queued item gives up when its patience runs out (see the module)."""

    __slots__ = ("patience", "retry", "after", "on_give_up", "on_ring_back", "abandoned", "_patience", "_ring",
                 "_after")

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow, spec: PatienceSpec) -> None:
        super().__init__(plan, demand_type, flow)
        self.patience, self.retry, self.after = spec
        self.on_give_up, self.on_ring_back = (self.give_up,), (self.ring_back,)
        self.abandoned = _Record(plan, False)  # an abandoned attempt never realises value
        self._patience: list[ItemDraw] = []
        self._ring: list[ItemDraw] = []
        self._after: list[ItemDraw] = []

    def _nth(self, draws: list[ItemDraw], attempt: int, make: Any) -> ItemDraw:
        """The per-item draws of attempt ``attempt`` (built when first needed: most items never retry)."""
        while len(draws) <= attempt:
            draws.append(make(len(draws)))
        return draws[attempt]

    def enter(self, item: Item, now: float) -> None:
        item.attempt = 0
        self.rejoin(item, now)

    def rejoin(self, item: Item, now: float) -> None:
        """Queue ``item`` (or start it) and, while it waits, let its patience run."""
        super().enter(item, now)
        if item.started < 0:
            patience = self._nth(self._patience, item.attempt,
                                 lambda n: self.draws(self.patience, "patience" if n == 0 else f"patience.{n}"))(item)
            item.awaiting = wake = Wake(self.on_give_up, item)
            self.schedule(wake, GIVE_UP, patience)

    def give_up(self, event: Wake) -> None:
        """Patience ran out: unless started (or closed, or on another visit), leave the queue; ring back later
        or leave the stream abandoned."""
        item = event.item
        if item.awaiting is not event or item.started >= 0 or item.closed:
            return
        item.awaiting = None
        if self.team.take_back(item) is None:
            return
        flow = self.flow
        now = flow.env._now
        item.started = now
        flow.done_step(item, self.abandoned, now, ABANDONED, False, 0.0)
        attempt = item.attempt
        if self.retry and attempt < MAX_ABANDON_RETRIES and self._nth(
                self._ring, attempt, lambda n: self.uniforms(f"ring_back.{n}"))(item) < self.retry:
            delay = self._nth(self._after, attempt, lambda n: self.draws(self.after, f"ring_back_after.{n}"))(item)
            item.attempt = attempt + 1
            item.queued, item.started = now, -1.0  # the time before ringing back counts as waiting in this step
            item.awaiting = wake = Wake(self.on_ring_back, item)
            self.schedule(wake, NORMAL, delay)
        else:
            flow.complete(item, ITEM_ABANDONED)

    def ring_back(self, event: Wake) -> None:
        """A caller who gave up rings back: they join the step's queue again (the step as it is now)."""
        item = event.item
        if item.awaiting is not event or item.closed:
            return
        item.awaiting = None
        item.paused = 0.0
        run = item.runs[item.step]
        getattr(run, "rejoin", run.enter)(item, self.flow.env._now)


class PatientWorkKind(WorkKind):
    """Team work whose callers may give up: a step with a patience for the demand type (``StepPlan.patience``)
    runs on AbandoningWorkRun; every other on WorkKind's runs (the registry holds this kind as ``work``)."""

    def run(self, plan: StepPlanView, demand_type: str, flow: Flow) -> WorkRun:
        for kind, spec in plan.patience:
            if kind == demand_type:
                return AbandoningWorkRun(plan, demand_type, flow, spec)
        return super().run(plan, demand_type, flow)
