"""What a step kind is: one class per kind owns its YAML settings, load rule, words and run-time.

A kind answers, for the scenario layer: which team a step holds and for how long on average (the
offered-load rule), where items may go besides ``next`` (a rejection, a timeout), what to check
across the scenario, and how to describe the step. For the engine it compiles the step into a
small picklable spec and builds the run-time object that moves items through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ..kernel.events import Item, Wake, cancel
from ..kernel.recorder import COMPLETED
from ..kernel.sampling import item_draws, item_uniforms
from ..rng import streams as rng_streams

if TYPE_CHECKING:  # annotations only: the ground below
    from datetime import datetime

    import numpy as np
    import simpy

    from ..calendars.schedule import Schedule
    from ..distributions import Distribution
    from ..kernel.recorder import Recorder
    from .by_priority import EffortByPriority

#: Per-item draws: the value an item takes at a step (its own, whatever the order items come in).
ItemDraw = Callable[[Item], float]
#: The callbacks of a wake, shared by every wake of a kind (kernel/events.py: Wake).
Callbacks = tuple[Callable[[Wake], None], ...]


class StepView(Protocol):
    """What a step kind reads of a validated step (scenario/model.py: Step). A kind reads its own settings
    (``gate``, ``wait``, ``fork``) only: ``kind_of`` chose the kind by them, so they are set."""

    @property
    def name(self) -> str: ...
    @property
    def team(self) -> str | list[str] | None: ...  # several: shared staff
    @property
    def effort(self) -> Distribution | EffortByPriority | None: ...
    @property
    def automation(self) -> Any: ...  # work.Automation or None
    @property
    def escalate(self) -> Any: ...  # work.Escalation or None
    # A kind's own settings are its module's classes (work.Automation and Escalation, approver.ApproverGate,
    # auto.AutoGate, cab.CabGate, wait.WaitSettings, fork.ForkSettings, release.ReleaseSettings); the kinds
    # import this module, so it names them as Any rather than import them back (an import circle, if only for type
    # checkers).
    @property
    def gate(self) -> Any: ...
    @property
    def wait(self) -> Any: ...
    @property
    def fork(self) -> Any: ...
    @property
    def release(self) -> Any: ...


class StepPlanView(Protocol):
    """What a step run-time reads of its compiled step (engine/plan.py: StepPlan)."""

    @property
    def id(self) -> int: ...  # global id across all streams
    @property
    def stream(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def team(self) -> int: ...  # -1 when no team is held
    @property
    def spec(self) -> Any: ...  # what the step's kind compiled (StepKind.compile)
    @property
    def targets(self) -> tuple[int, ...]: ...
    @property
    def cumulative(self) -> tuple[float, ...]: ...
    @property
    def realises_value(self) -> bool: ...
    @property
    def by_rank(self) -> tuple[tuple[tuple[int, ...], tuple[float, ...]], ...] | None: ...
    @property
    def route_key(self) -> str: ...
    @property
    def alternates(self) -> tuple[int, ...]: ...  # shared staff: the hidden copies for the other teams
    @property
    def escalation_copy(self) -> int: ...
    @property
    def overflow(self) -> tuple[int, ...]: ...  # (when_queue_over, other team id, its hidden copy) or ()
    @property
    def patience(self) -> tuple[tuple[str, Any], ...]: ...  # (demand type, its patience here: steps/patience.py)


class DemandView(Protocol):
    """What a step run-time reads of one demand type of the engine's plan (engine/plan.py: DemandPlan)."""

    @property
    def type(self) -> str: ...
    @property
    def prioritised(self) -> bool: ...
    @property
    def attribute_draws(self) -> tuple[tuple[int, tuple[int, ...], tuple[float, ...]], ...]: ...


class PlanView(Protocol):
    """What a step run-time reads of the engine's compiled plan (engine/plan.py: Plan), so that the boundary
    is typed without steps/ importing the engine above it."""

    @property
    def priorities(self) -> tuple[str, ...]: ...  # rank -> label ("" for none)
    @property
    def attributes(self) -> tuple[tuple[str, tuple[str, ...]], ...]: ...  # declared attributes and their values
    @property
    def demands(self) -> Sequence[DemandView]: ...
    @property
    def schedules(self) -> Sequence[Schedule | None]: ...  # per team; None around the clock
    @property
    def steps(self) -> Sequence[StepPlanView]: ...  # by global id (hidden copies included)
    @property
    def start(self) -> datetime: ...  # the local date and time at t = 0 (calendar windows on the clock)


class TeamView(Protocol):
    """What a step run-time asks of a team (engine/teams.py: TeamPool and its kinds; ``drop`` is asked only
    in models with a closing rule or a fork, whose pools have it)."""

    @property
    def capacity(self) -> int: ...
    @property
    def queue(self) -> Sequence[tuple[Any, ...]]: ...
    def request(self, item: Item, effort: float, callbacks: Callbacks) -> None: ...
    def release(self, item: Item) -> None: ...
    def free(self) -> bool: ...
    def take_back(self, item: Item) -> tuple[Any, ...] | None: ...
    def requeue(self, item: Item) -> None: ...
    def drop(self, item: Item) -> None: ...


