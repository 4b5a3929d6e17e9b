"""The event loop of one replication: arrivals, routing and recording; step kinds do the rest.

No process per item: each step completion, arrival and meeting is one lightweight event on simpy's
queue, processed by ``_process_events``; its callback (a step kind's run-time, steps/) moves the item on
through the services here: ``enter``, ``route``, ``done_step``, ``complete``. PERF: this is the
hot path measured by benchmarks/engine_throughput.py; the loop only packs records into buffers.
"""

from __future__ import annotations

from bisect import bisect_right
from heapq import heappop, heappush
from collections.abc import Callable
from typing import Any

import simpy
from simpy.core import StopSimulation
from simpy.events import NORMAL

from ..calendars.schedule import Schedule, WeeklyPattern
from ..errors import SimulationError
from ..limits import MAX_STEP_ENTRIES_PER_ITEM
from ..rng import stream as rng_stream
from ..steps import KINDS
from ..steps.branch import branch_run
from .arrivals import arrival_gaps, arrival_key
from .initial import initial_items
from ..kernel.events import Item, Wake, cancel, fewer_collections
from .plan import DONE_ID, Plan
from ..kernel.recorder import CLOSED, COMPLETED, IN_FLIGHT, IN_PROGRESS, ITEM_DONE, ITEM_ROW, REJECTED, STEP_ROW, Recorder
from ..kernel.sampling import uniforms
from .spawn import spawning_run
from .scheduled_skills import ScheduledSkillPool
from .skills import SkillPool
from .rules import RulePool, rule_pools
from .teams import ClosingPool, PreemptivePool, ScheduledTeam, TeamPool

#: Compact the record buffers every 4,096 arrivals (a bit mask: 4096 - 1).
COMPACT_EVERY = 0xFFF
#: The closing rule's priority: after every event due at the same moment (simpy's NORMAL is 1), so an item
#: whose step ends exactly at its limit finishes normally (docs/scenario-format.md#close_after).
CLOSING = NORMAL + 1
NAN = float("nan")


