"""simvalue: discrete-event simulation of demand flowing through IT service value streams.

The public names below are loaded on first use (PEP 562), so ``import simvalue`` stays light: no
plotting, no scipy.stats, no Dask or SALib until a function that needs them is called
(tests/test_startup.py guards this; timings are in benchmarks/).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .version import __version__

#: Public name -> the module that defines it.
_HOMES = {
    "Activity": ".activities",
    "BusinessCase": ".economics",
    "Comparison": ".comparison",
    "Ranking": ".ranking",
    "Results": ".results",
    "Scenario": ".scenario",
    "ScenarioError": ".errors",
    "ScenarioWarning": ".scenario",
    "SimulationError": ".errors",
    "SimvalueError": ".errors",
    "UnstableScenarioError": ".errors",
    "Variant": ".scenario",
    "business_case": ".economics",
    "compare": ".comparison",
    "load_scenario": ".scenario",
    "load_variant": ".scenario",
    "rank": ".ranking",
    "simulate": ".simulation",
    "sobol_indices": ".sweeps",
    "sweep": ".sweeps",
    "write_report": ".report",
}

__all__ = sorted([*_HOMES, "__version__"])

#: Modules reachable as attributes on first use too (``simvalue.notebook.bar()``), not in ``__all__``.
_MODULES = ("notebook",)

if TYPE_CHECKING:  # for type checkers and editors: the names as plain imports
    from . import notebook
    from .activities import Activity
    from .comparison import Comparison, compare
    from .economics import BusinessCase, business_case
    from .errors import ScenarioError, SimulationError, SimvalueError, UnstableScenarioError
    from .ranking import Ranking, rank
    from .report import write_report
    from .results import Results
    from .scenario import Scenario, ScenarioWarning, Variant, load_scenario, load_variant
    from .simulation import simulate
    from .sweeps import sobol_indices, sweep


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return import_module(f".{name}", __name__)  # importing sets it as an attribute
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'simvalue' has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES, *_MODULES})
