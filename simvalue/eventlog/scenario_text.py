"""Write a calibrated scenario: the mapping with a comment per number, and its YAML text.

Every number says where it came from (``notes``: a comment per path of keys and list indices); the
text is block-style YAML with scalars quoted as JSON, so that ``yaml.safe_load`` reads back exactly
the mapping.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from ..readable import share
from . import fit
from .discover import FIRST, TIMER, Discovery
from .holdout import Split
from .models import StepModel, StreamModel
from .write import ARRIVAL

#: The horizon holds as many arrivals as the cases compared, and at least this many (simulation noise).
MIN_SIMULATED = 5000


# -- the scenario -------------------------------------------------------------------------------------
def scenario_mapping(name: str, streams: list[StreamModel], teams: dict, arrivals: dict, cycle: np.ndarray,
                     seed: int, replications: int) -> tuple[dict[str, Any], dict[tuple, str]]:
    """The scenario mapping and a comment per path (a tuple of keys and list indices)."""
    notes: dict[tuple, str] = {}
    drain = max(1, math.ceil(1.5 * float(np.max(cycle, initial=168.0)) / 168.0))
    queues = any(m.kind in ("queue", "staffed") for s in streams for m in s.steps)
    warmup = "2w" if queues else "0h"
    # The warm-up runs before the log's window, so the reported weeks are the log's own (its holidays, its weeks).
    start = arrivals["origin"] - pd.Timedelta(weeks=2 if queues else 0)
    data: dict[str, Any] = {"name": name, "description": "Calibrated from an event log by simvalue calibrate.",
                            "start": f"{start:%Y-%m-%d}", "warmup": warmup,
                            "horizon": fit.duration(arrivals["horizon"]), "drain": f"{drain}w",
                            "replications": max(replications, math.ceil(max(MIN_SIMULATED, arrivals["target"])
                                                                          / max(arrivals["simulated"], 1))),
                            "seed": seed}
    notes[("start",)] = ("the Monday on or before the arrival window" + (", less the warm-up: the reported weeks are the "
                         "log's" if queues else "") + "; calendars and profiles on the log's clock")
    notes[("warmup",)] = ("teams start empty: two weeks to fill their queues" if queues else
                          "no queueing team (waits, and teams sized not to queue): nothing to warm")
    notes[("horizon",)] = (f"the log's own window of arrivals, its holidays and trend: {arrivals['simulated']} cases "
                           f"expected at {arrivals['rate'] * 24:.1f}/d")
    notes[("replications",)] = (f"at least {MIN_SIMULATED} cases simulated in all (simulation noise), and as many "
                                f"as the {arrivals['target']} cases compared")
    notes[("drain",)] = f"1.5 x the longest cycle time in the log ({fit.duration(float(np.max(cycle, initial=0)))})"
    if arrivals.get("holidays"):
        data["holidays"] = [f"{day:%Y-%m-%d}" for day in arrivals["holidays"]]
        notes[("holidays",)] = ("days on which nobody worked though the same weekday around them is busy: nobody "
                                "works on them, in any team")
    if teams:
        data["teams"] = {}
        for team, spec in teams.items():
            data["teams"][team] = {k: v for k, v in spec.items() if not k.startswith("_")}
            notes[("teams", team, "capacity" if "capacity" in spec else "shifts")] = spec["_why"]
            if "_resources" in spec:
                notes[("teams", team)] = spec["_resources"]
            if "calendar" in spec:
                notes[("teams", team, "calendar")] = spec["_calendar_why"]
    data["demand"], data["streams"] = [], {}
    for index, stream in enumerate(streams):
        demand = {"type": stream.name, "stream": stream.name, "arrivals": _arrival_spec(stream.arrivals, notes, index)}
        if stream.type is not None:
            notes[("demand", index, "type")] = f"the log's type {stream.type!r}"
        if stream.arrivals.get("priority"):
            demand["priority"] = stream.arrivals["priority"]
            notes[("demand", index, "priority")] = ("share of the calibration cases with each priority (the log's "
                                                    "priority column)")
        data["demand"].append(demand)
        data["streams"][stream.name] = {"steps": _steps(stream, notes, teams)}
        limit, evidence = stream.closing
        if limit is not None:
            data["streams"][stream.name]["close_after"] = fit.duration(limit)
            notes[("streams", stream.name, "close_after")] = (
                f"closing rule: no case of the log lasts longer, and its cycle times do not taper off before it "
                f"({evidence})")
    return data, notes


#: The written scenario must run ``run -r RUN_REPLICATIONS`` within this share of the default event budget.
RUN_REPLICATIONS, BUDGET_SHARE = 10, 0.5


def fit_budget(data: dict[str, Any], notes: dict[tuple, str]) -> None:
    """Shorten the horizon of ``data`` (never the drain, which lets the longest cases finish) until
    RUN_REPLICATIONS replications need at most BUDGET_SHARE of the default event budget (shift changes of
    long horizons add up): the scenario as written must run without a larger ``--max-events``."""
    import warnings

    from ..limits import DEFAULT_MAX_EVENTS
    from ..scenario import ScenarioWarning, load_scenario
    from ..scenario.workload import workload
    from ..units import parse_duration
    limit = BUDGET_SHARE * DEFAULT_MAX_EVENTS / RUN_REPLICATIONS
    for _ in range(8):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioWarning)
            events = workload(load_scenario(data)).events
        if events <= limit:
            return
        horizon = parse_duration(data["horizon"])
        if horizon <= 168.0:
            return  # a week of arrivals is the least worth simulating; run says what it would take
        data["horizon"] = fit.duration(max(168.0, horizon * 0.9 * limit / events))
        notes[("horizon",)] = (f"shortened to keep {RUN_REPLICATIONS} replications within the event budget "
                               f"({events:,.0f} events per replication before); the drain still lets the longest "
                               "cases finish")


def _arrival_spec(arrivals: dict, notes: dict, index: int) -> dict[str, Any]:
    where = ("demand", index, "arrivals")
    notes[(*where, "rate")] = (f"{arrivals['cases']} calibration cases arrived (first event) in "
                               f"{arrivals['hours'] / 24:.1f} days" + (
                                   f", over the {share(arrivals['thinned'])} of the cases kept by the random split"
                                   if arrivals["thinned"] < 1 else ""))
    week, evidence = arrivals["week_profile"]
    if week is not None:
        notes[(*where, "profile", "by_hour_of_week")] = (f"first events per hour of the week (Monday 00:00 first, "
                                                         f"a day per row), relative; {evidence}")
        profile: dict[str, Any] = {"by_hour_of_week": week}
    else:
        notes[(*where, "profile", "by_hour")] = f"first events per hour of the day, relative; {evidence}"
        notes[(*where, "profile", "by_weekday")] = "first events per weekday (Monday first), relative"
        profile = {"by_hour": arrivals["by_hour"], "by_weekday": arrivals["by_weekday"]}
    spec = {"rate": f"{arrivals['rate'] * 24:.4g}/d", "profile": profile}
    if arrivals.get("skip_holidays"):
        spec["skip_holidays"] = True
        notes[(*where, "skip_holidays")] = "no case arrived on the holidays either; the rate is that of the other days"
    if arrivals["dispersion"] > 0:
        spec["dispersion"] = round(arrivals["dispersion"], 3)
        notes[(*where, "dispersion")] = f"sqrt((var - mean) / mean^2) of {len(arrivals['weekly'])} weekly counts"
    return spec


def _steps(stream: StreamModel, notes: dict, teams: dict) -> list[dict[str, Any]]:
    """The entry step (routing only) then one step per discovered step (two for a team's work after a wait)."""
    found, where = stream.discovery, ("streams", stream.name, "steps")
    before = {m.name: f"{m.name}_before" for m in stream.steps
              if m.kind == "staffed" and m.before is not None and m.before.mean > 0}

    def targets(routing: dict[str, float]) -> dict[str, float]:
        return {before.get(k, k): v for k, v in routing.items()}
    steps = [{"name": "start", "activity": "engage", "label": "",
              "wait": {"delay": "0h", "reason": "start"}, "next": targets(found.entry)}]
    notes[(*where, 0, "name")] = "entry, routing only: takes no time and is no event of the log"
    notes[(*where, 0, "next")] = f"first activity of the {int(found.events['first'].sum())} calibration cases"
    legacy = {"calendar": "office", "queue": "desk"}
    for model in stream.steps:
        if model.name in before:
            steps.append(_before_step(model, before[model.name], teams, notes, (*where, len(steps))))
        index = len(steps)
        # The arrival event of a log simvalue wrote is the arrival itself: the export writes it again, so its
        # step writes no event of its own.
        label = "" if model.kind == "start" and model.label == ARRIVAL else model.label
        step: dict[str, Any] = {"name": model.name, "activity": "deliver_and_support", "label": label}
        context = found.steps[model.name].context
        after = ("as a case's first event" if context == FIRST else "in its timer's peak" if context == TIMER else
                 f"after {context!r} (unfolded by context)" if context else "after any other activity")
        notes[(*where, index, "name")] = f"activity {model.label!r} {after}: {model.events} events; {_evidence(model)}"
        if model.kind == "staffed":
            step.update(team=model.team, effort=model.fit.spelling)
            notes[(*where, index, "effort")] = model.fit.note
            notes[(*where, index, "team")] = "the team doing most of this step's events"
        elif model.kind in legacy:
            step.update(team=model.team or legacy[model.kind], effort=model.fit.spelling)
            source = ("" if model.fit.note.startswith("start to complete") else "working hours between events: "
                      if model.kind == "calendar" else "gaps when few cases are open: ")
            notes[(*where, index, "effort")] = source + model.fit.note
            if model.team:
                notes[(*where, index, "team")] = "the resource group doing most of this activity's events"
        else:
            step["wait"] = {"delay": model.fit.spelling, "reason": "start" if model.kind == "start" else model.reason}
            notes[(*where, index, "wait", "delay")] = model.fit.note
        step["next"] = targets(found.routing[model.name])
        notes[(*where, index, "next")] = "directly-follows counts: " + ", ".join(
            f"{k} {v}" for k, v in sorted(found.counts[model.name].items(), key=lambda kv: -kv[1])[:6])
        steps.append(step)
    return steps


def _before_step(model: StepModel, name: str, teams: dict, notes: dict, where: tuple) -> dict[str, Any]:
    """The wait before a team's work: in the team's working hours (when it has a calendar); no event of the log."""
    wait: dict[str, Any] = {"delay": model.before.spelling, "reason": "others"}
    if "calendar" in teams.get(model.team, {}) or "shifts" in teams.get(model.team, {}):
        wait.update(clock="business_hours", calendar=model.team)
    notes[(*where, "name")] = (f"the time before {model.name}'s work that the team's own queueing does not "
                               "explain: waiting on others (no event of the log)")
    notes[(*where, "wait", "delay")] = f"working hours of {model.team} before the work: {model.before.note}"
    return {"name": name, "activity": "engage", "label": "", "wait": wait, "next": {model.name: 1.0}}


def _evidence(model: StepModel) -> str:
    if model.kind == "start":
        return "zero time: the first event marks the arrival"
    if model.kind == "staffed":
        return f"work of team {model.team}" + (", after a wait in its working hours" if model.before else "")
    load = "its team's open items" if model.team else "open cases"
    facts = (f"gap vs {load} rho {model.rho:.2f}, {share(model.on_duty)} of events in on-duty hours, "
             f"{share(model.off_hours)} of the gap off duty, dependence on its start {model.clock[0]:.3f} on the clock "
             f"and {model.clock[1]:.3f} in working hours")
    if model.kind == "wait" and model.reason == "timer":
        return f"a timer (auto-close): a near-fixed delay on the clock ({facts})"
    return {"queue": "team work and queueing: the gap grows with the open cases",
            "calendar": "work on a calendar: the gap stops outside working hours",
            "wait": f"a wait on {model.reason}: the gap neither grows with load nor stops off duty"}[model.kind] \
        + f" ({facts})"


def header_lines(name: str, log: pd.DataFrame, split: Split, found: dict[str, Discovery],
                 findings: list[str]) -> list[str]:
    """The file's header: where the scenario came from, what it measures, and the findings."""
    cases = sum(f.events["case"].nunique() for f in found.values())
    lines = [f"{name}: calibrated by simvalue calibrate from {log['case'].nunique()} cases and {len(log)} events",
             f"(split: {split.kind}{f' {split.share:g}' if split.kind != 'none' else ''}; "
             f"{cases} cases calibrate; streams: {', '.join(found)}).",
             "A case's time_to_value is its cycle time as the log measures it: first event to last event.",
             "Findings:"]
    return lines + [f"- {f}" for f in findings]


# -- YAML with comments -------------------------------------------------------------------------------
def to_yaml(data: Any, notes: dict[tuple, str], header: list[str]) -> str:
    """Block-style YAML of ``data`` with ``notes`` as end-of-line comments; scalars quoted as JSON."""
    lines = [f"# {line}" for line in header]
    _emit(data, (), 0, lines, notes)
    return "\n".join(lines) + "\n"


def _emit(value: Any, path: tuple, indent: int, lines: list[str], notes: dict, dash: bool = False) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        for i, (key, item) in enumerate(value.items()):
            lead = pad[:-2] + "- " if dash and i == 0 else pad
            note = notes.get((*path, key))
            key = _key(key)
            comment = f"   # {note}" if note else ""
            if isinstance(item, dict) and item and not _flat(item):
                lines.append(f"{lead}{key}:{comment}")
                _emit(item, (*path, key), indent + 1, lines, notes)
            elif isinstance(item, list) and item and isinstance(item[0], dict):
                lines.append(f"{lead}{key}:{comment}")
                for j, element in enumerate(item):
                    _emit(element, (*path, key, j), indent + 2, lines, notes, dash=True)
            elif isinstance(item, list) and len(item) > ROW and not isinstance(item[0], (dict, list)):
                lines.append(f"{lead}{key}: [{comment}")   # a long list of numbers: a row of ROW per line
                for start in range(0, len(item), ROW):
                    row = ", ".join(_scalar(v) for v in item[start:start + ROW])
                    lines.append(f"{pad}    {row}{',' if start + ROW < len(item) else ''}")
                lines.append(f"{pad}  ]")
            else:
                lines.append(f"{lead}{key}: {_scalar(item)}{comment}")


#: Numbers per line of a long list in the written scenario (an hour-of-week profile: a day per line).
ROW = 24


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
#: Words YAML 1.1 reads as booleans or null: a key spelt so is quoted.
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}


def _key(key: Any) -> str:
    """A mapping key as YAML reads it back: plain when it is a plain word, else quoted as JSON."""
    text = str(key)
    return text if _PLAIN_KEY.match(text) and text.lower() not in _YAML_WORDS else json.dumps(text)


def _flat(mapping: dict) -> bool:
    """A small mapping of scalars, written on one line ({done: 0.3, a_2: 0.7})."""
    return all(not isinstance(v, (dict, list)) for v in mapping.values()) and len(mapping) <= 12


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


__all__ = ["MIN_SIMULATED", "fit_budget", "header_lines", "scenario_mapping", "to_yaml"]
