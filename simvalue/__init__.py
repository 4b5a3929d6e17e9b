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
    "BusinessCase": ".decisions.economics",
    "Comparison": ".decisions.comparison",
    "Ranking": ".decisions.ranking",
    "Results": ".results.frames",
    "Review": ".decisions.review",
    "Scenario": ".scenario",
    "ScenarioError": ".errors",
    "ScenarioWarning": ".scenario",
    "SimulationError": ".errors",
    "SimvalueError": ".errors",
    "StaffingAnswer": ".decisions.staffing",
    "StaffingError": ".decisions.staffing_plan",
    "UnstableScenarioError": ".errors",
    "Variant": ".scenario",
    "business_case": ".decisions.economics",
    "compare": ".decisions.comparison",
    "fewest_people": ".decisions.staffing",
    "load_scenario": ".scenario",
    "load_variant": ".scenario",
    "rank": ".decisions.ranking",
    "review": ".decisions.review",
    "simulate": ".results.simulation",
    "sobol_indices": ".sweeps",
    "sweep": ".sweeps",
    "write_report": ".reports.compare",
}

__all__ = sorted([*_HOMES, "__version__"])

#: Modules reachable as attributes on first use too (``simvalue.notebook.bar()``), not in ``__all__``: name -> home.
_MODULES = {"notebook": ".reports.notebook"}

if TYPE_CHECKING:  # for type checkers and editors: the names as plain imports
    from .reports import notebook
    from .activities import Activity
    from .decisions.comparison import Comparison, compare
    from .decisions.economics import BusinessCase, business_case
    from .errors import ScenarioError, SimulationError, SimvalueError, UnstableScenarioError
    from .decisions.ranking import Ranking, rank
    from .decisions.review import Review, review
    from .decisions.staffing import StaffingAnswer, fewest_people
    from .decisions.staffing_plan import StaffingError
    from .reports.compare import write_report
    from .results.frames import Results
    from .scenario import Scenario, ScenarioWarning, Variant, load_scenario, load_variant
    from .results.simulation import simulate
    from .sweeps import sobol_indices, sweep


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        module = import_module(_MODULES[name], __name__)
        globals()[name] = module
        return module
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'simvalue' has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES, *_MODULES})
