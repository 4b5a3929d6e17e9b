"""The scenario file format as pydantic models: every field, default and range lives here.

Durations and distributions are parsed on the way in (``"20min"`` -> hours) and written back
in canonical spelling on ``model_dump(mode="json")``, so a scenario round-trips through YAML.
Working time is read once too: a shift's days and hours, a calendar, ``start`` and ``holidays``
become typed values (calendars/), written back as they were written; a team's weekly pattern is
built from them when the team is validated. Nothing after the load parses text again.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from operator import attrgetter
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import (BeforeValidator, ConfigDict, Discriminator, Field, GetPydanticSchema, PlainSerializer,
                      PlainValidator, PrivateAttr, Tag, ValidationInfo, WithJsonSchema, field_validator,
                      model_validator)
from pydantic_core import core_schema

from ..calendars.schedule import DEFAULT_START, Schedule, WeeklyPattern, parse_holidays, parse_start
from ..calendars.spelling import DailyWindow, Weekdays, read_weekdays, read_window
from ..calendars.week import Calendar, shift_duty

from ..activities import Activity
from ..errors import ScenarioError
from ..fields import (DONE, DROP, Capacity, Dist, Duration, FrozenModel, Money, MoneyRate, Name,
                      PositiveDuration, Probability, Rate, count, number, sums_to_one)
from ..limits import (MAX_LABEL, MAX_ATTRIBUTE_VALUES, MAX_ATTRIBUTES, MAX_ITEM_CLASSES, MAX_CHANGES, MAX_HOLIDAYS, MAX_PROFILE_MULTIPLIER,
                      MAX_MEMBERS, MAX_SHARED_TEAMS, MAX_SHIFTS)
from ..steps import GATE_SCHEMAS, Automation, ForkSettings, OnAbandon, PatienceField, ReleaseSettings, WaitSettings, kind_of
from ..steps.work import Escalation, Overflow
from ..steps.by_priority import ApproveByPriority, EffortByPriority, NextByPriority
from ..steps.by_priority import shape as by_priority_shape
from .initial import Initial, OpenItems
from .people import MAX_GROUPS, PeopleGroup, Share
from .rules import Overtime, QueueOrder
from .spawn import SpawnField
from .variant_file import Variant

_Model = FrozenModel  # the name variants.py and older code use
__all__ = ["DONE", "DROP"]  # routing words, re-exported for the modules that read them here

_SPELLING = PlainSerializer(attrgetter("spelling"))  # a typed value written back as it was written
#: A shift's ``days`` ("mon-fri") and ``hours`` ("17:00-08:00"), read once into typed values.
WeekdaysField = Annotated[Weekdays, PlainValidator(read_weekdays), _SPELLING, WithJsonSchema({"type": "string"})]
HoursField = Annotated[DailyWindow, PlainValidator(read_window), _SPELLING, WithJsonSchema({"type": "string"})]


def _read_calendar(value: dict[str, Any]) -> Calendar:
    try:
        return Calendar.read(value)
    except ValueError as exc:  # the field path names the calendar already
        raise ValueError(str(exc).removeprefix("calendar.")) from None


#: A team's ``calendar``: a mapping checked as pydantic checks one, then read once into a typed Calendar.
CalendarField = Annotated[
    Calendar,
    GetPydanticSchema(lambda _, handler: core_schema.no_info_after_validator_function(_read_calendar,
                                                                                      handler(dict[str, Any]))),
    _SPELLING, WithJsonSchema({"additionalProperties": True, "type": "object"})]


class Shift(FrozenModel):
    """People on duty on some days at some hours: ``{days: mon-fri, hours: "08:00-17:00", capacity: 2}``."""

    # The typed values are the fields; the file's words (days, hours) name them and give them as written.
    model_config = ConfigDict(serialize_by_alias=True)

    weekdays: WeekdaysField = Field(alias="days")
    window: HoursField = Field(alias="hours")
    capacity: Capacity

    @property
    def days(self) -> str:
        """The days as written, e.g. 'mon-fri'."""
        return self.weekdays.spelling

    @property
    def hours(self) -> str:
        """The hours as written, e.g. '08:00-17:00'."""
        return self.window.spelling


class Team(FrozenModel):
    """A resource pool: ``capacity`` people working items one at a time each, around the clock or in
    a ``calendar`` of working hours; or ``shifts`` with their own headcounts."""

    # The typed calendar is the field ``working_time``; the file's word ``calendar`` names it, and the
    # property ``calendar`` gives it as written.
    model_config = ConfigDict(serialize_by_alias=True)

    capacity: Capacity | None = Field(None, description="Number of people who can each work one item at a time.")
    working_time: CalendarField | None = Field(
        None, alias="calendar",
        description='Working time of the capacity, e.g. {mon-fri: "09:00-17:00"} (default: 24/7).',
        json_schema_extra={"additionalProperties": {"anyOf": [{"type": "string"},
                                                              {"type": "array", "items": {"type": "string"}}]}})
    shifts: list[Shift] | None = Field(None, min_length=1, max_length=MAX_SHIFTS,
                                       description="Shifts with their own headcounts "
                                       "(instead of capacity).")
    holidays: list[date] = Field(default_factory=list, max_length=MAX_HOLIDAYS,
                                 description="Dates nobody of this team works "
                                 "(besides the scenario's holidays).")
    at_shift_end: Literal["pause", "finish"] = Field(
        "pause", description="Work in hand when people go off duty: pause (resume first when someone is "
                             "back) or finish (stay until done).")
    #: The weekly headcount, built from the typed fields when the team is validated (``pattern()``).
    _pattern: WeeklyPattern = PrivateAttr()
    cost_per_hour: Money | None = Field(None, description="Cost of one person-hour, in `currency`.")
    members: list[Annotated[str, Field(max_length=MAX_LABEL)]] | None = Field(
        None, max_length=MAX_MEMBERS, description="The people of the team by name, for the reader (the headcount "
                                                  "is capacity); calibrate writes the log's resources.")
    preempt: Literal["resume", "restart"] | None = Field(
        None, description="A higher priority interrupts the lowest priority in hand when everyone is busy: "
                          "its work resumes later where it stopped (resume) or starts again (restart).")
    people: list[PeopleGroup] | None = Field(
        None, min_length=1, max_length=MAX_GROUPS,
        description="Groups of this team's people and the other teams whose queues they also serve: "
                    "[{name, count, skills: [TEAM]}]; the counts add up to capacity.")
    shared_with: dict[Name, Share] | None = Field(
        None, min_length=1, max_length=MAX_SHARED_TEAMS,
        description="A share of this team's people on duty (rounded half up; on each shift, of that shift's "
                    "headcount) who also serve another team's queue, e.g. {service_desk: 50%} (instead of people).")
    serve: Literal["own_first"] | None = Field(
        None, description="How people with several skills pick their next item: own_first (their own team's "
                          "queue first; the default).")
    then: Literal["longest_queue", "highest_priority"] | None = Field(
        None, description="Among the other queues: the longest (default), or the one whose first item has the "
                          "highest priority.")
    queue: QueueOrder = Field("priority", description="Which waiting item a freed person takes: priority (then "
                              "arrival), or sla_first (the nearest SLA breach first; items without one last).")
    overtime: Overtime | None = Field(
        None, description="Extra people called in while the backlog is high: {when_backlog_over: 10, extra: 2, "
                          "until_below: 3, rate: 1.5}.")

    @field_validator("holidays", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        return list(parse_holidays(value)) if value is not None else value

    @model_validator(mode="after")
    def _capacity_or_shifts(self) -> "Team":
        if (self.capacity is None) == (self.shifts is None):
            raise ValueError("give either 'capacity' (with an optional 'calendar') or 'shifts', not both and "
                             "not neither")
        if self.working_time is not None and self.shifts is not None:
            raise ValueError("'calendar' goes with 'capacity'; shifts carry their own hours")
        self._pattern = self._week()  # refuses overlapping shifts
        return self

    def _week(self) -> WeeklyPattern:
        if self.shifts is not None:
            return WeeklyPattern.from_duties([shift_duty(index, s.weekdays, s.window, s.capacity)
                                              for index, s in enumerate(self.shifts)])
        if self.working_time is not None:
            return self.working_time.pattern.times(self.capacity)
        return WeeklyPattern.always(self.capacity)

    def pattern(self) -> WeeklyPattern:
        """The team's weekly headcount: shifts, capacity in a calendar, or capacity around the clock (built
        once, when the team is validated: the checks ask for it per team, change over time and step)."""
        return self._pattern

    @property
    def calendar(self) -> dict[str, str | list[str]] | None:
        """The calendar as written, e.g. {"mon-fri": "09:00-17:00"}, or None (``working_time`` is it typed)."""
        return None if self.working_time is None else self.working_time.spelling

    @property
    def always_on(self) -> bool:
        """A fixed headcount around the clock (no calendar, no shifts)."""
        return self.shifts is None and self.working_time is None


class Profile(FrozenModel):
    """Relative arrival intensity by hour of day and day of week (Monday first), scaled to mean 1."""

    by_hour: list[number(ge=0, le=MAX_PROFILE_MULTIPLIER)] | None = Field(None, min_length=24, max_length=24)
    by_weekday: list[number(ge=0, le=MAX_PROFILE_MULTIPLIER)] | None = Field(None, min_length=7, max_length=7)
    by_hour_of_week: list[number(ge=0, le=MAX_PROFILE_MULTIPLIER)] | None = Field(
        None, min_length=168, max_length=168,
        description="Relative intensity for each hour of the week, Monday 00:00 first: for a shape that "
                    "differs by weekday (a desk whose evening hours fall after midnight on the next day).")

    @field_validator("by_hour", "by_weekday", "by_hour_of_week")
    @classmethod
    def _some_positive(cls, values: list[float] | None) -> list[float] | None:
        if values is not None and max(values) <= 0:
            raise ValueError("needs at least one positive multiplier")
        return values

    @model_validator(mode="after")
    def _one_shape(self) -> "Profile":
        if self.by_hour_of_week is not None and (self.by_hour is not None or self.by_weekday is not None):
            raise ValueError("give either by_hour_of_week or by_hour/by_weekday, not both")
        return self

    def hour_of_week(self) -> np.ndarray:
        """Relative arrival intensity per hour of the week (Monday 00:00 first) with mean 1, so the scenario's
        rate stays the average rate."""
        if self.by_hour_of_week is not None:
            week = np.asarray(self.by_hour_of_week, dtype=float)
            return week / week.mean()
        hours = np.asarray(self.by_hour if self.by_hour is not None else [1.0] * 24, dtype=float)
        days = np.asarray(self.by_weekday if self.by_weekday is not None else [1.0] * 7, dtype=float)
        week = np.outer(days / days.mean(), hours / hours.mean()).ravel()
        return week / week.mean()


class Arrivals(FrozenModel):
    """Either a Poisson ``rate`` (optionally shaped by a ``profile``) or a renewal process ``every``."""

    rate: Rate | None = Field(None, description="Mean arrival rate of a Poisson process, e.g. '40/d'.")
    every: Dist | None = Field(None, description="Time between arrivals (a renewal process).")
    profile: Profile | None = None
    dispersion: number(ge=0, le=10) | None = Field(
        None, description="Over-dispersion of a Poisson rate: each week's rate is the mean rate times a gamma "
                          "factor with mean 1 and this coefficient of variation (weekly counts vary more than "
                          "Poisson's).")
    skip_holidays: bool = Field(False, description="No arrivals on the scenario's holidays (the rate is the rate "
                                                   "on other days).")

    @model_validator(mode="after")
    def _one_process(self) -> "Arrivals":
        if (self.rate is None) == (self.every is None):
            raise ValueError("give exactly one of 'rate' (e.g. 40/d) or 'every' (e.g. gamma(mean=3h, cv=0.7))")
        if self.profile is not None and self.rate is None:
            raise ValueError("'profile' shapes a Poisson 'rate'; it cannot be combined with 'every'")
        if self.every is not None and not self.every.mean > 0:
            raise ValueError(f"'every' must have a mean time between arrivals above zero, got {self.every}")
        if self.every is not None and (self.dispersion is not None or self.skip_holidays):
            raise ValueError("'dispersion' and 'skip_holidays' shape a Poisson 'rate'; give 'rate' instead of 'every'")
        return self


#: Names an attribute may not take: table keys and the columns of ``results.items``.
RESERVED_ATTRIBUTES = frozenset({
    "priority", "other", "by", "replication", "item_id", "parent_id", "type", "initial", "arrived",
    "value_realized", "completed", "time_to_value", "sla_time", "work_time", "wait_time", "others_time",
    "off_hours_time", "handoffs", "reworks", "automated_steps", "outcome"})


class Demand(FrozenModel):
    """One type of work item arriving as demand and flowing through one value stream."""

    type: Name
    stream: Name
    arrivals: Arrivals
    priority: Name | dict[Name, Probability] | None = Field(
        None, description="A fixed priority label, or label -> probability (P1 is served first).")
    cost_of_delay: Annotated[Union[MoneyRate, dict[Name, MoneyRate]], Field(union_mode="left_to_right")] | None = \
        Field(None, description="Money lost per unit of time-to-value, e.g. '200/d', or per priority.")
    sla_breach_cost: Annotated[Union[Money, dict[Name, Money]], Field(union_mode="left_to_right")] | None = Field(
        None, description="Penalty per item that misses its SLA target, or per priority.")

    patience: PatienceField | None = Field(
        None, description="Default patience of this type's callers in every work step's queue (a step's own "
                          "patience wins; 'none' there turns it off): past it they give up, outcome abandoned.")
    on_abandon: OnAbandon | None = Field(
        None, description="Default for callers who gave up: {retry: 0.3, after: exponential(mean=10min)}.")
    attributes: dict[Name, dict[Name, Probability]] | None = Field(
        None, max_length=MAX_ATTRIBUTES,
        description="Attributes drawn for each item at arrival, name -> value -> probability, e.g. "
                    "{category: {network: 0.3, access: 0.7}}; tables {by: category, ...} depend on them.")

    @field_validator("priority")
    @classmethod
    def _priority_sums(cls, value: str | dict[str, float] | None) -> str | dict[str, float] | None:
        return sums_to_one(value, "priority probabilities") if isinstance(value, dict) else value

    @field_validator("attributes")
    @classmethod
    def _attribute_sums(cls, value: dict[str, dict[str, float]] | None,
                        info: ValidationInfo) -> dict[str, dict[str, float]] | None:
        for name, values in (value or {}).items():
            if name in RESERVED_ATTRIBUTES:
                raise ValueError(f"{name!r} cannot name an attribute: a table or a column of results uses it")
            if not values or len(values) > MAX_ATTRIBUTE_VALUES:
                raise ValueError(f"attribute {name!r} needs 1 to {MAX_ATTRIBUTE_VALUES} values")
            if "other" in values:
                raise ValueError(f"'other' cannot be a value of attribute {name!r} (tables use it already)")
            sums_to_one(values, f"attribute {name!r} probabilities")
        classes = math.prod(len(values) for values in (value or {}).values())
        priority = info.data.get("priority")
        classes *= len(priority) if isinstance(priority, dict) else 1
        if classes > MAX_ITEM_CLASSES:
            raise ValueError(f"the priorities and attribute values make {classes:,} combinations, each a class of the "
                             f"traffic equations; at most {MAX_ITEM_CLASSES:,} (drop an attribute no table uses, or "
                             "merge rare values)")
        return value


Gate = Annotated[Union[GATE_SCHEMAS], Field(discriminator="kind")]


def _team_shape(value: Any) -> str:
    """Which spelling a step's ``team`` uses: one team, or a list (shared staff)."""
    return "<teams>" if isinstance(value, list) else "<plain>"


