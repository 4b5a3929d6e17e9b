"""Seed tree: scenario seed -> replication -> named stream (demand type, step, purpose); and the other
seeds simvalue makes: a fixed generator for computations that must give the same answer every time, and
a sweep point's seed.

Streams are keyed by *names*, not positions, so a variant that adds a team or a step leaves
every other stream untouched: that is what makes common random numbers work across scenarios.
Keys go into ``numpy.random.SeedSequence(seed, spawn_key=...)``, the same mechanism as
``SeedSequence.spawn`` (O'Neill 2015, PCG; NumPy "Parallel random number generation").
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np


def name_key(name: str) -> int:
    """A stable 32-bit key for a name (CRC-32; Python's ``hash`` is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, replication: int, *names: str) -> np.random.Generator:
    """The generator for one named stream of one replication; same inputs, same numbers."""
    key = (int(replication), *(name_key(n) for n in names))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))


def streams(seed: int, replication: int, *names: str) -> Callable[[str], np.random.Generator]:
    """A family of streams sharing the first names: ``streams(seed, r, *names)(last)`` is
    ``stream(seed, r, *names, last)``. PERF: the shared part of the key is computed once, as the
    engine draws a new stream for every block of 512 items (engine/sampling.py)."""
    seed, prefix = int(seed), (int(replication), *(name_key(n) for n in names))

    def member(last: str) -> np.random.Generator:
        key = (*prefix, name_key(last))
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
    return member


def fixed(seed: int = 0) -> np.random.Generator:
    """``numpy.random.default_rng(seed)``: for a computation outside any run that must give the same answer
    every time (a bootstrap interval, a sample that sizes a timeout, a calibration's case split, a Latin
    hypercube), never for a run's draws (those come from ``stream``)."""
    return np.random.default_rng(seed)


def point_seed(seed: int, point: int) -> int:
    """The seed of a sweep's point: the sweep's seed with the point's index as spawn key, so a point's
    results do not depend on which other points the sweep holds."""
    return int(np.random.SeedSequence(int(seed), spawn_key=(int(point),)).generate_state(1, np.uint32)[0])

