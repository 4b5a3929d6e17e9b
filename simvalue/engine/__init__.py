"""The simulation engine: a compiled plan runs as callbacks on simpy's kernel and records columns.

Its core (``kernel``, ``teams``, ``recorder``, ``sampling``) sits below the step kinds (``steps/``),
which sit below the scenario format; ``plan``, ``flow`` and ``run`` sit above the scenario. So this
package imports nothing on its own: import ``simvalue.engine.plan`` or ``simvalue.engine.run``.
"""
