"""How much work one replication of a scenario is, estimated before running it.

From the arrival rates and the traffic equations (``capacity.step_visits``): items, step
executions (each one event and one record) and CAB meetings (one event each) per replication.
The simulation's work budget compares these with its event and memory limits; ``check`` shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..limits import BYTES_PER_ITEM_RECORD, BYTES_PER_STEP_RECORD
from .capacity import demand_rate, step_visits
from .model import Scenario


@dataclass(frozen=True)
class Workload:
    """Expected counts per replication; ``largest`` names the biggest contributor and its field."""

    items: float
    step_executions: float
    meetings: float  # events whatever the demand: CAB meetings and changes of headcount
    largest: str  # in words, e.g. "CAB meetings of normal_change.approve (every 1s)"
    largest_path: str  # field path to change, e.g. "streams.normal_change.steps[approve].gate.meets"

    @property
    def events(self) -> float:
        """Scheduled events: an arrival per item, a completion per step execution, a meeting each."""
        return self.items + self.step_executions + self.meetings

    @property
    def record_bytes(self) -> float:
        """Memory the records and result frames of one replication take."""
        return self.step_executions * BYTES_PER_STEP_RECORD + self.items * BYTES_PER_ITEM_RECORD


def workload(scenario: Scenario) -> Workload:
    """Expected items, step executions and meetings in one replication of ``scenario``."""
    arrival_window = scenario.warmup + scenario.horizon
    # Meetings go on while items drain; a run ends once idle, so count at most one more arrival window.
    meeting_window = arrival_window + min(scenario.drain_limit, arrival_window)
    contributions: list[tuple[float, str, str]] = []
    items = executions = meetings = 0.0
    for demand in scenario.demand:
        arrivals = demand_rate(demand) * arrival_window
        visits = float(step_visits(scenario.streams[demand.stream]).sum())
        items += arrivals
        executions += arrivals * visits
        contributions.append((arrivals * (1 + visits), f"arrivals of {demand.type}",
                              f"demand[{demand.type}].arrivals"))
    for stream_name, stream in scenario.streams.items():
        for step in stream.steps:
            count = meeting_window * step.kind.events_per_hour(step)
            if count:
                meetings += count
                contributions.append((count, f"meetings of the CAB at {stream_name}.{step.name}",
                                      f"streams.{stream_name}.steps[{step.name}].gate.meets"))
    for name, team in scenario.teams.items():
        if not team.always_on:  # one event per change of headcount
            count = meeting_window / 168.0 * len(team.pattern().breaks)
            meetings += count
            contributions.append((count, f"shift changes of team {name}", f"teams.{name}"))
    _, largest, path = max(contributions, default=(0.0, "nothing", ""))
    return Workload(items, executions, meetings, largest, path)
