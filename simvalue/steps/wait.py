"""Waiting on others: a customer, a vendor, a change window. Time passes; no team works.

YAML: ``wait: {delay: "exponential(mean=1d)", reason: customer, timeout: 7d, on_timeout: done}``.
With ``clock: business_hours, calendar: TEAM`` the delay counts only the working hours of that team's
calendar (the others work office hours: 2 h from Friday 16:00 on 09:00-17:00 ends Monday 10:00);
the standstill outside them is reported as off-hours time, the rest as waiting on others.
The time counts as waiting (never work, never automation) and is reported per ``reason``; an SLA
clock may pause on it (``sla: {incident: {target: 16h, pause_on: [customer]}}``). With a
``timeout`` the wait ends at the timeout when the reply would come then or later, and the item goes to
``on_timeout`` (a step of the stream, or ``done``: the auto-close of a ticket on hold).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal, NamedTuple, Union

import numpy as np
from pydantic import Discriminator, Field, Tag, model_validator
from simpy.events import NORMAL

from .by_priority import EffortByPriority
from .by_priority import shape as by_priority_shape
from ..distributions import Distribution
from ..rng import fixed
from ..kernel.events import DONE_ID, Item, Wake
from ..kernel.recorder import COMPLETED, ITEM_DONE, TIMED_OUT
from ..errors import ScenarioError, unknown
from ..readable import duration
from ..fields import DONE, Dist, FrozenModel, Name, PositiveDuration
from .base import Flow, StepKind, StepPlanView, StepRun, StepView

#: Draws used to estimate the probability of a timeout for the traffic equations (seeded: exact
#: repeatability; the estimate's standard error is below 0.2 percentage points).
TIMEOUT_SAMPLE = 65_536


class WaitSettings(FrozenModel):
    """A wait on others: a delay with a reason, optionally ended by a timeout."""

    delay: Annotated[Union[Annotated[Dist, Tag("<plain>")], Annotated[EffortByPriority, Tag("<by priority>")]],
                     Discriminator(by_priority_shape)] = Field(
        description="How long the others take, e.g. 'exponential(mean=1d)', or per priority "
                    "{by: priority, P1: 2h, other: 1d}.")
    reason: Name = Field(description="Who or what is waited for: customer, vendor, change_window...")
    timeout: PositiveDuration | None = Field(None, description="Longest wait; then the item goes to on_timeout.")
    on_timeout: Name | None = Field(None, description="Step (or 'done') an item goes to when the wait times out.")
    clock: Literal["elapsed", "business_hours"] = Field(
        "elapsed", description="elapsed: the delay runs around the clock; business_hours: only in the working "
                               "hours of `calendar`'s team (the timeout stays on the clock).")
    calendar: Name | None = Field(None, description="The team whose working hours a business_hours delay counts.")

    @model_validator(mode="after")
    def _clock_has_calendar(self) -> "WaitSettings":
        if self.clock == "business_hours" and self.calendar is None:
            raise ValueError("clock: business_hours needs calendar: the team whose working hours the delay counts")
        if self.clock == "elapsed" and self.calendar is not None:
            raise ValueError("calendar is only read with clock: business_hours")
        return self

    @model_validator(mode="after")
    def _timeout_has_target(self) -> "WaitSettings":
        if self.timeout is not None and self.on_timeout is None:
            raise ValueError("a timeout needs on_timeout: the step (or 'done') a timed-out item goes to")
        if self.on_timeout is not None and self.timeout is None:
            raise ValueError("on_timeout needs a timeout (e.g. timeout: 7d)")
        return self


@lru_cache(maxsize=4096)
def timeout_probability(delay: Distribution, timeout: float | None) -> float:
    """P(delay >= timeout): exact for a fixed delay, else from a seeded sample (cached: the checks
    of every change over time and every sweep point ask again)."""
    if timeout is None:
        return 0.0
    if delay.is_fixed:
        return float(delay.mean >= timeout)
    sample = delay.sample(fixed(0), TIMEOUT_SAMPLE)
    return float(np.mean(sample >= timeout))


class WaitKind(StepKind):
    name = "wait"
    field = "wait"
    schema = WaitSettings

    def diversions(self, step: StepView) -> dict[str, float]:
        """Where timed-out items go, with the timeout's probability. A delay table by priority not yet
        resolved (Stream.for_priority) gives its largest probability: enough for callers that only need
        the targets; the traffic equations resolve the step per priority first."""
        wait = step.wait
        delays = wait.delay.cases.values() if isinstance(wait.delay, EffortByPriority) else [wait.delay]
        p = max(timeout_probability(delay, wait.timeout) for delay in delays)
        return {wait.on_timeout: p} if p > 0 else {}

    def check(self, step: StepView, path: str, steps: list[str], teams: list[str]) -> None:
        target = step.wait.on_timeout
        if target is not None and target != DONE and target not in steps:
            raise ScenarioError(unknown("step", target, steps + [DONE]), path=f"{path}.wait.on_timeout")
        if step.wait.calendar is not None and step.wait.calendar not in teams:
            raise ScenarioError(unknown("team", step.wait.calendar, teams), path=f"{path}.wait.calendar")

    def describe(self, step: StepView) -> tuple[str, str]:
        wait = step.wait
        timeout = (f"; timeout {duration(wait.timeout, space=' ')} -> {wait.on_timeout}" if wait.timeout is not None
                   else "")
        hours = f" working hours of {wait.calendar}" if wait.calendar is not None else ""
        return f"waits on {wait.reason}", f"{wait.delay}{hours}{timeout}"

    def compile(self, step: StepView, local: dict[str, int], team_ids: dict[str, int]) -> WaitSpec:
        wait = step.wait
        target = None if wait.on_timeout is None else DONE_ID if wait.on_timeout == DONE else local[wait.on_timeout]
        calendar = -1 if wait.calendar is None else team_ids[wait.calendar]
        return WaitSpec(wait.delay, wait.reason, wait.timeout, target, calendar)

    def run(self, plan: StepPlanView, demand_type: str, flow: Flow) -> WaitRun:
        # PERF: only a wait whose reason pauses the SLA of a type some sla_first queue orders keeps that time.
        for demand, (_, clock, reasons) in zip(flow.plan.demands, flow.plan.sla_deadlines):
            if demand.type == demand_type and plan.spec.reason in reasons:
                return SlaPausingWaitRun(plan, demand_type, flow, clock)
        return WaitRun(plan, demand_type, flow)


class WaitSpec(NamedTuple):
    """A compiled wait step: ``target`` is the timeout's step position (or ``DONE_ID``)."""

    delay: Distribution
    reason: str
    timeout: float | None
    target: int | None
    calendar: int = -1  # the team whose working hours the delay counts (-1: around the clock)


