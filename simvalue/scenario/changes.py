"""Changes over time: what a change may edit. The loader (load.py) builds the scenario in force from each
``changes[i].at`` on, up front, and keeps them on the scenario (``Scenario.epochs``).

Each change edits the scenario in force before it (dotted ``set``/``scale`` paths, as variants do);
each result is validated and checked like a scenario file, so an error in month 3 is refused before
the run and an overload that starts then is warned about (``changes[i].teams...``) and simulated. A
change may alter values (rates, efforts, capacities, calendars, routing probabilities) but not what
exists: teams, demand types, streams and their steps keep their names, order and kinds, so the engine
can swap parameters in place.
"""

from __future__ import annotations

from ..errors import ScenarioError
from .model import Scenario

#: Top-level fields a change over time may not edit: they shape the whole run, not a period of it.
RUN_SETTINGS = frozenset({"horizon", "warmup", "drain", "changes", "replications", "seed", "initial", "start", "name"})


def refuse_run_settings(change, where: str) -> None:
    """Refuse a change of what is fixed for the whole run (it was accepted and had no effect)."""
    for kind, edits in (("set", change.set), ("scale", change.scale)):
        for path in edits:
            if path.split(".")[0] in RUN_SETTINGS:
                raise ScenarioError(f"{path.split('.')[0]!r} is fixed for the whole run and cannot change at a time; "
                                    "set it in the scenario (or compare variants)", path=f"{where}.{kind}.{path}")


def same_structure(base: Scenario, epoch: Scenario, where: str) -> None:
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
