"""Batched random draws: one numpy call fills a buffer that the event loop reads one value at a time.

PERF (benchmarks/engine_throughput.py): a numpy call per draw costs about a microsecond; a batch
of 512 makes each draw a list index. Values come out in the same order whatever the batch size.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..distributions import Distribution

BATCH = 512


class Draws:
    """Endless draws from a batch-filling function, consumed in order."""

    __slots__ = ("_fill", "_buffer", "_next")

    def __init__(self, fill: Callable[[int], np.ndarray]) -> None:
        self._fill = fill
        self._buffer: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        position = self._next
        if position == len(self._buffer):
            self._buffer = self._fill(BATCH).tolist()
            position = 0
        self._next = position + 1
        return self._buffer[position]


def draws(distribution: Distribution, rng: np.random.Generator) -> Callable[[], float]:
    """The cheapest draw function for ``distribution``; a fixed duration consumes no randomness."""
    if distribution.is_fixed:
        value = distribution.mean
        return lambda: value
    return Draws(lambda n: distribution.sample(rng, n))


def uniforms(rng: np.random.Generator) -> Callable[[], float]:
    """Endless U(0, 1) draws, for routing, automation and approval decisions."""
    return Draws(rng.random)
