"""simvalue: discrete-event simulation of demand flowing through IT service value streams."""

from importlib.metadata import PackageNotFoundError, version

from .activities import Activity
from .errors import ScenarioError, SimulationError, SimvalueError, UnstableScenarioError
from .results import Results
from .scenario import Scenario, ScenarioWarning, load_scenario
from .simulation import simulate

try:
    __version__ = version("simvalue")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

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
