"""Team work: a team member works the item for its effort; a share of executions may be automated.

YAML: a step with ``team`` and ``effort`` (and optionally ``automation: {share, effort}``). The
offered load is rate x visits x (1 - automation share) x mean effort. Automated executions hold no
team and take the automation's effort. The effort is drawn for every execution (automated or not)
so that common random numbers hold when a variant changes the automation share.
"""

from __future__ import annotations

from simpy.events import NORMAL

from pydantic import Field, model_validator

from ..distributions import Distribution
from ..kernel.events import Item, Wake, cancel
from ..kernel.recorder import COMPLETED
from ..fields import Dist, FrozenModel, Name, PositiveDuration, Probability
from .. import readable
from .base import Flow, StepKind, StepPlanView, StepRun, StepView, TeamView
from .by_priority import EffortByPriority

#: A compiled work step: (effort, automation share, automated effort, escalation as (after, priority label,
#: team id)); None for no automation effort or no escalation.
WorkSpec = tuple[Distribution | EffortByPriority, float, Distribution | None,
                 tuple[float, str | None, int | None] | None]


class Automation(FrozenModel):
    """A ``share`` of this step's executions run automated: ``effort`` long, holding no team."""

    share: Probability
    effort: Dist


class Escalation(FrozenModel):
    """An item waiting ``after`` in this step's queue (not yet started) is escalated: raised to
    ``priority`` (it moves up the queue and keeps that priority for the rest of its way: routing,
    efforts, SLA), or moved to ``team`` (it joins that team's queue for this step's work)."""

    after: PositiveDuration = Field(description="How long an item may wait in the queue before escalation.")
    priority: Name | None = Field(None, description="The priority it is raised to, e.g. P1 (never lowered).")
    team: Name | None = Field(None, description="The team the waiting work moves to, e.g. tier2.")

    @model_validator(mode="after")
    def _one_target(self) -> "Escalation":
        if (self.priority is None) == (self.team is None):
            raise ValueError("give either 'priority' (raise it) or 'team' (move the work), not both and not neither")
        return self


class Overflow(FrozenModel):
    """An item arriving at this step when its team has nobody free and ``when_queue_over`` items already
    waiting goes to ``to``'s queue instead (it keeps its step and effort; a handoff), unless that team is
    as full (nobody free and at least as many waiting): then it stays."""

    to: Name = Field(description="The team whose queue takes the overflow, e.g. tier2.")
    when_queue_over: int = Field(ge=0, le=1_000_000, description="Items already waiting in the step's team's "
                                 "queue from which an arriving item overflows (0: whenever nobody is free).")


class WorkKind(StepKind):
    name = "work"
    holds_team = True

    def team(self, step: StepView) -> str | None:
        return step.team if step.team is None or isinstance(step.team, str) else step.team[0]

    def teams(self, step: StepView) -> list[str]:
        return [] if step.team is None else [step.team] if isinstance(step.team, str) else list(step.team)

    def describe(self, step: StepView) -> tuple[str, str]:
        automated = f"; {readable.share(step.automation.share)} automated" if step.automation else ""
        return " or ".join(self.teams(step)), f"{step.effort}{automated}"

    def compile(self, step: StepView, local: dict[str, int], team_ids: dict[str, int]) -> WorkSpec:
        automation, escalation = step.automation, step.escalate
        return (step.effort, automation.share if automation else 0.0, automation.effort if automation else None,
                (escalation.after, escalation.priority, None if escalation.team is None else team_ids[escalation.team])
                if escalation is not None else None)

    def team_hours(self, step: StepView) -> float:
        manual = 1.0 - (step.automation.share if step.automation is not None else 0.0)
        if hasattr(step.effort, "cases"):
            raise TypeError("team_hours needs a step resolved for one priority (Stream.for_priority)")
        return manual * step.effort.mean

    def run(self, plan: StepPlanView, demand_type: str, flow: Flow) -> WorkRun:
        # PERF: only steps that escalate pay for it (a subclass chosen here).
        if plan.alternates:
            return SharedWorkRun(plan, demand_type, flow)
        if plan.overflow:
            return OverflowWorkRun(plan, demand_type, flow)
        return (EscalatingWorkRun if plan.spec[3] is not None else WorkRun)(plan, demand_type, flow)


