"""The registry of step kinds: team work, the three gates, waits on others, forks and release trains.

A new kind is one module (schema, load rule, words, compile, run-time) plus one line here; the
scenario format builds its ``gate`` union and its checks from this registry, the engine its runs.
"""

from __future__ import annotations

from .approver import ApproverGate, ApproverKind
from .auto import AutoGate, AutoKind
from .base import StepKind, StepRun, StepView
from .cab import CabGate, CabKind
from .fork import JOIN, ForkKind, ForkSettings
from .patience import OnAbandon, PatienceField, PatientWorkKind
from .release import ReleaseKind, ReleaseSettings
from .wait import WaitKind, WaitSettings
from .work import Automation

#: Every kind by name, in a fixed order.
KINDS: dict[str, StepKind] = {kind.name: kind for kind in (PatientWorkKind(), CabKind(), ApproverKind(), AutoKind(),
                                                            WaitKind(), ForkKind(), ReleaseKind())}
#: The settings models that may appear under a step's ``gate:`` (told apart by ``kind``).
GATE_SCHEMAS = tuple(kind.schema for kind in KINDS.values() if kind.field == "gate")


def kind_of(step: StepView) -> StepKind:
    """The kind of a validated step: its gate's kind, a wait, a fork, a release, or team work."""
    if step.gate is not None:
        return KINDS[step.gate.kind]
    if step.wait is not None:
        return KINDS["wait"]
    if step.fork is not None:
        return KINDS["fork"]
    if step.release is not None:
        return KINDS["release"]
    return KINDS["work"]


__all__ = ["GATE_SCHEMAS", "JOIN", "KINDS", "ApproverGate", "AutoGate", "Automation", "CabGate", "ForkSettings", "OnAbandon", "PatienceField",
           "ReleaseSettings", "StepKind", "StepRun", "WaitSettings", "kind_of"]