class Step(FrozenModel):
    """A step of a value stream: work by a team, an approval gate, or a wait on others (steps/)."""

    name: Name
    activity: Activity
    label: str | None = Field(None, max_length=MAX_LABEL, description="The activity's name in an event log (a "
                              "calibrated step keeps the log's activity here; exported logs name events by it).")
    team: Annotated[Union[Annotated[Name, Tag("<plain>")],
                          Annotated[list[Name], Field(min_length=2, max_length=MAX_SHARED_TEAMS), Tag("<teams>")]],
                    Discriminator(_team_shape)] | None = Field(
        None, description="The team doing the work, or several ([a, b]: shared staff; an item goes to the first "
                          "with a person free, else to the shortest queue).")
    effort: Annotated[Union[Annotated[Dist, Tag("<plain>")], Annotated[EffortByPriority, Tag("<by priority>")]],
                      Discriminator(by_priority_shape)] | None = Field(
        None, description="Time a person is occupied: a duration or distribution, or per priority "
                          "{by: priority, P1: 30min, other: 2h}.")
    gate: Gate | None = None
    wait: WaitSettings | None = None
    fork: ForkSettings | None = Field(
        None, description="Parallel branches: {branches: [first steps], join: all | any | k, then: step} "
                          "(steps/fork.py).")
    release: ReleaseSettings | None = Field(
        None, description="A release train: {every: 2w, when_ready: 10, team: release_mgmt, effort: 2h, per_item: "
                          "10min, fail: 0.05, on_fail: build, freeze: [...]} (steps/release.py).")
    automation: Automation | None = None
    escalate: Escalation | None = Field(None, description="Work steps: raise the priority of an item that has "
                                                          "waited this long in the queue, {after: 4h, priority: P1}.")
    overflow: Overflow | None = Field(
        None, description="Work steps: when the team has nobody free and this many items waiting, an arriving item "
                          "joins another team's queue instead, {to: tier2, when_queue_over: 5}.")
    patience: PatienceField | None = Field(
        None, description="Work steps: how long a caller waits in the queue (not yet started) before giving up, "
                          "e.g. exponential(mean=5min), or 'none'; the item then leaves, outcome abandoned.")
    on_abandon: OnAbandon | None = Field(
        None, description="Work steps with patience: {retry: 0.3, after: 10min}: a caller who gave up rings back "
                          "with this probability, after this time, and queues again.")
    next: Annotated[Union[Annotated[dict[Name, Probability], Tag("<plain>")],
                          Annotated[NextByPriority, Tag("<by priority>")]],
                    Discriminator(by_priority_shape)] | None = Field(
        None, description="Routing: step name (or 'done') -> probability, or per priority {by: priority, "
                          "P1: {...}, other: {...}}; default is the next listed step.")
    spawn: SpawnField | None = Field(
        None, description="Linked records raised when the step ends: {type: change, p: 0.4, count: 1, priority: "
                          "inherit}, or a list of them (scenario/spawn.py).")

    @field_validator("next")
    @classmethod
    def _next_sums(cls, value):
        return sums_to_one(value, "'next' probabilities") if isinstance(value, dict) else value

    @property
    def by_priority(self) -> bool:
        """Whether its routing, effort or gate decision depends on the item's priority."""
        return (isinstance(self.next, NextByPriority) or isinstance(self.effort, EffortByPriority)
                or (self.gate is not None and isinstance(self.gate.approve, ApproveByPriority))
                or (self.wait is not None and isinstance(self.wait.delay, EffortByPriority)))

    def for_priority(self, label: Any) -> "Step":
        """This step as an item of class ``label`` meets it (a priority label, None for an item without
        one, or an ItemClass with attributes): every table resolved to its entry, plain values."""
        if not self.by_priority:
            return self
        update: dict[str, Any] = {}
        if isinstance(self.next, NextByPriority):
            update["next"] = self.next.for_class(label)
        if isinstance(self.effort, EffortByPriority):
            update["effort"] = self.effort.for_class(label)
        if self.gate is not None and isinstance(self.gate.approve, ApproveByPriority):
            update["gate"] = self.gate.model_copy(update={"approve": self.gate.approve.for_class(label)})
        if self.wait is not None and isinstance(self.wait.delay, EffortByPriority):
            update["wait"] = self.wait.model_copy(update={"delay": self.wait.delay.for_class(label)})
        return self.model_copy(update=update)

    @model_validator(mode="after")
    def _one_kind(self) -> "Step":
        if sum(f is not None for f in (self.gate, self.wait, self.fork, self.release)) > 1:
            raise ValueError("a step is one of a gate, a wait, a fork or a release, not several")
        special = ("gate" if self.gate is not None else "wait" if self.wait is not None else
                   "fork" if self.fork is not None else "release" if self.release is not None else None)
        if special == "fork" and self.next is not None:
            raise ValueError("a fork takes no next: the item goes on to fork.then after the join")
        if special is not None:
            extra = [f for f in ("team", "effort", "automation", "escalate", "overflow", "patience", "on_abandon")
                     if getattr(self, f) is not None]
            if extra:
                hint = {"gate": " (an approver gate names its team and effort inside 'gate')",
                        "release": " (a release names its team and effort inside 'release')"}.get(special, "")
                raise ValueError(f"a {special} step takes no {', '.join(extra)}{hint}")
        elif self.team is None or self.effort is None:
            missing = " and ".join(f for f in ("team", "effort") if getattr(self, f) is None)
            raise ValueError(f"a work step needs {missing} (or a 'gate', a 'wait', a 'fork' or a 'release')")
        return self

    @property
    def kind(self):
        """This step's kind (steps/): work, cab, approver, auto, wait, fork or release."""
        return kind_of(self)


