"""Cross-reference and stability checks that a single field cannot make: names, routes, load.

Raises :class:`ScenarioError` naming the field path; returns warnings (plain strings) for
things that are legal but suspicious.
"""

from __future__ import annotations

from ..errors import ScenarioError, unknown
from ..limits import MAX_EVENTS_PER_REPLICATION, MAX_VISITS_PER_ITEM
from ..theory import HIGH_LOAD
from ..readable import figure, share
from ..steps import JOIN
from .capacity import entering_rates, exits, offered_loads, priority_mix, shift_loads, step_visits
from ..steps.by_priority import OTHER, PRIORITY, ApproveByPriority, EffortByPriority, NextByPriority, priority_of, value_of
from .model import DONE, DROP, SLA_WORDS, Scenario, SlaClock, Stream
from .forks import check_forks
from .patience import check_patience
from .spawn_checks import check_spawns
from .overload import overload_warning, restart_loads, restart_warning
from .workload import workload
from .skills import check_people
from .rule_checks import check_rules, with_overflow_notes

#: Utilisation from which a team is reported as nearly saturated: the one threshold of the verdict, the load
#: chart and the app (theory.HIGH_LOAD).
HIGH_UTILISATION = HIGH_LOAD
RESERVED = (DONE, DROP, JOIN)


def check(scenario: Scenario) -> list[str]:
    """Run every check; raise on the first error, return the warnings."""
    warnings: list[str] = []
    _check_demand(scenario)
    _check_sla(scenario)
    _check_costs(scenario)
    check_people(scenario)
    check_rules(scenario)
    for name, stream in scenario.streams.items():
        _check_stream(scenario, name, stream)
        check_forks(scenario, name, stream)
        _check_tables(scenario, name, stream)
        for label in _labels_into(scenario, name):
            _check_exits(name, stream.for_priority(label))
    check_patience(scenario)
    check_spawns(scenario)  # before anything counts the items spawned (offered load, work budget)
    used = {d.stream for d in scenario.demand}
    warnings += [f"streams.{n}: no demand flows through this stream" for n in scenario.streams if n not in used]
    warnings += [f"teams.{n}: no step uses this team (a misspelt team name in a variant adds a new team)"
                 for n in scenario.teams if n not in _teams_used(scenario)]
    warnings += _check_demand_volume(scenario)
    _check_visits(scenario)
    warnings += _check_load(scenario)
    warnings += [f"teams.{load.team}: the work arriving {load.window} is {share(load.utilisation)} of the "
                 f"{load.headcount} on duty; it queues until a fuller shift" for load in shift_loads(scenario)
                 if load.headcount and load.utilisation >= 1]
    _check_size(scenario)
    return warnings


def _teams_used(scenario: Scenario) -> set[str]:
    used = set()
    for stream in scenario.streams.values():
        for step in stream.steps:
            used.update(step.kind.teams(step))
            if getattr(step, "escalate", None) is not None and step.escalate.team is not None:
                used.add(step.escalate.team)
            if getattr(step, "overflow", None) is not None:
                used.add(step.overflow.to)
    return used


def _check_demand_volume(scenario: Scenario) -> list[str]:
    """Warn when a demand type would bring less than one item per replication (a rate typo); items other
    items raise (``spawn``) count with their type."""
    window = scenario.warmup + scenario.horizon
    rates = entering_rates(scenario)
    return [f"demand[{d.type}].arrivals: about {figure(rates[d.type] * window)} items of this type are expected per "
            "replication; results will hold few or none" for d in scenario.demand if rates[d.type] * window < 1]


def _check_visits(scenario: Scenario) -> None:
    """Refuse loops that almost never exit: an item would visit a step thousands of times on average
    (a rework probability of 0.9999, or a gate that rejects to itself), and a zero-time loop of this
    kind would never let the clock move."""
    for name, stream in scenario.streams.items():
        labels = {None} | {label for d in scenario.demand if d.stream == name for label, _ in priority_mix(d)}
        for step, visits in ((s, v) for label in labels for s, v in zip(stream.steps, step_visits(stream, label))):
            if not visits <= MAX_VISITS_PER_ITEM:
                raise ScenarioError(
                    f"an item would pass this step about {figure(visits)} times on average (routing and rejection "
                    f"loops), more than {MAX_VISITS_PER_ITEM:,.0f}; give the loop a realistic exit probability",
                    path=f"streams.{name}.steps[{step.name}]")


def _check_size(scenario: Scenario) -> None:
    """Refuse a replication too big to finish in reasonable time (a typo such as 180w for 180d, a CAB
    meeting every second)."""
    load = workload(scenario)
    if load.events > MAX_EVENTS_PER_REPLICATION:
        raise ScenarioError(
            f"one replication would simulate about {figure(load.events)} events, more than "
            f"{figure(MAX_EVENTS_PER_REPLICATION)}; most come from {load.largest}: shorten the horizon or change "
            "this field", path=load.largest_path)


