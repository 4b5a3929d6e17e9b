"""The event loop of one replication: items move through steps as callbacks on simpy's kernel.

No process per item: each step completion, arrival and CAB meeting is one lightweight event
scheduled with ``Environment.schedule``; its callback does the routing. PERF: this is the hot
path measured by benchmarks/engine_throughput.py; state objects use ``__slots__`` and the loop
only appends tuples to buffers (see ``recorder``).
"""

from __future__ import annotations

from bisect import bisect_right
from heapq import heappop, heappush

import simpy
from simpy.events import NORMAL

from ..errors import SimulationError
from ..limits import MAX_STEP_ENTRIES_PER_ITEM
from .arrivals import arrival_gaps
from .plan import APPROVER, AUTO, CAB, DONE_ID, DROP_ID, WORK, Plan, StepPlan
from .recorder import APPROVED, COMPLETED, IN_FLIGHT, IN_PROGRESS, ITEM_DONE, ITEM_REJECTED, REJECTED, Recorder
from .sampling import item_draws, item_uniforms, uniforms
from ..rng import stream as rng_stream

#: Compact the record buffers every 4,096 arrivals (a bit mask: 4096 - 1).
COMPACT_EVERY = 0xFFF


class Wake:
    """A minimal simpy-compatible event carrying one item (or arrival source) to its callbacks.

    PERF: ``callbacks`` is a tuple shared by every event of a kind (simpy only iterates it).
    """

    __slots__ = ("callbacks", "item")
    _ok = True

    def __init__(self, callbacks: tuple, item) -> None:
        self.callbacks = callbacks
        self.item = item


class Item:
    """Run-time state of one work item; accumulates wait and work until value is realised."""

    __slots__ = ("id", "index", "visit", "demand", "rank", "arrived", "runs", "step", "queued", "started", "work", "wait",
                 "handoffs", "reworks", "automated", "last_team", "visited", "value_time", "automating")

    def __init__(self, item_id: int, index: int, demand: int, rank: int, now: float, runs: list) -> None:
        self.id, self.index, self.demand, self.rank, self.arrived, self.runs = item_id, index, demand, rank, now, runs
        self.step = self.handoffs = self.reworks = self.automated = self.visited = self.visit = 0
        self.queued = self.started = now
        self.work = self.wait = 0.0
        self.last_team = -1
        self.value_time = -1.0
        self.automating = False


class TeamState:
    """A team's free capacity and its queue, ordered by priority rank then arrival at the queue."""

    __slots__ = ("capacity", "busy", "queue", "seq")

    def __init__(self, capacity: int) -> None:
        self.capacity, self.busy, self.queue, self.seq = capacity, 0, [], 0


class CabState:
    """Items waiting for the next meeting of one change advisory board."""

    __slots__ = ("queue", "seq", "meets", "capacity")

    def __init__(self, meets: float, capacity: int) -> None:
        self.queue, self.seq, self.meets, self.capacity = [], 0, meets, capacity


class StepRun:
    """One step as one demand type runs it: the static plan plus that type's random streams."""

    __slots__ = ("plan", "kind", "team_id", "team", "cab", "effort", "share", "automation_u", "automated_effort",
                 "targets", "cumulative", "route_u", "approve", "decide_u", "reject_to", "realises_value")

    def __init__(self, step: StepPlan, demand_type: str, seed: int, replication: int,
                 teams: list[TeamState], cabs: dict[int, CabState]) -> None:
        def rng(purpose: str):
            names = (demand_type, step.stream, step.name, purpose)
            return lambda block: rng_stream(seed, replication, *names, block)
        self.plan, self.kind, self.team_id = step, step.kind, step.team
        self.team = teams[step.team] if step.team >= 0 else None
        self.cab = cabs.get(step.id)
        self.effort = item_draws(step.effort, rng("effort")) if step.effort is not None else None
        self.share = step.automation_share
        self.automation_u = item_uniforms(rng("automation")) if self.share > 0 else None
        self.automated_effort = item_draws(step.automation_effort, rng("automated_effort")) if self.share > 0 else None
        self.targets, self.cumulative = step.targets, step.cumulative
        self.route_u = item_uniforms(rng("route")) if len(step.targets) > 1 else None
        self.approve, self.reject_to = step.approve, step.reject_to
        self.decide_u = item_uniforms(rng("decision")) if 0 < step.approve < 1 else None
        self.realises_value = step.realises_value


