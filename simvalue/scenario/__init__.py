"""Scenario files: the format (model), loading and validation (load), and checks."""

from .load import ScenarioWarning, load_scenario
from .model import Scenario

__all__ = ["Scenario", "ScenarioWarning", "load_scenario"]
