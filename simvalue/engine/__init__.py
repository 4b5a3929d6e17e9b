"""The simulation engine: a compiled plan runs as callbacks on simpy's kernel and records columns."""

from .plan import Plan, compile_plan
from .run import run_replication

__all__ = ["Plan", "compile_plan", "run_replication"]
