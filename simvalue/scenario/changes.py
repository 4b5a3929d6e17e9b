"""Changes over time: the scenario in force from each ``changes[i].at`` on, built and checked up front.

Each change edits the scenario in force before it (dotted ``set``/``scale`` paths, as variants do);
each result is validated and checked like a scenario file, so an error in month 3 is refused before
the run and an overload that starts then is warned about (``changes[i].teams...``) and simulated. A change may alter values (rates, efforts, capacities, calendars,
routing probabilities) but not what exists: teams, demand types, streams and their steps keep their
names, order and kinds, so the engine can swap parameters in place.
"""

from __future__ import annotations

import warnings

from ..errors import ScenarioError
from .edits import apply_edits
from .model import Scenario
from .overload import OVERLOADED

#: Top-level fields a change over time may not edit: they shape the whole run, not a period of it.
RUN_SETTINGS = frozenset({"horizon", "warmup", "drain", "changes", "replications", "seed", "initial", "start", "name"})


def epochs_of(scenario: Scenario) -> list[tuple[float, Scenario]]:
    """The epochs the loader built and checked (built now for a scenario made another way)."""
    return scenario._epochs if scenario._epochs is not None else epochs(scenario)


def epochs(scenario: Scenario) -> list[tuple[float, Scenario]]:
    """(time, scenario in force from then on) for every change, in time order."""
    if not scenario.changes:
        return []
    data = scenario.model_dump(mode="json")
    data["changes"] = []
    data["initial"] = None  # the open items are placed once, at t = 0 (the base plan's)
    end = scenario.warmup + scenario.horizon + scenario.drain_limit
    ordered = sorted(enumerate(scenario.changes), key=lambda pair: pair[1].at)
    result = []
    for index, change in ordered:
        where = f"changes[{index}]"
        _refuse_run_settings(change, where)
        if change.at >= end:
            raise ScenarioError(f"at {change.at:g} h is after the end of the run ({end:g} h): it would never take "
                                "effect", path=f"{where}.at")
        try:
            data = apply_edits(data, change.set, change.scale)
            epoch, messages = _validated(data)
        except ScenarioError as exc:
            raise ScenarioError(exc.detail, path=f"{where}.{exc.path}" if exc.path else where) from None
        for message in messages:  # validate() turns these into its own warnings, with the file
            warnings.warn(f"{where}.{message}", UserWarning, stacklevel=2)
        _same_structure(scenario, epoch, where)
        result.append((change.at, epoch))
    return result


def _refuse_run_settings(change, where: str) -> None:
    """Refuse a change of what is fixed for the whole run (it was accepted and had no effect)."""
    for kind, edits in (("set", change.set), ("scale", change.scale)):
        for path in edits:
            if path.split(".")[0] in RUN_SETTINGS:
                raise ScenarioError(f"{path.split('.')[0]!r} is fixed for the whole run and cannot change at a time; "
                                    "set it in the scenario (or compare variants)", path=f"{where}.{kind}.{path}")


def _validated(data: dict) -> tuple[Scenario, list[str]]:
    """The epoch's scenario and its overload warnings (the others the base scenario's warnings said already)."""
    from .load import validate  # noqa: PLC0415 (load imports this module to check changes)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        epoch = validate(data, file=None)
    return epoch, [str(w.message) for w in caught if OVERLOADED in str(w.message)]


def _same_structure(base: Scenario, epoch: Scenario, where: str) -> None:
    """Refuse a change that adds, removes, renames or re-kinds teams, demand types, streams or steps."""
    def shape(s: Scenario):
        streams = {n: [(st.name, st.kind.name, st.kind.team(st)) for st in stream.steps]
                   for n, stream in s.streams.items()}
        labels = [sorted(d.priority) if isinstance(d.priority, dict) else d.priority for d in s.demand]
        return list(s.teams), [(d.type, d.stream) for d in s.demand], labels, streams
    if shape(base) != shape(epoch):
        raise ScenarioError("a change may alter values, not add, remove, rename or change the kind or the team of "
                            "teams, demand types, priority labels, streams or steps; model those as a variant",
                            path=where)
