"""The app's controls: the inputs a baseline offers, and the variant overlay their values make.

An input is named by the dotted path it edits (``teams.platform.capacity``); a few stand for
several paths (``…gate.timing`` is a CAB's ``meets``, an automated check's ``delay`` or an
approver's ``effort``; ``teams.T.shifts.0.capacity`` rewrites the team's ``shifts`` list, whose
entries have no name to address; ``demand.scale`` scales every arrival rate). A value left at the baseline's
makes no edit, so the overlay holds only what the planner changed, in the ``set``/``scale`` form of
variant files. Edits the controls do not own (typed in the YAML) are kept. A validation error's
field path leads back to the input it concerns, so the CLI's message shows beside that field.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import readable
from ..decisions.economics import has_costs
from ..scenario import Scenario
from ..scenario.model import Team

#: The field that times each gate kind: how often a CAB meets, how long a check or a review takes.
TIMING = {"cab": "meets", "auto": "delay", "approver": "effort"}
#: The timing field in words, for each gate kind.
TIMING_WORDS = {"cab": "meets every", "auto": "check takes", "approver": "review takes"}
#: How often a gate switched to a CAB meets unless the planner says otherwise.
DEFAULT_MEETS = "1w"
#: A variant's name until the planner gives one.
DEFAULT_NAME = "what if"
#: The economics a planner can give without YAML (months for lead_time, money otherwise).
ECONOMICS = {"investment": "one-off investment", "running_cost": "running cost a month",
             "lead_time": "months before the benefit starts"}


@dataclass(frozen=True)
class Control:
    """One input of the page: ``key`` is the path it edits and its id on the page; ``baseline`` is the
    baseline's value (leaving it there makes no edit)."""

    key: str
    group: str  # variant, teams, automation, gates, releases, demand or economics
    label: str
    kind: str  # number, text or choice
    baseline: Any
    options: tuple[str, ...] = ()
    hint: str = ""


def controls_for(scenario: Scenario) -> list[Control]:
    """The inputs the baseline offers, grouped: name, team capacities, automation per work step, each
    gate's kind and timing, each release train's cadence and batch size, demand scale, and economics when
    the baseline has costs."""
    data = scenario.model_dump(mode="json")
    found = [Control("name", "variant", "variant name", "text", "", hint="names the saved file too")]
    for name, team in scenario.teams.items():
        found += _team_controls(name, team)
    for stream_name, stream in data["streams"].items():
        for step in stream["steps"]:
            path = f"streams.{stream_name}.steps.{step['name']}"
            where = f"{stream_name} › {step['name']}"
            if step.get("gate"):
                found += _gate_controls(path, where, step["gate"])
            elif step.get("release"):
                release = step["release"]
                found += [Control(f"{path}.release.every", "releases", f"{where}: a release every", "text",
                                  release.get("every") or "", hint="e.g. 1w; empty keeps the baseline's"),
                          Control(f"{path}.release.when_ready", "releases", f"{where}: early when ready", "number",
                                  release.get("when_ready"), hint="items waiting that make a release at once")]
            elif step.get("team") and step.get("effort"):
                automation = step.get("automation") or {}
                found += [Control(f"{path}.automation.share", "automation", where, "number", automation.get("share", 0.0),
                                  hint="share of executions automated, 0 to 1"),
                          Control(f"{path}.automation.effort", "automation", where, "text", automation.get("effort", ""),
                                  hint="an automated execution takes, e.g. 10min")]
    found.append(Control("demand.scale", "demand", "all arrival rates ×", "number", 1.0, hint="1.2 is 20% more demand"))
    if has_costs(scenario):
        found += [Control(f"economics.{field}", "economics", label, "number", None) for field, label in ECONOMICS.items()]
    return found


def _team_controls(name: str, team: Team) -> list[Control]:
    """A team's headcount inputs, in people on duty (as the offered-load table counts them): its capacity,
    or one input per shift."""
    average = f"{readable.figure(team.pattern().average_headcount)} on average over the week"
    if team.shifts is None:
        hours = "round the clock" if team.calendar is None else f"in its hours ({_calendar_text(team.calendar)}): {average}"
        return [Control(f"teams.{name}.capacity", "teams", name, "number", team.capacity,
                        hint=f"people on duty {hours}")]
    return [Control(f"teams.{name}.shifts.{index}.capacity", "teams", f"{name} {shift.days} {shift.hours}", "number",
                    shift.capacity, hint=f"people on duty in this shift; the team: {average}")
            for index, shift in enumerate(team.shifts)]


