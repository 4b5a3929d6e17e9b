"""Scenario files: the format (model), loading and validation (load), checks, and variants."""

from .load import ScenarioWarning, load_scenario
from .model import Scenario
from .variants import Variant, load_variant

__all__ = ["Scenario", "ScenarioWarning", "Variant", "load_scenario", "load_variant"]