class Replication:
    """One replication of a plan: arrivals, teams, gates and routing as event callbacks."""

    def __init__(self, plan: Plan, replication: int) -> None:
        self.plan, self.replication = plan, replication
        self.env = simpy.Environment()
        self.recorder = Recorder()
        self.teams = [TeamState(c) for c in plan.capacities]
        self.cabs = {s.id: CabState(s.meets, s.meeting_capacity) for s in plan.steps if s.kind == CAB}
        self.runs = [[StepRun(plan.steps[g], d.type, plan.seed, replication, self.teams, self.cabs)
                      for g in d.steps] for d in plan.demands]
        self.active: dict[int, Item] = {}
        self.open_sources = len(plan.demands)
        self.next_id = 0
        self.finished = simpy.Event(self.env)
        self.arrivals_end = plan.arrivals_end
        self.schedule = self.env.schedule
        self.on_arrive, self.on_finish_work = (self._arrive,), (self._finish_work,)
        self.on_finish_automated, self.on_meeting = (self._finish_automated,), (self._meeting,)

    def run(self) -> Recorder:
        """Run to the end of the drain (or until every item is done) and return the records."""
        env = self.env
        for index, demand in enumerate(self.plan.demands):
            self._start_arrivals(index, demand)
        for step_id, cab in self.cabs.items():
            env.schedule(Wake(self.on_meeting, cab), NORMAL, self.plan.steps[step_id].first_meeting)
        self._finish_if_idle()
        stop_at = self.plan.arrivals_end + self.plan.drain
        env.schedule(Wake((self._stop,), None), NORMAL, stop_at)
        env.run(until=self.finished)
        for item in self.active.values():
            self._record_unfinished_step(item)
            self._record_item(item, IN_FLIGHT)
        return self.recorder

    def _record_unfinished_step(self, item: Item) -> None:
        """At the drain limit, the step an item is on: waiting so far, or worked on so far."""
        now = self.env.now
        run = item.runs[item.step]
        started = item.started if item.started >= 0 else now
        automated = item.automating or run.kind == AUTO
        self.recorder.step(item.id, item.demand, run.plan.id, item.queued, started, now, automated, IN_PROGRESS)

    # -- arrivals -------------------------------------------------------------------------------
    def _start_arrivals(self, index: int, demand) -> None:
        gaps = arrival_gaps(demand, rng_stream(self.plan.seed, self.replication, demand.type, "arrivals"))
        pick = uniforms(rng_stream(self.plan.seed, self.replication, demand.type, "priority"))
        source = [index, gaps, pick, demand.priority_ranks, demand.priority_probabilities, 0]  # 0: arrivals so far
        self._schedule_arrival(source, 0.0)

    def _schedule_arrival(self, source, now: float) -> None:
        gap = source[1](now)
        if now + gap < self.arrivals_end:
            self.schedule(Wake(self.on_arrive, source), NORMAL, gap)
        else:
            self.open_sources -= 1
            self._finish_if_idle()

    def _arrive(self, event: Wake) -> None:
        source = event.item
        index, _, pick, ranks, probabilities, count = source
        now = self.env.now
        rank = ranks[0]
        if len(ranks) > 1:
            u, total = pick(), 0.0
            for rank, p in zip(ranks, probabilities):  # noqa: B007  (the loop variable is the answer)
                total += p
                if u < total:
                    break
        item = Item(self.next_id, count, index, rank, now, self.runs[index])
        source[5] = count + 1
        self.next_id += 1
        if not self.next_id & COMPACT_EVERY:
            self.recorder.compact()
        self.active[item.id] = item
        self._schedule_arrival(source, now)
        self._enter(item, 0)

    # -- moving through steps -------------------------------------------------------------------
    def _enter(self, item: Item, position: int) -> None:
        """Put ``item`` on step ``position`` of its stream: queue for a team, a meeting, or a delay."""
        run = item.runs[position]
        now = self.env.now
        item.step, item.queued, item.started = position, now, -1.0  # started stays -1 while it waits
        bit = 1 << position
        if item.visited & bit:
            item.reworks += 1
            item.visit = item.reworks  # a rework visit draws from its own per-item key
            if item.reworks > MAX_STEP_ENTRIES_PER_ITEM:
                self._endless_loop(item, run)
        else:
            item.visited |= bit
            item.visit = 0
        kind = run.kind
        if kind == WORK:
            effort = run.effort(item)
            if run.share and run.automation_u(item) < run.share:
                item.started, item.automating = now, True
                self.schedule(Wake(self.on_finish_automated, item), NORMAL, run.automated_effort(item))
            else:
                self._request(run.team, item, effort)
        elif kind == CAB:
            cab = run.cab
            cab.seq += 1
            heappush(cab.queue, (item.rank, cab.seq, item))
        elif kind == APPROVER:
            self._request(run.team, item, run.effort(item))
        else:  # AUTO
            item.started = now
            self.schedule(Wake(self.on_finish_automated, item), NORMAL, run.effort(item))

    def _endless_loop(self, item: Item, run: StepRun) -> None:
        """Stop a loop the clock cannot end (every pass takes no time), naming where it is."""
        raise SimulationError(
            f"replication {self.replication}: an item of type {self.plan.demands[item.demand].type!r} re-entered "
            f"steps {item.reworks - 1:,} times (now {run.plan.stream}.{run.plan.name} at {self.env.now:.6g} h); a "
            "rework loop that almost never exits, or one whose passes take no time, would never end. Give the "
            "loop a realistic exit probability or a duration")

    def _request(self, team: TeamState, item: Item, effort: float) -> None:
        if team.busy < team.capacity:
            team.busy += 1
            item.started = self.env.now
            self.schedule(Wake(self.on_finish_work, item), NORMAL, effort)
        else:
            team.seq += 1
            heappush(team.queue, (item.rank, team.seq, item, effort))

    def _finish_work(self, event: Wake) -> None:
        """A team finished an item: free the person (start the next in queue), then route the item."""
        item = event.item
        now = self.env.now
        run = item.runs[item.step]
        team = run.team
        if team.queue:
            _, _, waiting, effort = heappop(team.queue)
            waiting.started = now
            self.schedule(Wake(self.on_finish_work, waiting), NORMAL, effort)
        else:
            team.busy -= 1
        if item.last_team != run.team_id:
            if item.last_team >= 0:
                item.handoffs += 1
            item.last_team = run.team_id
        if run.kind == APPROVER:
            self._decide(item, run, now, False)
        else:
            self._done_step(item, run, now, COMPLETED, False)
            self._route(item, run)

    def _finish_automated(self, event: Wake) -> None:
        item = event.item
        run = item.runs[item.step]
        item.automated += 1
        item.automating = False
        if run.kind == AUTO:
            self._decide(item, run, self.env.now, True)
        else:
            self._done_step(item, run, self.env.now, COMPLETED, True)
            self._route(item, run)

    def _meeting(self, event: Wake) -> None:
        """A CAB meets: decide the waiting items (up to its capacity) and schedule the next meeting."""
        cab = event.item
        now = self.env.now
        count = len(cab.queue) if cab.capacity == 0 else min(cab.capacity, len(cab.queue))
        decided = [heappop(cab.queue)[2] for _ in range(count)]
        for item in decided:
            item.started = now
            self._decide(item, item.runs[item.step], now, False)
        self.schedule(Wake(self.on_meeting, cab), NORMAL, cab.meets)

    def _decide(self, item: Item, run: StepRun, now: float, automated: bool) -> None:
        """A gate's decision: approved items follow the route, rejected ones rework or drop."""
        approved = run.approve > 0 if run.decide_u is None else run.decide_u(item) < run.approve
        self._done_step(item, run, now, APPROVED if approved else REJECTED, automated)
        if approved:
            self._route(item, run)
        elif run.reject_to == DROP_ID:
            self._complete(item, ITEM_REJECTED)
        else:
            self._enter(item, run.reject_to)

    def _done_step(self, item: Item, run: StepRun, now: float, outcome: int, automated: bool) -> None:
        """Record one step execution; add its wait and work to the item until value is realised."""
        if item.value_time < 0:
            item.wait += item.started - item.queued
            item.work += now - item.started
            if run.realises_value and outcome != REJECTED:
                item.value_time = now
        self.recorder.step(item.id, item.demand, run.plan.id, item.queued, item.started, now, automated, outcome)

    def _route(self, item: Item, run: StepRun) -> None:
        targets = run.targets
        target = targets[0] if run.route_u is None else targets[bisect_right(run.cumulative, run.route_u(item))]
        if target == DONE_ID:
            self._complete(item, ITEM_DONE)
        else:
            self._enter(item, target)

    def _complete(self, item: Item, outcome: int) -> None:
        del self.active[item.id]
        self._record_item(item, outcome)
        if not self.active:
            self._finish_if_idle()

    def _finish_if_idle(self) -> None:
        """End the run once arrivals have stopped and no item is left in flight."""
        if self.open_sources == 0 and not self.active and not self.finished.triggered:
            self.finished.succeed()

    def _record_item(self, item: Item, outcome: int) -> None:
        """Record every item, warm-up ones too: they count towards work in progress."""
        now = self.env.now if outcome != IN_FLIGHT else float("nan")
        value = item.value_time if item.value_time >= 0 else (now if outcome == ITEM_DONE else float("nan"))
        self.recorder.item(item.id, item.demand, item.rank, item.arrived, value, now, item.work, item.wait,
                           item.handoffs, item.reworks, item.automated, outcome)

    def _stop(self, event: Wake) -> None:
        """The drain limit: stop even though items are still in flight (they are recorded as such)."""
        if not self.finished.triggered:
            self.finished.succeed()