def _check_demand(scenario: Scenario) -> None:
    seen: set[str] = set()
    for i, demand in enumerate(scenario.demand):
        if demand.type in seen:
            raise ScenarioError(f"demand type {demand.type!r} is given twice; types must be unique",
                                path=f"demand[{i}].type")
        seen.add(demand.type)
        if demand.stream not in scenario.streams:
            raise ScenarioError(unknown("stream", demand.stream, list(scenario.streams)),
                                path=f"demand[{demand.type}].stream")


def _labels(demand) -> list[str]:
    priority = demand.priority
    return list(priority) if isinstance(priority, dict) else [priority] if priority else []


def _check_costs(scenario: Scenario) -> None:
    """Per-priority costs must name the type's priorities; penalties need an SLA target."""
    for demand in scenario.demand:
        for field in ("cost_of_delay", "sla_breach_cost"):
            value = getattr(demand, field)
            for label in value if isinstance(value, dict) else []:
                if label not in _labels(demand):
                    raise ScenarioError(unknown(f"priority of {demand.type}", label, _labels(demand)),
                                        path=f"demand[{demand.type}].{field}.{label}")
        if demand.sla_breach_cost is not None and demand.type not in scenario.sla:
            raise ScenarioError(f"a breach cost needs an SLA target: add sla.{demand.type}",
                                path=f"demand[{demand.type}].sla_breach_cost")


def _check_sla(scenario: Scenario) -> None:
    types = {d.type: d for d in scenario.demand}
    for item_type in scenario.sla:
        if item_type not in types:
            raise ScenarioError(unknown("demand type", item_type, list(types)), path=f"sla.{item_type}")
        clock = scenario.sla_clock(item_type)
        where = f"sla.{item_type}" + (".target" if isinstance(scenario.sla[item_type], SlaClock) else "")
        if isinstance(clock.target, dict):
            labels = _labels(types[item_type])
            for label in clock.target:
                if label in SLA_WORDS:
                    raise ScenarioError(f"{label!r} is a word of the SLA format, not a priority: write "
                                        f"{{target: ..., clock: ...}} or rename the priority", path=f"{where}.{label}")
                if label not in labels:
                    raise ScenarioError(unknown(f"priority of {item_type}", label, labels), path=f"{where}.{label}")
        _check_sla_clock(scenario, item_type, clock, types[item_type].stream)


def _check_sla_clock(scenario: Scenario, item_type: str, clock, stream: str) -> None:
    """The business clock's team exists (or the stream has a team step); pause reasons are wait reasons."""
    if clock.calendar is not None and clock.calendar not in scenario.teams:
        raise ScenarioError(unknown("team", clock.calendar, list(scenario.teams)), path=f"sla.{item_type}.calendar")
    if clock.clock == "business_hours" and clock.calendar is None and scenario.sla_team(item_type) is None:
        raise ScenarioError("a business-hours clock needs a calendar: name a team (calendar: desk); the stream "
                            f"{stream!r} has no team step to take it from", path=f"sla.{item_type}.calendar")
    reasons = sorted({s.wait.reason for s in scenario.streams[stream].steps if s.wait is not None})
    for reason in clock.pause_on:
        if reason not in reasons:
            raise ScenarioError(unknown(f"wait reason of stream {stream}", reason, reasons),
                                path=f"sla.{item_type}.pause_on")


def _check_stream(scenario: Scenario, name: str, stream: Stream) -> None:
    names = [step.name for step in stream.steps]
    teams = list(scenario.teams)
    for step in stream.steps:
        if step.name in RESERVED:
            raise ScenarioError(f"{step.name!r} is reserved for routing; rename the step",
                                path=f"streams.{name}.steps[{step.name}].name")
    for step in stream.steps:
        path = f"streams.{name}.steps[{step.name}]"
        if names.count(step.name) > 1:
            raise ScenarioError(f"step name {step.name!r} is used twice in this stream", path=f"{path}.name")
        named = [step.team] if isinstance(step.team, str) else step.team or []
        for team in named:
            if team not in scenario.teams:
                raise ScenarioError(unknown("team", team, teams), path=f"{path}.team")
        if len(set(named)) < len(named):
            raise ScenarioError("a team is listed twice", path=f"{path}.team")
        if len(named) > 1 and step.escalate is not None:
            raise ScenarioError("escalation on a step several teams share is not supported yet",
                                path=f"{path}.escalate")
        step.kind.check(step, path, names, teams)
        tables = step.next.cases if isinstance(step.next, NextByPriority) else {"": step.next or {}}
        for label, table in tables.items():
            where = f"{path}.next.{label}" if label else f"{path}.next"
            for target in table:
                if target not in (DONE, JOIN) and target not in names:  # join: forks.py checks where
                    raise ScenarioError(unknown("step", target, names + [DONE]), path=f"{where}.{target}")
    if stream.value_at is not None and stream.value_at not in names:
        raise ScenarioError(unknown("step", stream.value_at, names), path=f"streams.{name}.value_at")


def _labels_into(scenario: Scenario, name: str) -> set:
    """The classes of the items entering stream ``name``: priority labels (None: items without one), or
    ItemClass with declared attributes."""
    return {label for d in scenario.demand if d.stream == name for label, _ in priority_mix(d)} or {None}


