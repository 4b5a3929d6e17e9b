"""A release train: items wait for the next release and are deployed together, as one batch.

YAML: ``release: {every: 2w, first: 3d, when_ready: 10, team: release_mgmt, effort: 2h, per_item: 10min,
fail: 0.05, on_fail: build, freeze: [{from: "2026-12-18", to: "2027-01-04"}, {fri: "12:00-24:00"}]}``.
A release departs on a timetable (``every``, the first at ``first``, default one interval in; the
timetable never shifts), as soon as ``when_ready`` items wait, or whichever comes first; it takes every
item waiting (no cap) and none at all is no release. One person of ``team`` deploys the batch for
``effort`` + the items' ``per_item`` efforts (without a team the deployment is an automated pipeline:
no one is held, the time counts as automated work). Then, with probability ``fail``, the batch fails
as a whole: every item is rolled back to ``on_fail`` (rework; the step's outcome ``rejected``); else all
go on together. A release due in a ``freeze`` waits for its end, then takes every item waiting; the
timetable goes on as before (skipped departures are not made up). Offered load on the team: releases
per hour x mean ``effort`` + items per hour x mean ``per_item`` (theory.releases_per_hour).
"""

from __future__ import annotations

from itertools import count
from typing import Annotated, NamedTuple

from pydantic import Field, PlainSerializer, PlainValidator, WithJsonSchema, model_validator
from simpy.events import NORMAL

from ..calendars.freeze import Freeze, FreezeClock
from ..distributions import Distribution, fixed
from ..errors import ScenarioError, unknown
from ..fields import Dist, Duration, FrozenModel, Name, PositiveDuration, Probability, count as whole
from ..kernel.events import Item, Wake, cancel
from ..kernel.recorder import COMPLETED, REJECTED
from ..kernel.sampling import draws, uniforms
from ..readable import duration, share
from ..rng import stream as rng_stream
from ..theory import releases_per_hour
from .base import Flow, StepKind, StepPlanView, StepRun, StepView

#: A release's departure comes after everything else due at its instant (simpy's NORMAL is 1), so an
#: item reaching the step at the very moment of a release goes with it.
DEPARTURE = NORMAL + 1

FreezeField = Annotated[Freeze, PlainValidator(Freeze.read), PlainSerializer(lambda f: list(f.spelling)),
                        WithJsonSchema({"type": "array", "items": {"type": "object"}, "description":
                                        "Windows with no release: {from: '2026-12-18', to: '2027-01-04'} (whole "
                                        "days) or weekly hours as a calendar, {fri: '12:00-24:00'}."})]


class ReleaseSettings(FrozenModel):
    """A release train: a cadence, a batch size or both; one deployment per batch; may fail as a batch."""

    every: PositiveDuration | None = Field(None, description="Interval between releases, e.g. '2w'.")
    first: Duration | None = Field(None, description="Time of the first release (default: one interval in).")
    when_ready: whole(ge=1) | None = Field(None, description="Release as soon as this many items wait.")
    team: Name | None = Field(None, description="Team one of whose people deploys each batch (default: an "
                                                "automated pipeline, no team held).")
    effort: Dist = Field(fixed(0.0), json_schema_extra={"default": "0h"},
                         description="Deployment effort per batch, whatever its size.")
    per_item: Dist = Field(fixed(0.0), json_schema_extra={"default": "0h"},
                           description="Deployment effort added per item of the batch.")
    fail: Probability = Field(0.0, description="Probability that a batch fails as a whole (rolled back).")
    on_fail: Name | None = Field(None, description="Step every item of a failed batch goes back to (rework).")
    freeze: FreezeField | None = Field(None, description="Change freeze: windows in which no release happens.")

    @model_validator(mode="after")
    def _has_trigger(self) -> "ReleaseSettings":
        if self.every is None and self.when_ready is None:
            raise ValueError("a release needs 'every' (a cadence, e.g. every: 2w), 'when_ready' (a batch size, "
                             "e.g. when_ready: 10) or both (whichever comes first)")
        if self.first is not None and self.every is None:
            raise ValueError("'first' goes with 'every': the time of the first release of the cadence")
        if self.fail > 0 and self.on_fail is None:
            raise ValueError("'fail' needs 'on_fail': the step the items of a failed batch go back to")
        return self


class ReleaseSpec(NamedTuple):
    """A compiled release step: ``on_fail`` is the step position failed items go back to (-1: none)."""

    every: float | None
    first: float
    when_ready: int  # 0: no batch-size trigger
    effort: Distribution
    per_item: Distribution
    fail: float
    on_fail: int
    freeze: Freeze | None


