"""Parameter sweeps: designs, executors (serial, process pool, Dask), a resumable store, sensitivity."""

from .design import Parameter, design_points, parse_parameter
from .run import read_sweep, sweep
from .sensitivity import plot_response, plot_sensitivity, sobol_indices

__all__ = ["Parameter", "design_points", "parse_parameter", "plot_response", "plot_sensitivity", "read_sweep",
           "sobol_indices", "sweep"]