SLA_WORDS = ("target", "clock", "calendar", "pause_on", "abandoned")


class SlaClock(FrozenModel):
    """An SLA with its clock: elapsed time or the business hours of a team's calendar, optionally
    paused while the item waits on others for some reasons (as ITSM tools do for "awaiting user")."""

    target: Annotated[Union[Duration, dict[Name, Duration]], Field(union_mode="left_to_right")] = Field(
        description="Target time, or per priority: {P1: 4h, P2: 16h}.")
    clock: Literal["elapsed", "business_hours"] = Field(
        "elapsed", description="elapsed: all hours count; business_hours: only the calendar's working hours.")
    calendar: Name | None = Field(None, description="Team whose working time is the business clock "
                                                    "(default: the team of the stream's first team step).")
    pause_on: list[Name] = Field(default_factory=list, description="Wait reasons that stop the clock.")
    abandoned: Literal["missed", "excluded"] = Field(
        "missed", description="Items whose callers gave up (patience): missed (count against the target) or "
                              "excluded (not counted at all, as many contact centres report).")

    @model_validator(mode="before")
    @classmethod
    def _hours_not_days(cls, data: Any) -> Any:
        """A business-hours target counts working hours: '2d' would mean 48 of them, which nobody means."""
        if isinstance(data, dict) and data.get("clock") == "business_hours":
            target = data.get("target")
            for value in target.values() if isinstance(target, dict) else [target]:
                if isinstance(value, str) and value.strip().endswith(("d", "w")):
                    raise ValueError(f"a business-hours target counts working hours: write e.g. '16h' for two "
                                     f"8-hour days, not {value!r}")
        return data

    def target_for(self, priority: str | None) -> float | None:
        target = self.target
        if isinstance(target, dict):
            return target.get(priority) if priority is not None else None
        return target