class ReleaseKind(StepKind):
    name = "release"
    field = "release"
    schema = ReleaseSettings
    holds_team = True

    def team(self, step: StepView) -> str | None:
        return step.release.team

    def team_hours(self, step: StepView) -> float:
        """Per item: its own part of the deployment (the batch's part is ``batch_hours``)."""
        return step.release.per_item.mean if step.release.team is not None else 0.0

    def batch_hours(self, step: StepView, rate: float) -> float:
        """Team hours per hour of the batch part: releases per hour (Poisson arrivals at ``rate``) x mean effort."""
        release = step.release
        if release.team is None:
            return 0.0
        return releases_per_hour(rate, release.every, release.when_ready) * release.effort.mean

    def diversions(self, step: StepView) -> dict[str, float]:
        release = step.release
        return {release.on_fail: release.fail} if release.fail > 0 else {}

    def events_per_hour(self, step: StepView) -> float:
        """Departures of the timetable: events the run needs whatever the demand (for the work budget)."""
        return 1.0 / step.release.every if step.release.every is not None else 0.0

    def check(self, step: StepView, path: str, steps: list[str], teams: list[str]) -> None:
        release = step.release
        if release.team is not None and release.team not in teams:
            raise ScenarioError(unknown("team", release.team, teams), path=f"{path}.release.team")
        if release.on_fail is not None and release.on_fail not in steps:
            raise ScenarioError(unknown("step", release.on_fail, steps), path=f"{path}.release.on_fail")

    def describe(self, step: StepView) -> tuple[str, str]:
        release = step.release
        who = f"release train ({release.team})" if release.team is not None else "release train (automated)"
        when = [f"every {duration(release.every, space=' ')}"] if release.every is not None else []
        when += [f"when {release.when_ready} ready"] if release.when_ready is not None else []
        takes = f"{' or '.join(when)}; deploy {release.effort} + {release.per_item} per item"
        takes += f"; fails {share(release.fail)} -> {release.on_fail}" if release.fail > 0 else ""
        return who, takes + ("; with freezes" if release.freeze is not None else "")

    def compile(self, step: StepView, local: dict[str, int], team_ids: dict[str, int]) -> ReleaseSpec:
        r = step.release
        first = r.first if r.first is not None else (r.every or 0.0)
        return ReleaseSpec(r.every, first, r.when_ready or 0, r.effort, r.per_item, r.fail,
                           local[r.on_fail] if r.on_fail is not None else -1, r.freeze)

    def run(self, plan: StepPlanView, demand_type: str, flow: Flow) -> ReleaseRun:
        return ReleaseRun(plan, demand_type, flow)