class WorkRun(StepRun):
    """Draw the effort; run automated (share) or queue for the team."""

    __slots__ = ("effort", "share", "automation_u", "automated_effort", "on_finish", "on_automated", "schedule")

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        super().__init__(plan, demand_type, flow)
        effort, share, automated_effort, _ = plan.spec
        self.effort = (self.draws_by(effort, demand_type, "effort") if hasattr(effort, "cases") else
                       self.draws(effort, "effort"))
        self.share = share
        self.automation_u = self.uniforms("automation") if share > 0 else None
        self.automated_effort = self.draws(automated_effort, "automated_effort") if share > 0 else None
        self.on_finish, self.on_automated = (self.finish,), (self.finish_automated,)
        self.schedule = flow.schedule

    def enter(self, item: Item, now: float) -> None:
        effort = self.effort(item)
        if self.share and self.automation_u(item) < self.share:
            item.started, item.automating = now, True
            item.pending = wake = Wake(self.on_automated, item)
            self.schedule(wake, NORMAL, self.automated_effort(item))
        else:
            self.team.request(item, effort, self.on_finish)

    def finish(self, event: Wake) -> None:
        """A team member finished: free them (the next item starts), then route the item."""
        item = event.item
        self.team.release(item)
        self.flow.leave(item, self, self.team_id)

    def finish_automated(self, event: Wake) -> None:
        item = event.item
        item.automated += 1
        item.automating = False
        flow = self.flow
        now = flow.env._now
        flow.done_step(item, self, now, COMPLETED, True, now - item.started)
        flow.route(item, self)


class PassedOnRun(WorkRun):
    """A work step whose waiting work may pass to another team (an escalation to a team, an overflow): the other
    team's execution is recorded under the step's hidden copy for that team (``record``); ``moved`` holds the
    items passed on. The two rules share how that work ends and how it is withdrawn."""

    __slots__ = ("other", "other_id", "record", "on_finish_other", "moved")

    def finish_other(self, event: Wake) -> None:
        """The other team finished work passed to it: free its person, record it under its team, route."""
        item = event.item
        self.other.release(item)
        self.moved.discard(item.id)
        flow = self.flow
        flow.handoff(item, self.other_id)
        now = flow.env._now
        flow.done_step(item, self.record, now, COMPLETED, False, now - item.started - item.paused)
        flow.route(item, self)

    def withdraw(self, item: Item) -> None:
        if item.id in self.moved:
            self.moved.discard(item.id)
            if item.pending is not None:
                cancel(item.pending)
            if item.started >= 0:
                self.other.drop(item)
            return
        super().withdraw(item)


class EscalatingWorkRun(PassedOnRun):
    """A work step with ``escalate``: when an item has waited ``after`` in the team's queue without
    being started, its priority is raised (never lowered) and it moves up the queue. It does not
    interrupt work in hand, even on a preempting team; it takes its place as if it had queued with
    that priority, in the order it joined."""

    __slots__ = ("after", "rank", "on_escalate")

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        super().__init__(plan, demand_type, flow)
        after, label, team_id = plan.spec[3]
        self.after = after
        self.rank = list(flow.plan.priorities).index(label) if label is not None else -1
        self.other = flow.teams[team_id] if team_id is not None else None
        self.other_id = team_id if team_id is not None else -1
        # an execution by the other team is recorded under the step's hidden copy for that team
        self.record = (_Record(flow.plan.steps[plan.escalation_copy], plan.realises_value)
                       if team_id is not None else None)
        self.on_escalate, self.on_finish_other = (self.escalate,), (self.finish_other,)
        self.moved: set[int] = set()

    def enter(self, item: Item, now: float) -> None:
        super().enter(item, now)
        if item.started < 0 and (self.other is not None or item.rank > self.rank):  # queued, and escalable
            self.schedule(Wake(self.on_escalate, (item, now)), NORMAL, self.after)

    def escalate(self, event: Wake) -> None:
        item, since = event.item
        if item.closed or item.started >= 0 or item.queued != since or item.runs[item.step] is not self:
            return  # started, moved on or closed
        if self.other is None:
            if item.rank > self.rank:
                item.rank = self.rank
                self.team.requeue(item)
            return
        entry = self.team.take_back(item)
        if entry is not None:
            self.moved.add(item.id)
            self.other.request(item, entry[3], self.on_finish_other)