def _calendar_text(calendar: Mapping[str, Any]) -> str:
    """``{mon-fri: ["08:00-12:00", "13:00-17:00"]}`` as ``mon-fri 08:00-12:00, 13:00-17:00``."""
    return "; ".join(f"{days} {', '.join(hours) if isinstance(hours, list) else hours}"
                     for days, hours in calendar.items())


def _gate_controls(path: str, where: str, gate: dict[str, Any]) -> list[Control]:
    kind = gate["kind"]
    options = tuple(dict.fromkeys((kind, "cab", "auto")))
    timing = TIMING_WORDS[kind]
    return [Control(f"{path}.gate.kind", "gates", where, "choice", kind, options,
                    hint="switched to auto: an automated check with the same approval rate, taking the time typed "
                         "beside it (none: no delay); switched to a CAB: meeting at the cadence typed (none: every "
                         f"{DEFAULT_MEETS})"),
            Control(f"{path}.gate.timing", "gates", where, "text", str(gate.get(TIMING[kind]) or ""), hint=timing)]


def edit(overlay: Mapping[str, Any], scenario: Scenario, values: Mapping[str, Any],
         changed: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The overlay after the planner changed the input ``changed``, and the inputs to set anew on the page.

    Switching a gate's kind drops the timing on screen (a CAB's ``1w`` is no automated check's delay) and
    shows the timing the variant then has: none for an automated check, DEFAULT_MEETS for a new CAB, the
    baseline's when switched back."""
    if not (changed or "").endswith(".gate.kind"):
        return overlay_with(overlay, scenario, values), {}
    timing = changed.removesuffix(".kind") + ".timing"
    result = overlay_with(overlay, scenario, {k: v for k, v in values.items() if k != timing})
    return result, {timing: values_in(result, scenario)[timing]}


def overlay_with(overlay: Mapping[str, Any], scenario: Scenario, values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``overlay`` whose edits owned by the controls are those ``values`` make (by key)."""
    controls = {c.key: c for c in controls_for(scenario)}
    result = copy.deepcopy(dict(overlay))
    sets, scales = dict(result.get("set") or {}), dict(result.get("scale") or {})
    economics = dict(result.get("economics") or {})
    for key in controls:
        _forget(key, sets, scales, economics, scenario)
    value = {key: _clean(values.get(key, control.baseline)) for key, control in controls.items()}
    for key in [k for k in controls if k.endswith(".gate.timing") and k not in values]:
        kind = key.removesuffix("timing") + "kind"
        if _given(value[kind]) and value[kind] != controls[kind].baseline:
            value[key] = ""  # the baseline's timing is another kind's: none given
    result["name"] = value["name"] if _given(value["name"]) else result.get("name", DEFAULT_NAME)
    for key, control in controls.items():
        if control.group in ("teams", "releases") and ".shifts." not in key and _changed(value[key], control.baseline):
            sets[key] = value[key]
        elif key.endswith(".automation.share"):
            sets.update(_automation_edits(key.removesuffix(".automation.share"), controls, value))
        elif key.endswith(".gate.kind"):
            sets.update(_gate_edits(key.removesuffix(".gate.kind"), controls, value, scenario))
        elif control.group == "economics" and _given(value[key]):
            economics[key.removeprefix("economics.")] = value[key]
    sets.update(_shift_edits(scenario, controls, value))
    scales.update(_demand_edits(scenario, value["demand.scale"]))
    for section, edits in (("set", sets), ("scale", scales), ("economics", economics)):
        if edits:
            result[section] = edits
        else:
            result.pop(section, None)
    return result


def _forget(key: str, sets: dict, scales: dict, economics: dict, scenario: Scenario) -> None:
    """Drop the edits an input owns, before its value puts back its own."""
    if key.endswith(".automation.share") or key.endswith(".automation.effort"):
        step = key.rsplit(".", 1)[0]
        owned = [step, f"{step}.share", f"{step}.effort"]
    elif key.endswith(".gate.kind") or key.endswith(".gate.timing"):
        gate = key.rsplit(".", 1)[0]
        owned = [gate, f"{gate}.kind", *(f"{gate}.{field}" for field in TIMING.values())]
    elif key == "demand.scale":
        owned = [f"demand.{d.type}.arrivals.{field}" for d in scenario.demand for field in ("rate", "every")]
    elif ".shifts." in key:
        owned = [key.split(".shifts.")[0] + ".shifts"]
    elif key.startswith("economics."):
        economics.pop(key.removeprefix("economics."), None)
        return
    else:
        owned = [key]
    for path in owned:
        sets.pop(path, None)
        scales.pop(path, None)


def _automation_edits(step: str, controls: dict[str, Control], value: dict[str, Any]) -> dict[str, Any]:
    share, effort = value[f"{step}.automation.share"], value[f"{step}.automation.effort"]
    base_share, base_effort = controls[f"{step}.automation.share"].baseline, controls[f"{step}.automation.effort"].baseline
    if base_effort:  # the step is automated in part already: edit what changed
        edits = {}
        if _changed(share, base_share):
            edits[f"{step}.automation.share"] = share
        if _changed(effort, base_effort):
            edits[f"{step}.automation.effort"] = effort
        return edits
    if not _changed(share, 0.0):
        return {}
    automation = {"share": share, **({"effort": effort} if _given(effort) else {})}
    return {f"{step}.automation": automation}


def _shift_edits(scenario: Scenario, controls: dict[str, Control], value: dict[str, Any]) -> dict[str, Any]:
    """The whole ``shifts`` list of each team whose shift headcounts changed (entries have no name to
    address one by one)."""
    edits = {}
    for name, team in scenario.teams.items():
        keys = [f"teams.{name}.shifts.{index}.capacity" for index in range(len(team.shifts or ()))]
        if keys and any(_changed(value[key], controls[key].baseline) for key in keys):
            edits[f"teams.{name}.shifts"] = [
                {"days": shift.days, "hours": shift.hours,
                 "capacity": value[key] if _changed(value[key], shift.capacity) else shift.capacity}
                for key, shift in zip(keys, team.shifts)]
    return edits


def _gate_edits(step: str, controls: dict[str, Control], value: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    base_kind = controls[f"{step}.gate.kind"].baseline
    kind = value[f"{step}.gate.kind"] if _given(value[f"{step}.gate.kind"]) else base_kind
    timing = value[f"{step}.gate.timing"]
    new_timing = _changed(timing, controls[f"{step}.gate.timing"].baseline) if kind == base_kind else _given(timing)
    if kind == base_kind:
        return {f"{step}.gate.{TIMING[kind]}": timing} if new_timing else {}
    _, stream, _, name = step.split(".")
    base = next(s for s in scenario.streams[stream].steps if s.name == name).gate
    approve = base.approve if isinstance(base.approve, float) else base.approve.model_dump(mode="json")
    gate: dict[str, Any] = {"kind": kind, "approve": approve, "on_reject": base.on_reject}
    if new_timing:
        gate[TIMING.get(kind, "delay")] = timing
    elif kind == "cab":
        gate["meets"] = DEFAULT_MEETS
    return {f"{step}.gate": gate}


def _demand_edits(scenario: Scenario, factor: Any) -> dict[str, Any]:
    """``scale`` edits multiplying every demand's arrival rate by ``factor`` (a renewal process's time
    between arrivals by its inverse)."""
    if not _changed(factor, 1.0):
        return {}
    inverse = round(1 / factor, 6) if _number(factor) and factor > 0 else factor
    return {f"demand.{d.type}.arrivals.{'rate' if d.arrivals.rate is not None else 'every'}":
            factor if d.arrivals.rate is not None else inverse for d in scenario.demand}


def values_in(overlay: Mapping[str, Any], scenario: Scenario) -> dict[str, Any]:
    """The control values an overlay stands for (the baseline's where it makes no edit): the page sets
    its inputs from a YAML edited by hand or a saved variant."""
    sets, scales = overlay.get("set") or {}, overlay.get("scale") or {}
    economics = overlay.get("economics") or {}
    values: dict[str, Any] = {}
    controls = {c.key: c for c in controls_for(scenario)}
    for control in controls.values():
        key, found = control.key, control.baseline
        if key == "name":
            found = overlay.get("name", "")
        elif ".shifts." in key:
            team, index = key.split(".shifts.")[0], int(key.split(".")[-2])
            shifts = sets.get(f"{team}.shifts")
            entry = shifts[index] if isinstance(shifts, list) and index < len(shifts) else None
            found = _mapping(entry).get("capacity", found)
        elif control.group == "teams":
            found = sets.get(key, found)
        elif control.group == "automation":
            step, field = key.rsplit(".", 1)
            found = sets.get(key, _mapping(sets.get(step)).get(field, found))
        elif key.endswith(".gate.kind"):
            gate = key.removesuffix(".kind")
            found = _mapping(sets.get(gate)).get("kind", found)
        elif key.endswith(".gate.timing"):
            gate = key.removesuffix(".timing")
            kind = values[f"{gate}.kind"]
            field = TIMING.get(kind, "delay")
            same_kind = kind == controls[f"{gate}.kind"].baseline  # else the baseline's timing does not apply
            found = sets.get(f"{gate}.{field}", _mapping(sets.get(gate)).get(field, found if same_kind else ""))
        elif key == "demand.scale":
            found = _demand_factor(scenario, scales)
        elif control.group == "economics":
            found = _mapping(economics).get(key.removeprefix("economics."))
        values[key] = found
    return values


def simulated_gates(variant: Scenario) -> dict[str, str]:
    """What the variant simulates at each gate, in words, by the gate's timing input: ``simulated: an
    automated check, no delay`` (the page shows it beside the field, from the checked variant)."""
    found = {}
    for stream_name, stream in variant.streams.items():
        for step in (s for s in stream.steps if s.gate is not None):
            _, takes = step.kind.describe(step)
            delay = getattr(step.gate, "delay", None)
            words = {"cab": f"a CAB that {takes}",
                     "auto": "an automated check, no delay" if delay is None or delay.mean == 0
                     else f"an automated check taking {takes}",
                     "approver": f"an approver's review taking {takes}"}.get(step.gate.kind, takes)
            found[f"streams.{stream_name}.steps.{step.name}.gate.timing"] = f"simulated: {words}"
    return found


def _demand_factor(scenario: Scenario, scales: Mapping[str, Any]) -> Any:
    for demand in scenario.demand:
        if f"demand.{demand.type}.arrivals.rate" in scales:
            return scales[f"demand.{demand.type}.arrivals.rate"]
        every = scales.get(f"demand.{demand.type}.arrivals.every")
        if every is not None:
            return round(1 / every, 6) if _number(every) and every > 0 else every
    return 1.0


def control_for(path: str | None, keys: Iterable[str]) -> str | None:
    """The key of the input a validation error's field path concerns, or None (the error then shows
    beside the YAML). Paths may carry the variant's section (``set.``) and name list entries in
    brackets (``steps[cab]``), as the CLI's messages do."""
    if not path:
        return None
    where = re.sub(r"\[([^\]]*)\]", r".\1", path)
    where = re.sub(r"^(set|scale)\.", "", where)
    where = re.sub(r"\.gate\.(meets|delay|effort)(\..*)?$", ".gate.timing", where)
    where = re.sub(r"\.gate(\.(?!timing$).*)?$", ".gate.kind", where)
    where = re.sub(r"\.automation$", ".automation.share", where)
    where = re.sub(r"^demand\.[^.]+\.arrivals.*$", "demand.scale", where)
    matches = [key for key in keys if where == key or where.startswith(key + ".")]
    return max(matches, key=len) if matches else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _given(value: Any) -> bool:
    """Whether an input holds something (an emptied input stands for the baseline's value)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def _changed(value: Any, baseline: Any) -> bool:
    """Whether an input's value makes an edit: it is given and differs from the baseline's."""
    if not _given(value):
        return False
    if _number(value) and _number(baseline):
        return float(value) != float(baseline)
    return str(value).strip() != str(baseline).strip()