class Replication:
    """One replication of a plan: arrival sources, team pools, step run-times, and the records."""

    def __init__(self, plan: Plan, replication: int, recorder: Recorder | None = None) -> None:
        self.plan, self.replication, self.seed = plan, replication, plan.seed
        self.env = simpy.Environment()
        self.schedule = self.env.schedule
        self.events, self.event_ids = self.env._queue, self.env._eid  # simpy's queue (PERF, see kernel.py)
        self.recorder = Recorder() if recorder is None else recorder
        # PERF: a record is its fields packed straight into the buffers the recorder clears in place
        self.write_step, self.write_item = self.recorder.steps.extend, self.recorder.items.extend
        self.step_row, self.item_row = STEP_ROW.pack, ITEM_ROW.pack
        # PERF: arrivals and 24/7 pools deal with closing only when some stream of some period has a closing rule.
        closing = any(d.close_after is not None for p in (plan, *(e for _, e in plan.epochs)) for d in p.demands)
        forks = any(s.kind == "fork" for p in (plan, *(e for _, e in plan.epochs)) for s in p.steps)
        pool = ClosingPool if closing or forks else TeamPool  # a join cancels branches as closing does
        self.teams = [ScheduledTeam(schedule, self.env, pause, self.recorder, preempt) if schedule is not None else
                      PreemptivePool(c, self.env, preempt == "restart", self.recorder) if preempt else pool(c, self.env)
                      for c, schedule, pause, preempt in zip(plan.capacities, plan.schedules, plan.pause_at_shift_end,
                                                             plan.preempt)]
        if plan.sla_first:  # state-dependent rules (engine/rules.py): only their teams get another pool
            rule_pools(plan, self.env, self.recorder, self.teams)
        # People with several skills (engine/skills.py): their teams' desks replace those teams' pools.
        # A pool whose teams follow a schedule is its own subclass (engine/scheduled_skills.py).
        self.skills = (None if not plan.groups else
                       ScheduledSkillPool(plan.groups, plan.capacities, self.env, self.recorder, plan.schedules,
                                          plan.pause_at_shift_end) if any(g.by_headcount for g in plan.groups) else
                       SkillPool(plan.groups, plan.capacities, self.env, self.recorder))
        if self.skills is not None:
            for team, desk in self.skills.desks.items():
                self.teams[team] = desk
        self._shared: dict[Any, Any] = {}
        self._starters: list[tuple[int, Callable[[], None]]] = []
        self.runs = [[self._step_run(plan, g, d.type) for g in d.steps] for d in plan.demands]
        self.active: dict[int, Item] = {}
        self.sources: list[list] = []
        self.arrival_plans = list(plan.demands)  # the arrival process in force per type
        self.open_sources = len(plan.demands)
        self.next_id = 0
        self.finished = simpy.Event(self.env)
        self.arrivals_end = plan.arrivals_end
        self.close_after = [d.close_after for d in plan.demands]  # per type: the closing rule in force
        # per type: whether its items draw attributes (PERF: one check per new item); the draws' streams
        self.attribute_pickers = [True if d.attribute_draws else None for d in plan.demands]
        self._pickers: dict[tuple, Any] = {}
        self.on_close = (self._close,)
        self.on_arrive = (self._arrive_with_closing if closing else self._arrive,)

    # -- services for the step kinds -------------------------------------------------------------
    def shared(self, key: Any, build: Callable[[], Any]) -> tuple[Any, bool]:
        """One object per key for the whole replication (a CAB's board); (object, newly built)."""
        if key in self._shared:
            return self._shared[key], False
        self._shared[key] = value = build()
        return value, True

    def at_start(self, order: int, start: Callable[[], None]) -> None:
        """Run ``start`` when the replication starts, after the arrivals, in ``order``."""
        self._starters.append((order, start))

    def _step_run(self, plan: Plan, step_id: int, demand_type: str):
        """A step's run-time for one type; PERF: only a step that spawns (engine/spawn.py) or sits on a fork's
        branch (steps/branch.py) is built on a wrapper."""
        step = plan.steps[step_id]
        if step.spawn:
            return spawning_run(step, demand_type, self, plan)
        if step.branch:
            return branch_run(KINDS[step.kind], step, demand_type, self)
        return KINDS[step.kind].run(step, demand_type, self)

    def born(self, demand: int, index: int, rank: int, parent: Item) -> None:
        """An item raised by ``parent`` (``spawn``) arrives now and enters the first step of its stream;
        ``index`` keys its own random numbers (engine/spawn.py)."""
        item = Item(self.next_id, index, demand, rank, self.env._now, self.runs[demand])
        if self.attribute_pickers[demand] is not None:
            item.attrs = self._attributes(demand, "attributes of spawned items")
            self.recorder.attribute(item.id, item.attrs)
        self.next_id += 1
        if not self.next_id & COMPACT_EVERY:
            self.recorder.compact()
        self.active[item.id] = item
        self.recorder.link(item.id, parent.id)
        self.enter(item, 0)
        after = self.close_after[demand]
        if after is not None and self.active.get(item.id) is item:
            self.schedule(Wake(self.on_close, item), CLOSING, after)

    def run(self) -> Recorder:
        """Run to the end of the drain (or until every item is done) and return the records."""
        if self.plan.initial:
            self._place_initial()
        for index, demand in enumerate(self.plan.demands):
            self._start_arrivals(index, demand)
        for _, start in sorted(self._starters, key=lambda pair: pair[0]):
            start()
        for team in self.teams:
            if isinstance(team, ScheduledTeam):
                team.start()
        if isinstance(self.skills, ScheduledSkillPool):
            self.skills.follow()
        for at, epoch in self.plan.epochs:
            self.schedule(Wake((self._switch,), epoch), NORMAL, at)
        self._finish_if_idle()
        self.schedule(Wake((self._stop,), None), NORMAL, self.plan.arrivals_end + self.plan.drain)
        with fewer_collections():
            self._process_events()
        for team in self.teams:
            if isinstance(team, (ScheduledTeam, PreemptivePool, RulePool)):
                team.close()
        if self.skills is not None:
            self.skills.close()
        for item in self.active.values():
            self._record_unfinished_step(item)
            self._record_item(item, IN_FLIGHT)
        return self.recorder

    def _process_events(self) -> None:
        """Process events in time order until ``finished`` is: simpy's ``Environment.run(until=finished)``
        and ``step``, less a method call and a failure check per event (PERF: every event here is a
        ``Wake``, which cannot fail, or ``finished``, whose callback stops the loop). The drain limit's
        wake is always scheduled, so the queue cannot run dry before ``finished``."""
        env, queue = self.env, self.events
        self.finished.callbacks.append(StopSimulation.callback)
        try:
            while True:
                env._now, _, _, event = heappop(queue)
                callbacks, event.callbacks = event.callbacks, None
                for callback in callbacks:
                    callback(event)
        except StopSimulation:
            return

    def _record_unfinished_step(self, item: Item) -> None:
        """At the drain limit, the step an item is on: waiting so far, or worked on so far."""
        now = self.env._now
        run = item.runs[item.step]
        work, automated = run.in_progress(item)
        started = item.started if item.started >= 0 else now
        self.recorder.step(item.id, item.demand, run.plan.id, item.queued, started, now, work, automated,
                           IN_PROGRESS)
        for part in run.open_parts(item):  # a fork's open branches, each on a step of its own
            part_run = part.runs[part.step]
            work, automated = part_run.in_progress(part)
            self.recorder.step(item.id, item.demand, part_run.plan.id, part.queued,
                               part.started if part.started >= 0 else now, now, work, automated, IN_PROGRESS)

    # -- changes over time ----------------------------------------------------------------------
    def _switch(self, event: Wake) -> None:
        """A change takes effect: new step parameters for items entering steps from now on, new
        arrival rates (the pending arrival is drawn again: Poisson arrivals are memoryless), new
        headcounts or calendars. Items already on a step finish it as they started it."""
        epoch: Plan = event.item
        now = self.env._now
        for index, demand in enumerate(epoch.demands):
            runs = self.runs[index]  # shared with every item of the type: replaced in place
            for position, step_id in enumerate(demand.steps):
                runs[position] = self._step_run(epoch, step_id, demand.type)
            self.close_after[index] = demand.close_after
            source = self.sources[index]
            source[3], source[4] = demand.priority_ranks, demand.priority_probabilities
            if arrival_key(demand) != arrival_key(self.arrival_plans[index]):
                self.arrival_plans[index] = demand
                source[1] = arrival_gaps(demand, source[6], self.arrivals_end, self._clock)
                if source[7] is not None:
                    cancel(source[7])  # the arrival drawn under the old rate
                    self._schedule_arrival(source, now)
        for team, schedule, capacity, pause in zip(self.teams, epoch.schedules, epoch.capacities,
                                                   epoch.pause_at_shift_end):
            if isinstance(team, ScheduledTeam):
                team.retarget(schedule or Schedule(WeeklyPattern.always(capacity)), pause)

    # -- the open items at the start ------------------------------------------------------------
    def _place_initial(self) -> None:
        """Put the open items of ``initial:`` on their steps at t = 0, before any arrival: ids 0, 1, ... in
        the order listed, entering oldest first, each as if it had entered its step ``age`` hours ago
        (``arrived`` and ``queued`` are -age, so its age counts as waiting and towards time-to-value)."""
        placed = []
        for age, demand, rank, position, index in initial_items(self.plan, self.replication):
            item = Item(self.next_id, index, demand, rank, -age, self.runs[demand])
            if self.attribute_pickers[demand] is not None:
                item.attrs = self._attributes(demand, "attributes of initial items")
                self.recorder.attribute(item.id, item.attrs)
            self.next_id += 1
            self.active[item.id] = item
            placed.append((item, position))
        for item, position in sorted(placed, key=lambda pair: pair[0].arrived):  # stable: ties keep their order
            self.enter(item, position)
            item.queued = item.arrived  # no step kind reads it on entry; it is read when the step ends
            after = self.close_after[item.demand]
            if after is not None and self.active.get(item.id) is item:
                self.schedule(Wake(self.on_close, item), CLOSING, max(after + item.arrived, 0.0))

    # -- arrivals -------------------------------------------------------------------------------
    def _attributes(self, demand: int, purpose: str) -> tuple[int, ...]:
        """Draw an item's attributes (each from its own stream per purpose: arrivals, the backlog and
        spawned items draw apart, so one kind of item never shifts another's draws)."""
        values = [-1] * len(self.plan.attributes)
        for k, indices, cumulative in self.plan.demands[demand].attribute_draws:
            draw = self._pickers.get((demand, purpose, k))
            if draw is None:
                name = self.plan.attributes[k][0]
                draw = self._pickers[demand, purpose, k] = uniforms(rng_stream(
                    self.plan.seed, self.replication, self.plan.demands[demand].type, purpose, name))
            values[k] = indices[bisect_right(cumulative, draw())]
        return tuple(values)

    def _start_arrivals(self, index: int, demand) -> None:
        rng = rng_stream(self.plan.seed, self.replication, demand.type, "arrivals")
        pick = uniforms(rng_stream(self.plan.seed, self.replication, demand.type, "priority"))
        # [type index, gap function, priority draws, ranks, probabilities, arrivals so far, rng, pending wake]
        source = [index, arrival_gaps(demand, rng, self.arrivals_end, self._clock), pick, demand.priority_ranks, demand.priority_probabilities, 0,
                  rng, None]
        self.sources.append(source)
        self._schedule_arrival(source, 0.0)

    def _schedule_arrival(self, source, now: float, arrived: Wake | None = None) -> None:
        """Schedule the source's next arrival. PERF: the wake of the arrival just handled (``arrived``,
        already out of simpy's queue) carries the next one, pushed onto the queue as
        ``Environment.schedule`` does; a first arrival, or one drawn again at a change, gets a new wake."""
        gap = source[1]()  # from now (the clock), which ``now`` is
        if now + gap < self.arrivals_end:
            if arrived is None:
                source[7] = arrived = Wake(self.on_arrive, source)
            else:
                arrived.callbacks = self.on_arrive
            heappush(self.events, (now + gap, NORMAL, next(self.event_ids), arrived))
        else:
            self._no_more_arrivals(source)

    def _no_more_arrivals(self, source) -> None:
        """The source's next arrival would come after arrivals end: it is closed."""
        source[7] = None
        self.open_sources -= 1
        self._finish_if_idle()

    def _clock(self) -> float:
        return self.env._now

    def _arrive(self, event: Wake) -> Item:
        source = event.item
        index, _, pick, ranks, probabilities, count, _, _ = source
        now = self.env._now
        rank = ranks[0]
        if len(ranks) > 1:
            u, total = pick(), 0.0
            for rank, p in zip(ranks, probabilities):  # noqa: B007  (the loop variable is the answer)
                total += p
                if u < total:
                    break
        runs = self.runs[index]
        item = Item(self.next_id, count, index, rank, now, runs)
        if self.attribute_pickers[index] is not None:
            item.attrs = self._attributes(index, "attributes")
            self.recorder.attribute(item.id, item.attrs)
        source[5] = count + 1
        self.next_id += 1
        if not self.next_id & COMPACT_EVERY:
            self.recorder.compact()
        self.active[item.id] = item
        gap = source[1]()  # PERF: ``_schedule_arrival(source, now, event)`` inline
        if now + gap < self.arrivals_end:
            event.callbacks = self.on_arrive
            heappush(self.events, (now + gap, NORMAL, next(self.event_ids), event))
        else:
            self._no_more_arrivals(source)
        # PERF: ``enter(item, 0)`` for a new item, whose first visit this is
        item.step, item.queued, item.started, item.paused, item.visited, item.visit = 0, now, -1.0, 0.0, 1, 0
        runs[0].enter(item, now)
        return item

    def _arrive_with_closing(self, event: Wake) -> None:
        """An arrival of a type whose stream may have a closing rule: schedule its closing too."""
        after = self.close_after[event.item[0]]
        item = self._arrive(event)
        if after is not None and self.active.get(item.id) is item:
            self.schedule(Wake(self.on_close, item), CLOSING, after)

    # -- moving through steps -------------------------------------------------------------------
    def enter(self, item: Item, position: int) -> None:
        """Put ``item`` on step ``position`` of its stream; the step's kind takes it from there."""
        run = item.runs[position]
        now = self.env._now
        item.step, item.queued, item.started, item.paused = position, now, -1.0, 0.0  # started: -1 while waiting
        bit = 1 << position
        if item.visited & bit:
            item.reworks += 1
            item.visit = item.reworks  # a rework visit draws from its own per-item key
            if item.reworks > MAX_STEP_ENTRIES_PER_ITEM:
                self._endless_loop(item, run)
        else:
            item.visited |= bit
            item.visit = 0
        run.enter(item, now)

    def _endless_loop(self, item: Item, run) -> None:
        """Stop a loop the clock cannot end (every pass takes no time), naming where it is."""
        raise SimulationError(
            f"replication {self.replication}: an item of type {self.plan.demands[item.demand].type!r} re-entered "
            f"steps {item.reworks - 1:,} times (now {run.plan.stream}.{run.plan.name} at {self.env._now:.6g} h); a "
            "rework loop that almost never exits, or one whose passes take no time, would never end. Give the "
            "loop a realistic exit probability or a duration")

    def handoff(self, item: Item, team_id: int) -> None:
        """Count a handoff when a different team takes the item over."""
        if item.last_team != team_id:
            if item.last_team >= 0:
                item.handoffs += 1
            item.last_team = team_id

    def done_step(self, item: Item, run, now: float, outcome: int, automated: bool, work: float) -> None:
        """Record one step execution; add its wait and work to the item until value is realised."""
        if item.value_time < 0:
            item.wait += now - item.queued - work
            item.work += work
            item.off_hours += item.paused
            if run.realises_value and outcome != REJECTED:
                item.value_time = now
        self.write_step(self.step_row(item.id, item.demand, run.plan.id, item.queued, item.started, now, work, automated,
                                     outcome))

    def leave(self, item: Item, run, team_id: int) -> None:
        """A person of team ``team_id`` finished ``item``'s work on ``run``: count the handoff, record the
        execution and send the item on. PERF: ``handoff`` and ``done_step`` in one call, as every piece of
        team work ends (the same rules; wrappers of the flow use them one by one)."""
        now = self.env._now
        if item.last_team != team_id:
            if item.last_team >= 0:
                item.handoffs += 1
            item.last_team = team_id
        work = now - item.started - item.paused
        if item.value_time < 0:
            item.wait += now - item.queued - work
            item.work += work
            item.off_hours += item.paused
            if run.realises_value:
                item.value_time = now
        self.write_step(self.step_row(item.id, item.demand, run.plan.id, item.queued, item.started, now, work, False,
                                     COMPLETED))
        self.route(item, run)

    def route(self, item: Item, run) -> None:
        """Send the item along its step's ``next`` (drawn per item), or finish it."""
        targets = run.targets
        target = targets[0] if run.route_u is None else targets[bisect_right(run.cumulative, run.route_u(item))]
        if target == DONE_ID:
            self.complete(item, ITEM_DONE)
        else:
            self.enter(item, target)

    def _close(self, event: Wake) -> None:
        """The stream's closing rule: an item still open ``close_after`` hours after it arrived stops
        what it is doing (its step is recorded as ``closed``, with the work done so far) and is done."""
        item = event.item
        if self.active.get(item.id) is not item:
            return  # finished earlier
        run = item.runs[item.step]
        item.closed = True
        run.withdraw(item)
        if item.started < 0:
            item.started = self.env._now  # closed in a queue: it waited the whole time
        work, automated = run.in_progress(item)
        self.done_step(item, run, self.env._now, CLOSED, automated, work)
        self.complete(item, ITEM_DONE)

    def complete(self, item: Item, outcome: int) -> None:
        """The item is done (value realised, or rejected): record it (PERF: ``_record_item`` inline)."""
        del self.active[item.id]
        now = self.env._now
        value = item.value_time if item.value_time >= 0 else (now if outcome == ITEM_DONE else NAN)
        self.write_item(self.item_row(item.id, item.demand, item.rank, item.arrived, value, now, item.work, item.wait,
                                      item.others, item.off_hours, item.handoffs, item.reworks, item.automated,
                                      outcome))
        if not self.active:
            self._finish_if_idle()

    def _finish_if_idle(self) -> None:
        """End the run once arrivals have stopped and no item is left in flight."""
        if self.open_sources == 0 and not self.active and not self.finished.triggered:
            self.finished.succeed()

    def _record_item(self, item: Item, outcome: int) -> None:
        """Record every item, warm-up ones too: they count towards work in progress."""
        now = self.env._now if outcome != IN_FLIGHT else NAN
        value = item.value_time if item.value_time >= 0 else (now if outcome == ITEM_DONE else NAN)
        self.write_item(self.item_row(item.id, item.demand, item.rank, item.arrived, value, now, item.work, item.wait,
                                      item.others, item.off_hours, item.handoffs, item.reworks, item.automated,
                                      outcome))

    def _stop(self, event: Wake) -> None:
        """The drain limit: stop even though items are still in flight (they are recorded as such)."""
        if not self.finished.triggered:
            self.finished.succeed()