class Recorded(Protocol):
    """What recording a step execution reads of the run it was on (a StepRun, or a stand-in recording it
    under another team's copy of the step)."""

    @property
    def plan(self) -> StepPlanView: ...
    @property
    def realises_value(self) -> bool: ...


class Flow(Protocol):
    """The services a replication offers to step run-times (engine/flow.py implements it)."""

    @property
    def env(self) -> simpy.Environment: ...
    @property
    def schedule(self) -> Callable[..., None]: ...  # simpy's Environment.schedule(wake, priority, delay)
    @property
    def seed(self) -> int: ...
    @property
    def replication(self) -> int: ...
    @property
    def teams(self) -> Sequence[TeamView]: ...  # by team id
    @property
    def plan(self) -> PlanView: ...
    @property
    def recorder(self) -> Recorder: ...

    def enter(self, item: Item, position: int) -> None: ...
    def route(self, item: Item, run: StepRun) -> None: ...
    def complete(self, item: Item, outcome: int) -> None: ...
    def handoff(self, item: Item, team_id: int) -> None: ...
    def done_step(self, item: Item, run: Recorded, now: float, outcome: int, automated: bool,
                  work: float) -> None: ...
    def leave(self, item: Item, run: StepRun, team_id: int) -> None: ...
    def shared(self, key: Any, build: Callable[[], Any]) -> tuple[Any, bool]: ...
    def at_start(self, order: int, start: Callable[[], None]) -> None: ...


def leave_in_parts(flow: Flow, item: Item, run: StepRun, team_id: int) -> None:
    """``leave`` for a flow that wraps the replication's services (a spawning step, a fork's branch):
    the handoff, the record and the route, each through the wrapper's own."""
    now = flow.env._now
    flow.handoff(item, team_id)
    flow.done_step(item, run, now, COMPLETED, False, now - item.started - item.paused)
    flow.route(item, run)


class StepKind:
    """A kind of step. Subclasses set the class attributes and override what differs."""

    #: The kind's name, as in ``gate: {kind: cab}`` or "work" / "wait".
    name: ClassVar[str]
    #: The Step field holding this kind's settings ("gate", "wait"), or None for team work.
    field: ClassVar[str | None] = None
    #: The pydantic model of that field (for gates: a union member with a ``kind`` literal).
    schema: ClassVar[type | None] = None
    #: Whether a team works the step (it then counts for handoffs and team busy time).
    holds_team: ClassVar[bool] = False

    def settings(self, step: StepView) -> Any:
        """This kind's settings of ``step`` (the model in ``field``, or the step itself for work)."""
        return getattr(step, self.field) if self.field else step

    def teams(self, step: StepView) -> list[str]:
        """Every team that may do the step (several for shared staff: ``team: [a, b]``); the first is
        ``team(step)``."""
        team = self.team(step)
        return [] if team is None else [team]

    def team(self, step: StepView) -> str | None:
        """The team the step holds while it runs, or None."""
        return None

    def team_hours(self, step: StepView) -> float:
        """Mean team hours one execution takes (the offered-load rule; 0 without a team)."""
        return 0.0

    def diversions(self, step: StepView) -> dict[str, float]:
        """Targets reached instead of ``next`` (step name or ``drop``/``done``) with their probabilities."""
        return {}

    def onward(self, step: StepView) -> dict[str, float] | None:
        """Where the step's items go instead of ``next`` and the following step (a fork's ``then``), or None."""
        return None

    def branches(self, step: StepView) -> list[str]:
        """Steps every execution also starts, each once, besides going onward (a fork's branches)."""
        return []

    def batch_hours(self, step: StepView, rate: float) -> float:
        """Team hours per hour a step needs per batch whatever its size, given ``rate`` items per hour reaching
        it (a release's deployment effort; 0 for kinds that work items one at a time)."""
        return 0.0

    def batch(self, step: StepView) -> tuple[float, int] | None:
        """(interval, items per batch) for a step that serves items in capacity-limited batches."""
        return None

    def events_per_hour(self, step: StepView) -> float:
        """Events the step needs per hour whatever the demand (a CAB's meetings), for the work budget."""
        return 0.0

    def check(self, step: StepView, path: str, steps: list[str], teams: list[str]) -> None:
        """Cross-reference checks of this kind's settings; raise ScenarioError naming ``path``."""

    def describe(self, step: StepView) -> tuple[str, str]:
        """(who does it, what it takes) for the scenario overview."""
        raise NotImplementedError

    def compile(self, step: StepView, local: dict[str, int], team_ids: dict[str, int]) -> Any:
        """The kind's settings with names turned into ids: a frozen, picklable spec."""
        return None

    def run(self, plan: StepPlanView, demand_type: str, flow: Flow) -> StepRun:
        """The run-time object that moves items of ``demand_type`` through the step."""
        raise NotImplementedError


