"""simvalue: discrete-event simulation of demand flowing through IT service value streams."""

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
from .version import __version__

__all__ = [
    "Activity",
    "BusinessCase",
    "Comparison",
    "Ranking",
    "Results",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "SimulationError",
    "SimvalueError",
    "UnstableScenarioError",
    "Variant",
    "__version__",
    "business_case",
    "compare",
    "load_scenario",
    "load_variant",
    "rank",
    "simulate",
    "sobol_indices",
    "sweep",
    "write_report",
]