def _sla_shape(value: Any) -> str:
    """Which spelling an SLA value uses: a duration, a clock ({target: ...}), or per-priority targets."""
    if isinstance(value, dict):
        return "<clock>" if "target" in value else "<priorities>"
    return "<clock>" if isinstance(value, SlaClock) else "<duration>"


#: An SLA: '4h', {P1: 4h, P2: 8h}, or {target: ..., clock: ..., calendar: ..., pause_on: [...]}.
SlaValue = Annotated[Union[Annotated[Duration, Tag("<duration>")], Annotated[SlaClock, Tag("<clock>")],
                           Annotated[dict[Name, Duration], Tag("<priorities>")]], Discriminator(_sla_shape)]


class Stream(FrozenModel):
    """A value stream: its steps in order; value is realised when ``value_at`` completes."""

    steps: list[Step] = Field(min_length=1)
    value_at: Name | None = Field(None, description="Step whose completion realises value (default: the end).")
    close_after: PositiveDuration | None = Field(
        None, description="Closing rule: an item still open this long after it arrived is closed: its wait or "
                          "queue is left, the work on it stops and frees its person, and it is done (the "
                          "stale-ticket auto-close of a service desk).")

    def for_priority(self, label: Any) -> "Stream":
        """The stream as items of class ``label`` (a priority label, None, or an ItemClass with
        attributes) go through it: every table resolved to its entry (or ``other``)."""
        if not any(step.by_priority for step in self.steps):
            return self
        return self.model_copy(update={"steps": [step.for_priority(label) for step in self.steps]})

    @property
    def by_priority(self) -> bool:
        return any(step.by_priority for step in self.steps)

    def successors(self, position: int) -> dict[str, float]:
        """Where an item goes after (approval at) step ``position``: ``next``, its kind's own way on (a
        fork's ``then``), or the following step."""
        step = self.steps[position]
        if step.next is not None:
            return dict(step.next)
        onward = step.kind.onward(step)
        if onward is not None:
            return onward
        following = self.steps[position + 1].name if position + 1 < len(self.steps) else DONE
        return {following: 1.0}