class StepRun:
    """One step as one demand type runs it: the static plan plus that type's random streams.

    Subclasses implement ``enter(item, now)``; routing fields are shared by every kind.
    """

    __slots__ = ("plan", "spec", "flow", "team_id", "team", "targets", "cumulative", "route_u", "realises_value",
                 "_names")

    def __init__(self, plan: StepPlanView, demand_type: str, flow: Flow) -> None:
        self.plan, self.spec, self.flow = plan, plan.spec, flow
        self._names = (demand_type, plan.stream, plan.name)
        self.team_id = plan.team
        self.team = flow.teams[plan.team] if plan.team >= 0 else None
        self.targets, self.cumulative = plan.targets, plan.cumulative
        self.route_u = item_uniforms(self.random("route")) if len(plan.targets) > 1 else None
        if plan.by_rank is not None:
            key, _ = self.table_key(plan.route_key, demand_type)
            if key is not None:
                self._route_by_rank(plan.by_rank, key)
        self.realises_value = plan.realises_value

    def table_key(self, by: str, demand_type: str) -> tuple[Callable[[Item], int] | None, list[str | None]]:
        """How an item of ``demand_type`` picks its entry of a table ``by: <by>``: (key, labels) with
        ``key(item)`` an index into ``labels`` (the values; None stands for ``other``), or (None, [None])
        when the type's items all take ``other`` (no priority, or the attribute not declared)."""
        flow = self.flow
        if by == "priority":
            if _prioritised(flow, demand_type):
                return (lambda item: item.rank), list(flow.plan.priorities)
            return None, [None]
        names = [name for name, _ in flow.plan.attributes]
        demand = next(d for d in flow.plan.demands if d.type == demand_type)
        if by not in names or all(names[k] != by for k, _, _ in demand.attribute_draws):
            return None, [None]
        k = names.index(by)
        values = list(flow.plan.attributes[k][1])
        other = len(values)
        return (lambda item: item.attrs[k] if item.attrs and item.attrs[k] >= 0 else other), [*values, None]

    def _route_by_rank(self, by_rank: tuple[tuple[tuple[int, ...], tuple[float, ...]], ...],
                       key: Callable[[Item], int]) -> None:
        """Routing by priority or attribute in the one-table form the flow's ``route`` reads (PERF: no
        branch there): entry r's cumulative probabilities are shifted into [r, r + 1] and an item draws
        key(item) + U(0, 1)."""
        targets: list[int] = []
        cumulative: list[float] = []
        for rank, (own_targets, own_cumulative) in enumerate(by_rank):
            targets += own_targets
            cumulative += [rank + c for c in own_cumulative]
        self.targets, self.cumulative = tuple(targets), tuple(cumulative)
        draw = item_uniforms(self.random("route"))
        self.route_u = lambda item: key(item) + draw(item)

    def draws_by(self, table: EffortByPriority, demand_type: str, purpose: str) -> ItemDraw:
        """Per-item draws of a table of distributions by priority or attribute: each entry from its own
        stream (``effort.P1``, ``effort.network``; ``<purpose>.other``), so a change to one entry leaves
        the others' draws alone."""
        key, labels = self.table_key(table.by, demand_type)
        draws = [self.draws(table.for_priority(label), f"{purpose}.{label or 'other'}") for label in labels]
        return draws[0] if key is None else (lambda item: draws[key(item)](item))

    def random(self, purpose: str) -> Callable[[str], np.random.Generator]:
        """The named random stream of one purpose (effort, decision...) of this step and type, by block."""
        return rng_streams(self.flow.seed, self.flow.replication, *self._names, purpose)

    def draws(self, distribution: Distribution, purpose: str) -> ItemDraw:
        """Per-item draws of ``distribution`` from this step's stream for ``purpose``."""
        return item_draws(distribution, self.random(purpose))

    def uniforms(self, purpose: str) -> ItemDraw:
        """Per-item U(0, 1) draws for ``purpose``."""
        return item_uniforms(self.random(purpose))

    def enter(self, item: Item, now: float) -> None:
        """``item`` reaches the step at ``now``: start it, queue it, or schedule its end."""
        raise NotImplementedError

    def withdraw(self, item: Item) -> None:
        """A closing rule closes ``item`` on this step: cancel the end of what it is doing here and free
        the team member working on it (an item in a queue is skipped there: it is marked closed)."""
        if item.pending is not None:
            cancel(item.pending)  # harmless when it is an earlier step's wake that has already run
        if self.team is not None and item.started >= 0 and not item.automating:
            self.team.drop(item)

    def open_parts(self, item: Item) -> Sequence[Item]:
        """Other places ``item`` is in at once (a fork's open branches), for the records at the drain limit."""
        return []

    def in_progress(self, item: Item) -> tuple[float, bool]:
        """At the drain limit: (work so far, automated) of an item still on this step."""
        now = self.flow.env._now
        return (now - item.started - item.paused if item.started >= 0 else 0.0), item.automating


def _prioritised(flow: Flow, demand_type: str) -> bool:
    """Whether items of ``demand_type`` carry a priority (items without one take a table's ``other``)."""
    return any(d.prioritised for d in flow.plan.demands if d.type == demand_type)
