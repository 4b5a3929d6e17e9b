"""Batched random draws: one numpy call fills a buffer that the event loop reads one value at a time.

PERF (benchmarks/engine_throughput.py): a numpy call per draw costs about a microsecond; a batch
of 512 makes each draw a list index. Values come out in the same order whatever the batch size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import repeat

import numpy as np

from ..distributions import Distribution

BATCH = 512


def endless(fill: Callable[[int], np.ndarray]) -> Callable[[], float]:
    """Endless draws from a batch-filling function, consumed in order.

    PERF: a generator's ``__next__`` is the cheapest Python callable that can hold this state.
    """
    def generate() -> Iterator[float]:
        while True:
            yield from fill(BATCH).tolist()
    return generate().__next__


def draws(distribution: Distribution, rng: np.random.Generator) -> Callable[[], float]:
    """The cheapest draw function for ``distribution``; a fixed duration consumes no randomness."""
    if distribution.is_fixed:
        return repeat(distribution.mean).__next__
    return endless(lambda n: distribution.sample(rng, n))


def uniforms(rng: np.random.Generator) -> Callable[[], float]:
    """Endless U(0, 1) draws, for routing, automation and approval decisions."""
    return endless(rng.random)
