"""simvalue: discrete-event simulation of demand flowing through IT service value streams."""

from .activities import Activity
from .errors import ScenarioError, SimulationError, SimvalueError, UnstableScenarioError
from .results import Results
from .scenario import Scenario, ScenarioWarning, load_scenario
from .simulation import simulate
from .version import __version__

__all__ = [
    "Activity",
    "Results",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "SimulationError",
    "SimvalueError",
    "UnstableScenarioError",
    "__version__",
    "load_scenario",
    "simulate",
]