class WaitRun(StepRun):
    """Schedule the end of the wait: the reply, or the timeout if it comes first."""

    __slots__ = ("delay", "timeout", "timeout_target", "on_reply", "on_timeout", "schedule", "hours")

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        super().__init__(plan, demand_type, flow)
        delay, _, self.timeout, self.timeout_target, calendar = plan.spec
        self.hours = flow.plan.schedules[calendar] if calendar >= 0 else None  # None: the clock runs always
        self.delay = (self.draws_by(delay, demand_type, "delay") if isinstance(delay, EffortByPriority) else
                      self.draws(delay, "delay"))
        self.on_reply, self.on_timeout = (self.reply,), (self.time_out,)
        self.schedule = flow.schedule

    def enter(self, item: Item, now: float) -> None:
        item.started = now  # nobody is waited for in a queue: the whole time is a wait on others
        delay = self.delay(item)
        if self.hours is not None:  # working hours only: the clock stands still off duty
            delay = self.hours.add_working_hours(now, delay) - now
        if self.timeout is not None and delay >= self.timeout:
            item.pending = wake = Wake(self.on_timeout, item)
            self.schedule(wake, NORMAL, self.timeout)
        else:
            item.pending = wake = Wake(self.on_reply, item)
            self.schedule(wake, NORMAL, delay)

    def _end(self, item: Item, outcome: int) -> float:
        now = self.flow.env._now
        if self.hours is not None:  # the standstill off duty is the step's paused time: off-hours, not others
            item.paused = now - item.started - self.hours.working_hours(item.started, now)
        if item.value_time < 0:
            item.others += now - item.started - item.paused
        self.flow.done_step(item, self, now, outcome, False, 0.0)
        return now

    def reply(self, event: Wake) -> None:
        item = event.item
        self._end(item, COMPLETED)
        self.flow.route(item, self)

    def time_out(self, event: Wake) -> None:
        item = event.item
        self._end(item, TIMED_OUT)
        if self.timeout_target == DONE_ID:
            self.flow.complete(item, ITEM_DONE)
        else:
            self.flow.enter(item, self.timeout_target)

    def withdraw(self, item: Item) -> None:
        """Closed while waiting: the wait so far was a wait on others."""
        super().withdraw(item)
        if item.value_time < 0:
            item.others += self.flow.env._now - item.started

    def in_progress(self, item: Item) -> tuple[float, bool]:
        return 0.0, False


class SlaPausingWaitRun(WaitRun):
    """A wait whose reason stops its type's SLA clock, in a model with a ``queue: sla_first``: the item keeps
    the time it stood here on that clock (``sla_paused``), which moves its breach later (engine/rules.py)."""

    __slots__ = ("clock",)

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow, clock) -> None:
        super().__init__(plan, demand_type, flow)
        self.clock = clock  # the business-hours clock, or None for elapsed time

    def _end(self, item: Item, outcome: int) -> float:
        if item.value_time < 0:  # as the reported SLA: pauses after value do not count
            now, since = self.flow.env._now, item.started
            item.sla_paused += now - since if self.clock is None else self.clock.working_hours(since, now)
        return super()._end(item, outcome)