def _check_tables(scenario: Scenario, name: str, stream: Stream) -> None:
    """Tables depend on priority or on an attribute the items entering the stream declare; they name
    values the scenario knows (or 'other': a typo is refused) and cover every class entering it."""
    entering = _labels_into(scenario, name)
    known = sorted({p for d in scenario.demand for label, _ in priority_mix(d) if (p := priority_of(label)) is not None})
    values = {attribute: sorted({v for d in scenario.demand if d.stream == name for v in
                                 (d.attributes or {}).get(attribute, {})})
              for d in scenario.demand if d.stream == name for attribute in (d.attributes or {})}
    for step in stream.steps:
        approve = step.gate.approve if step.gate is not None else None
        delay = step.wait.delay if step.wait is not None else None
        for field, table in (("next", step.next), ("effort", step.effort), ("gate.approve", approve),
                             ("wait.delay", delay)):
            if not isinstance(table, (NextByPriority, EffortByPriority, ApproveByPriority)):
                continue
            path = f"streams.{name}.steps[{step.name}].{field}"
            if table.by != PRIORITY and table.by not in values:
                raise ScenarioError(unknown("attribute of the items entering this stream", table.by,
                                            [PRIORITY, *sorted(values)]), path=f"{path}.by")
            allowed = known if table.by == PRIORITY else values[table.by]
            for label in table.labels():
                if label not in allowed:
                    raise ScenarioError(unknown(table.by if table.by == PRIORITY else f"value of {table.by}", label,
                                                allowed + [OTHER]), path=f"{path}.{label}")
            missing = sorted({value_of(label, table.by) or f"items without a {table.by}" for label in entering
                              if table.for_class(label) is None})
            if missing:
                raise ScenarioError(f"no entry for {', '.join(missing)}: list them or give 'other'", path=path)
        if step.escalate is not None:
            _check_escalation(scenario, step, f"streams.{name}.steps[{step.name}].escalate", known)


def _check_escalation(scenario: Scenario, step, path: str, known: list[str]) -> None:
    """An escalation names a known priority, or a known team other than the one doing the work
    (moving waiting work into its own team's queue would change nothing but the records)."""
    escalation = step.escalate
    if escalation.team is None:
        if escalation.priority not in known:
            raise ScenarioError(unknown("priority", escalation.priority, known), path=f"{path}.priority")
        return
    if escalation.team not in scenario.teams:
        raise ScenarioError(unknown("team", escalation.team, list(scenario.teams)), path=f"{path}.team")
    if escalation.team == step.team:
        raise ScenarioError(f"escalates to {step.team!r}, the team already doing this step's work; name another "
                            "team, or raise the priority instead (escalate: {after, priority})", path=f"{path}.team")


def _check_exits(name: str, stream: Stream) -> None:
    """Every step must be able to reach 'done' (or be dropped), or items could loop for ever."""
    edges: dict[str, set[str]] = {}
    for position, step in enumerate(stream.steps):
        branches = step.kind.branches(step)  # a fork goes on by its join's 'then' only, not by its branches
        edges[step.name] = {t for t, p in exits(stream, position).items() if p > 0 and t not in branches}
    leaving = {DONE, DROP, JOIN}
    changed = True
    while changed:
        changed = False
        for step_name, targets in edges.items():
            if step_name not in leaving and targets & leaving:
                leaving.add(step_name)
                changed = True
    for step in stream.steps:
        if step.name not in leaving:
            fork = step.kind.branches(step)
            raise ScenarioError("this step cannot reach 'done': every route from it loops for ever; "
                                + ("after the join, 'then' must lead to 'done'" if fork else
                                   "give a 'next' entry that leads to 'done'"),
                                path=f"streams.{name}.steps[{step.name}]" + (".fork.then" if fork else ""))


def _check_load(scenario: Scenario) -> list[str]:
    """Warnings on offered load: an overloaded team or gate is simulated (its growing backlog is
    reported), a nearly saturated one settles slowly, peaks overload for a while; restarted work adds load."""
    warnings = []
    for load in with_overflow_notes(scenario, offered_loads(scenario)):
        what = "team" if load.kind == "team" else "gate"
        if load.utilisation >= 1:
            warnings.append(overload_warning(load, scenario.allow_overload))
        elif load.utilisation >= HIGH_UTILISATION:
            warnings.append(f"{load.path}: {what} {load.name!r} runs at {share(load.utilisation)} utilisation; "
                            "queues will be long and slow to settle" + (f" ({load.note})" if load.note else ""))
        elif load.peak_utilisation > 1 and not _has_working_time(scenario, load):  # else: load per shift
            warnings.append(f"{load.path}: {what} {load.name!r} is overloaded at peak times "
                            f"({share(load.peak_utilisation)}); queues build up at peaks and drain later")
    return warnings + [text for load in restart_loads(scenario) if (text := restart_warning(load))]


def _has_working_time(scenario: Scenario, load) -> bool:
    """A team on a calendar or shifts: its peaks are judged shift by shift (``shift_loads``)."""
    return load.kind == "team" and not scenario.teams[load.name].always_on