class Change(FrozenModel):
    """From ``at`` on, some values differ: growth, a new hire in month 3, a policy switch."""

    at: PositiveDuration = Field(description="When the change takes effect (hours since the start).")
    set: dict[str, Any] = Field(default_factory=dict, description="Dotted path -> new value, as in variants.")
    scale: dict[str, number(gt=0, le=1e6)] = Field(default_factory=dict, description="Dotted path -> multiplier.")


class Scenario(FrozenModel):
    """A whole scenario: teams, demand and value streams, and how long and often to run it."""

    name: str
    description: str = ""
    horizon: PositiveDuration = Field(description="How long demand arrives after the warm-up.")
    warmup: Duration = Field(0.0, description="Arrivals during the warm-up are simulated, not reported.",
                             json_schema_extra={"default": "0h"})
    drain: Duration | None = Field(
        None, description="Longest time items in flight may take to finish after arrivals stop "
                          "(default: one horizon).")
    allow_overload: bool = Field(
        False, description="No longer needed: an overloaded team is always simulated, with a warning (kept so "
                           "older files load); the drain limit still ends each run.")
    replications: count(ge=1, le=100_000) = 10
    seed: count(ge=0, lt=2**63) = 1
    currency: str | None = Field(None, description="Label of the money amounts (e.g. EUR); never assumed.")
    start: Annotated[datetime, BeforeValidator(parse_start)] | None = Field(
        None, description="Local date and time at t = 0, e.g. '2026-01-05 08:00' (default: Monday 2024-01-01 "
                          "00:00); results stay in hours since the start.")
    holidays: list[date] = Field(default_factory=list, max_length=MAX_HOLIDAYS,
                                 description="Dates nobody works (every team).")
    changes: list[Change] = Field(default_factory=list, max_length=MAX_CHANGES, description="Values that change at given times, "
                                  "e.g. [{at: 26w, set: {demand.incident.arrivals.rate: 38/w}}].")
    sla: dict[Name, SlaValue] = Field(
        default_factory=dict, description="Time-to-value targets per item type, optionally per priority, "
                                          "optionally on a business-hours clock or paused on wait reasons: "
                                          "{incident: {P1: 4h, P2: 8h}, change: 10d, request: {target: 16h, "
                                          "clock: business_hours, pause_on: [customer]}}.")
    teams: dict[Name, Team] = Field(default_factory=dict)
    demand: list[Demand] = Field(min_length=1)
    streams: dict[Name, Stream] = Field(min_length=1)
    initial: Initial | None = Field(
        None, description="Items already open at the start (a warm start): a list of {type, step, count, "
                          "priority, age}, or {file: open_tickets.csv}, a snapshot with the columns id, type, "
                          "priority, step, opened_at (scenario/initial.py).")
    # What the loader (load.validate, variants.load_variant_spec) reads once and keeps beside the fields; None
    # on a Scenario validated another way. The accessors (epochs, snapshot.open_items, variants.variant_of)
    # never rebuild them.
    #: (time, scenario in force from then on) per change over time (load.epochs).
    _epochs: list[tuple[float, Scenario]] | None = PrivateAttr(default=None)
    #: The checked open items of ``initial`` (snapshot.read_initial).
    _initial: tuple[OpenItems, ...] | None = PrivateAttr(default=None)
    #: The variant this scenario was built from, if any (variants.load_variant_spec).
    _variant: Variant | None = PrivateAttr(default=None)

    @field_validator("holidays", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        return list(parse_holidays(value)) if value is not None else value

    def schedule(self, team: str) -> Schedule:
        """The team's headcount on the clock: its pattern from ``start``, with every holiday."""
        spec = self.teams[team]
        return Schedule(spec.pattern(), self.start or DEFAULT_START, [*self.holidays, *spec.holidays])

    def sla_target(self, item_type: str, priority: str | None) -> float | None:
        """The SLA target in hours (on the SLA's clock) for one type (and priority), or None."""
        value = self.sla.get(item_type)  # PERF: called per item by metrics and business cases
        target = value.target if isinstance(value, SlaClock) else value
        if isinstance(target, dict):
            return target.get(priority) if priority is not None else None
        return target

    def sla_team(self, item_type: str) -> str | None:
        """The team whose calendar is a type's business clock: the SLA's ``calendar``, else the first team
        working in the type's stream."""
        clock = self.sla_clock(item_type)
        if clock is not None and clock.calendar is not None:
            return clock.calendar
        stream = next(d.stream for d in self.demand if d.type == item_type)
        return next((t for s in self.streams[stream].steps if (t := s.kind.team(s)) is not None), None)

    @property
    def sla_abandoned_excluded(self) -> frozenset[str]:
        """The demand types whose SLA leaves abandoned items out (``abandoned: excluded``); for the others an
        abandoned item is a miss."""
        return frozenset(t for t, value in self.sla.items() if isinstance(value, SlaClock)
                         and value.abandoned == "excluded")

    def sla_clock(self, item_type: str) -> SlaClock | None:
        """The SLA of one type as an :class:`SlaClock` (a plain target runs on elapsed time), or None."""
        value = self.sla.get(item_type)
        return value if isinstance(value, SlaClock) or value is None else SlaClock.model_construct(target=value)

    @property
    def epochs(self) -> list[tuple[float, Scenario]]:
        """(time, scenario in force from then on) for each change over time, built and checked once by the loader
        (load.epochs); empty without changes."""
        if self._epochs is not None:
            return self._epochs
        if self.changes:
            raise ScenarioError("the changes over time are built when the scenario is loaded: use load_scenario",
                                path="changes")
        return []

    @property
    def drain_limit(self) -> float:
        return self.horizon if self.drain is None else self.drain