class Train:
    """The items waiting for one step's next release, and its departures (shared by every demand type).

    A deployment is team work on a stand-in item (``token``: negative id, the batch's best priority),
    so every kind of team pool serves it as it serves any work; at its end each item of the batch is
    recorded with the deployment as its work. One person worked it: the records' surplus (every item
    beyond the first) is told to the recorder as time that was not busy, so utilisation counts it once.
    Batch draws (effort, failure) come in departure order from the step's own streams ("release", stream,
    step, purpose); per-item efforts from each item's own stream, so adding a release shifts no other draw.
    """

    __slots__ = ("spec", "flow", "plan", "team", "waiting", "due", "thawing", "freeze", "effort", "fail_u", "names",
                 "on_tick", "on_thaw", "on_deployed", "tokens", "batches", "holding", "ticking")

    def __init__(self, spec: ReleaseSpec, plan: StepPlanView, flow: Flow) -> None:
        self.flow, self.plan = flow, plan
        self.team = flow.teams[plan.team] if plan.team >= 0 else None
        self.waiting: list[tuple[Item, float]] = []  # (item, its per-item effort), in the order they came
        self.due = self.thawing = False  # a release is due in a freeze; its thaw is scheduled
        self.names = (flow.seed, flow.replication, "release", plan.stream, plan.name)
        self.fail_u = uniforms(rng_stream(*self.names, "fail"))
        self.tokens = flow.shared(("release", "tokens"), lambda: count(1))[0]  # ids -1, -2, ... per replication
        self.batches: dict[int, list[tuple[Item, float]]] = {}  # token id -> its batch, while deployed
        self.holding: dict[int, Item] = {}  # item id -> its batch's token, while deployed
        self.on_tick, self.on_thaw, self.on_deployed = (self.tick,), (self.thaw,), (self.deployed,)
        self.spec: ReleaseSpec | None = None
        self.ticking: bool | None = None  # whether the timetable runs (None: the replication has not started)
        self.retarget(spec)

    def retarget(self, spec: ReleaseSpec) -> None:
        """Settings in force from now on (a change over time keeps the timetable's next departure)."""
        if self.spec is None or spec.effort != self.spec.effort:
            self.effort = draws(spec.effort, rng_stream(*self.names, "effort"))
        self.spec = spec
        self.freeze: FreezeClock | None = spec.freeze.clock(self.flow.plan.start) if spec.freeze else None
        if self.ticking is False and spec.every is not None:  # a cadence given by a change: from now on
            self.ticking = True
            self.flow.schedule(Wake(self.on_tick, self), DEPARTURE, spec.every)

    def start(self) -> None:
        """Schedule the timetable's first departure (none without a cadence)."""
        self.ticking = self.spec.every is not None
        if self.ticking:
            self.flow.schedule(Wake(self.on_tick, self), DEPARTURE, self.spec.first)

    def join(self, item: Item, per_item: float) -> None:
        """``item`` waits for the next release; enough items waiting make one (``when_ready``)."""
        self.waiting.append((item, per_item))
        if self.spec.when_ready and len(self.waiting) >= self.spec.when_ready:
            self.release()

    def tick(self, event: Wake) -> None:
        """A departure of the timetable, then the next one ``every`` later."""
        self.release()
        self.ticking = self.spec.every is not None  # a change may have dropped the cadence
        if self.ticking:
            self.flow.schedule(Wake(self.on_tick, self), DEPARTURE, self.spec.every)

    def release(self) -> None:
        """A release is due now: depart, or in a freeze wait for its end."""
        now = self.flow.env._now
        if self.freeze is not None and self.freeze.frozen(now):
            self.due = True
            if not self.thawing:
                self.thawing = True
                self.flow.schedule(Wake(self.on_thaw, self), DEPARTURE, self.freeze.end_of(now) - now)
            return
        self.depart(now)

    def thaw(self, event: Wake) -> None:
        """A freeze ends: the release due in it departs with every item waiting."""
        self.thawing = False
        if self.due:
            self.due = False
            self.release()

    def depart(self, now: float) -> None:
        """Deploy every item waiting (closed ones skipped), as one batch."""
        batch = [(item, part) for item, part in self.waiting if not item.closed]
        self.waiting = []
        if not batch:
            return
        effort = self.effort() + sum(part for _, part in batch)
        first = batch[0][0]
        rank = min(item.rank for item, _ in batch)
        token = Item(-next(self.tokens), 0, first.demand, rank, now, [first.runs[first.step]])
        token.step, token.queued, token.started, token.paused, token.visit = 0, now, -1.0, 0.0, 0
        self.batches[token.id] = batch
        for item, _ in batch:
            self.holding[item.id] = token
        if self.team is not None:
            self.team.request(token, effort, self.on_deployed)
        else:
            token.started = now
            for item, _ in batch:
                item.automating = True
            token.pending = wake = Wake(self.on_deployed, token)
            self.flow.schedule(wake, NORMAL, effort)

    def deployed(self, event: Wake) -> None:
        """The deployment ends: the batch goes on together, or (``fail``) is rolled back together."""
        token = event.item
        batch = [item for item, _ in self.batches.pop(token.id) if not item.closed]
        for item in batch:
            del self.holding[item.id]
        if self.team is not None:
            self.team.release(token)
        spec, now = self.spec, self.flow.env._now
        failed = spec.fail >= 1 or (spec.fail > 0 and self.fail_u() < spec.fail)
        automated = self.team is None
        runs = [item.runs[item.step] for item in batch]  # each type's own run, seeing its own flow (a spawn's)
        for item, run in zip(batch, runs):
            item.started, item.paused = token.started, token.paused
            if automated:
                item.automating = False
                item.automated += 1
            else:
                run.flow.handoff(item, self.plan.team)
            run.flow.done_step(item, run, now, REJECTED if failed else COMPLETED, automated,
                               now - item.started - item.paused)
        if not automated and len(batch) > 1:  # one person worked it: the other records' span was not busy time
            for _ in range(len(batch) - 1):
                self.flow.recorder.pause(self.plan.id, token.started, now)
        for item, run in zip(batch, runs):
            if failed:
                run.flow.enter(item, spec.on_fail)
            else:
                run.flow.route(item, run)


class ReleaseRun(StepRun):
    """One demand type's side of a release train: its items' per-item efforts; the train is shared."""

    __slots__ = ("train", "per_item")

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        super().__init__(plan, demand_type, flow)
        self.per_item = self.draws(plan.spec.per_item, "per_item")
        self.train, created = flow.shared(("release", plan.id), lambda: Train(plan.spec, plan, flow))
        if created:
            flow.at_start(plan.id, self.train.start)
        else:  # another demand type, or a change over time: the train keeps its waiting items and timetable
            self.train.retarget(plan.spec)

    def enter(self, item: Item, now: float) -> None:
        self.train.join(item, self.per_item(item))

    def withdraw(self, item: Item) -> None:
        """Closed while it waits: skipped at the departure. Closed while its batch is deployed: the deployment
        goes on for the others; when it was the last open item of the batch, the deployment stops (the person
        is freed) and this item's record carries the deployment so far, so the team's busy time keeps it."""
        train = self.train
        token = train.holding.pop(item.id, None)
        if token is None or any(not other.closed for other, _ in train.batches[token.id]):
            return
        del train.batches[token.id]
        token.closed = True  # skipped if still waiting for the deployer
        if token.pending is not None:
            cancel(token.pending)
        if token.started >= 0:
            if train.team is not None:
                train.team.drop(token)
            item.started, item.paused = token.started, token.paused

    def in_progress(self, item: Item) -> tuple[float, bool]:
        """At the drain limit: the first open item of a batch being deployed carries the deployment so far
        (the others' records are empty), so the team's busy time counts it once."""
        train = self.train
        token = train.holding.get(item.id)
        if token is not None and token.started >= 0:
            for other, _ in train.batches.get(token.id, ()):
                train.holding.pop(other.id, None)
            item.started, item.paused = token.started, token.paused
        now = self.flow.env._now
        return (now - item.started - item.paused if item.started >= 0 else 0.0), item.automating
