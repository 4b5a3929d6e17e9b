"""Abandonment across the scenario: which patience a work step has for each demand type, and the checks
that refuse what the engine does not support (the fields' schema and the run-time: steps/patience.py).

A caller waiting in a work step's queue (not yet started) longer than their patience gives up: the item
leaves the stream with outcome ``abandoned``, or, with ``on_abandon: {retry, after}``, rings back after
``after`` with probability ``retry`` and joins the same queue again with a fresh patience. A demand
type's ``patience`` is the default of every plain work step of its stream; a step's own value wins, and
``patience: none`` turns it off for that step.
"""

from __future__ import annotations

from typing import Any

from ..errors import ScenarioError
from ..steps.patience import NO_PATIENCE, OnAbandon, PatienceSpec, resolve
from .forks import branch_owners


def effective(step: Any, demand: Any) -> tuple[Any, OnAbandon | None, str]:
    """(patience or None, on_abandon or None, where the patience was set: 'step', 'type' or '') of a work
    step for one demand type: the step's own value wins; ``none`` turns the type's default off."""
    return resolve(getattr(step, "patience", None), getattr(step, "on_abandon", None), demand.patience,
                   demand.on_abandon)


def patience_specs(stream: Any, step: Any, demands: list[Any]) -> tuple[tuple[str, PatienceSpec], ...]:
    """The compiled patience of a work step per demand type flowing through ``stream`` (engine/plan.py):
    (type, (patience, ring-back probability, time before ringing back)) for the types that have one."""
    if step.kind.name != "work":
        return ()
    out = []
    for demand in demands:
        patience, on_abandon, _ = effective(step, demand)
        if patience is not None:
            out.append((demand.type, (patience, on_abandon.retry if on_abandon else 0.0,
                                      on_abandon.after if on_abandon else None)))
    return tuple(out)


def check_patience(scenario: Any) -> None:
    """Refuse patience where the engine cannot honour it: besides team work (the schema refuses it on gates,
    waits and forks), on a step that also escalates, on a step several teams share, on a fork's branch;
    and ``on_abandon`` without any patience. A type's default that would fall on such a step is refused
    with the hint to write ``patience: none`` there."""
    for demand in scenario.demand:
        if demand.on_abandon is not None and demand.patience in (None, NO_PATIENCE):
            raise ScenarioError("on_abandon needs a patience: give this type a 'patience' (e.g. "
                                "exponential(mean=5min)) or put on_abandon on the steps that have one",
                                path=f"demand[{demand.type}].on_abandon")
    for name, stream in scenario.streams.items():
        branches = branch_owners(stream)
        types = [d for d in scenario.demand if d.stream == name]
        for step in stream.steps:
            path = f"streams.{name}.steps[{step.name}]"
            if step.kind.name != "work":
                continue
            if step.on_abandon is not None and not _has_patience(step, types):
                raise ScenarioError("on_abandon needs a patience on this step (or its demand type): add "
                                    "patience, e.g. exponential(mean=5min)", path=f"{path}.on_abandon")
            for demand in types:
                _check_step(step, path, demand, step.name in branches)


def _has_patience(step: Any, types: list[Any]) -> bool:
    """Whether a work step has a patience of its own, or takes one from a type flowing through it."""
    if step.patience is not None:
        return step.patience != NO_PATIENCE
    return any(d.patience not in (None, NO_PATIENCE) for d in types)


def _check_step(step: Any, path: str, demand: Any, on_branch: bool) -> None:
    """One work step as one demand type meets it: its patience is one the engine supports."""
    patience, _, source = effective(step, demand)
    if patience is None:
        return
    where = f"{path}.patience" if source == "step" else f"demand[{demand.type}].patience"
    hint = "" if source == "step" else (f" (the default patience of type {demand.type!r} falls on step "
                                        f"{step.name!r}: write 'patience: none' on that step)")
    reason = ("it escalates (escalate): a waiting caller would both escalate and give up; keep one"
              if step.escalate is not None else
              "several teams share it (team: [..]): give it one team" if isinstance(step.team, list) else
              "it is on a fork's branch: abandonment leaves the stream, a branch cannot" if on_branch else None)
    if reason is not None:
        raise ScenarioError(f"patience is not supported on this step: {reason}{hint}", path=where)


def patient_types(scenario: Any) -> list[str]:
    """The demand types that may give up waiting: those with a patience on some work step of their stream
    (their own default or the step's). A comparison shows abandonment for these only."""
    found = []
    for name, stream in scenario.streams.items():
        demands = [d for d in scenario.demand if d.stream == name]
        for step in stream.steps:
            found += [item_type for item_type, _ in patience_specs(stream, step, demands) if item_type not in found]
    return found