class _Record:
    """What ``done_step`` needs to record a step execution under another plan (an alternate team's)."""

    __slots__ = ("plan", "realises_value")

    def __init__(self, plan: StepPlanView, realises_value: bool) -> None:
        self.plan, self.realises_value = plan, realises_value


class SharedWorkRun(WorkRun):
    """A work step several teams may do (``team: [a, b]``, shared staff): an item goes to the first
    team, in the order listed, with a person free; when none is, to the team whose queue is shortest
    for its people (join the shortest queue), and waits there. Each execution is recorded under its
    team (an alternate team's hidden copy of the step), so team load and handoffs stay right."""

    __slots__ = ("pools", "records", "finishes", "team_ids", "where")

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        super().__init__(plan, demand_type, flow)
        alternates = [flow.plan.steps[i] for i in plan.alternates]
        self.pools: list[TeamView] = [self.team] + [flow.teams[a.team] for a in alternates]
        self.team_ids = [plan.team] + [a.team for a in alternates]
        self.records = [self] + [_Record(a, plan.realises_value) for a in alternates]
        self.finishes = [(lambda event, k=k: self._finish(event, k),) for k in range(len(self.pools))]
        self.where: dict[int, int] = {}

    def enter(self, item: Item, now: float) -> None:
        pools = self.pools
        k = next((i for i, pool in enumerate(pools) if pool.free()), None)
        if k is None:
            k = min(range(len(pools)), key=lambda i: (len(pools[i].queue) + 1) / max(pools[i].capacity, 1e-9))
        self.team, self.on_finish = pools[k], self.finishes[k]   # the team WorkRun.enter asks (or automation)
        super().enter(item, now)
        if not item.automating:
            self.where[item.id] = k

    def _finish(self, event: Wake, k: int) -> None:
        item = event.item
        self.pools[k].release(item)
        self.where.pop(item.id, None)
        flow = self.flow
        flow.handoff(item, self.team_ids[k])
        now = flow.env._now
        flow.done_step(item, self.records[k], now, COMPLETED, False, now - item.started - item.paused)
        flow.route(item, self)

    def withdraw(self, item: Item) -> None:
        k = self.where.pop(item.id, 0)
        if item.pending is not None:
            cancel(item.pending)
        if item.started >= 0 and not item.automating:
            self.pools[k].drop(item)



class OverflowWorkRun(PassedOnRun):
    """A work step with ``overflow``: an arriving item whose team has nobody free and ``limit`` items waiting
    joins the other team's queue instead (unless that team is as full), for this step's effort; the other
    team's execution is recorded under the step's hidden copy for it, as an escalation to a team is. PERF: a
    subclass, so steps without the rule pay nothing."""

    __slots__ = ("limit",)

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        super().__init__(plan, demand_type, flow)
        self.limit, self.other_id, copy = plan.overflow
        self.other = flow.teams[self.other_id]
        self.record = _Record(flow.plan.steps[copy], plan.realises_value)
        self.on_finish_other = (self.finish_other,)
        self.moved: set[int] = set()

    def enter(self, item: Item, now: float) -> None:
        team, other = self.team, self.other
        if team.free() or len(team.queue) < self.limit or (not other.free() and len(other.queue) >= self.limit):
            super().enter(item, now)
            return
        effort = self.effort(item)  # the same draws, in the same order, as WorkRun.enter
        if self.share and self.automation_u(item) < self.share:
            item.started, item.automating = now, True
            item.pending = wake = Wake(self.on_automated, item)
            self.schedule(wake, NORMAL, self.automated_effort(item))
            return
        self.flow.handoff(item, self.team_id)  # assigned to the step's team, then passed on: a handoff
        self.moved.add(item.id)
        other.request(item, effort, self.on_finish_other)
