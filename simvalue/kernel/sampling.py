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


#: Items per block of per-item draws; each block has its own named random stream.
BLOCK_BITS = 9
_BLOCK_MASK = (1 << BLOCK_BITS) - 1
#: Blocks kept per stream; an evicted block is simply drawn again (same seed, same numbers).
CACHED_BLOCKS = 8


class ItemDraws:
    """Draws keyed by the item, not by the order items come: item k of a demand type always gets
    the same value at a step (its first visit; each rework visit has its own key too).

    This is what makes common random numbers hold per item and step: a variant that reorders a
    queue upstream still hands every item the effort it had in the baseline. Values come in
    blocks of 512 items, each block from a stream named by (…, purpose, visit, block).
    """

    __slots__ = ("_fill", "_blocks", "_last_key", "_last_block")

    def __init__(self, fill: Callable[[int], list[float]]) -> None:
        self._fill = fill
        self._blocks: dict[int, list[float]] = {}
        self._last_key, self._last_block = -1, []  # PERF: the block of the previous draw, most often this one's

    def __call__(self, item) -> float:
        index = item.index
        key = (item.visit << 40) | (index >> BLOCK_BITS)
        if key == self._last_key:
            return self._last_block[index & _BLOCK_MASK]
        block = self._blocks.get(key)
        if block is None:
            if len(self._blocks) >= CACHED_BLOCKS:
                del self._blocks[next(iter(self._blocks))]
            block = self._blocks[key] = self._fill(key)
        self._last_key, self._last_block = key, block
        return block[index & _BLOCK_MASK]


def item_draws(distribution: Distribution, stream: Callable[[str], np.random.Generator]) -> Callable:
    """Per-item draws of ``distribution``; ``stream(key)`` gives the generator of one block."""
    if distribution.is_fixed:
        value = distribution.mean
        return lambda item: value
    return ItemDraws(lambda key: distribution.sample(stream(str(key)), 1 << BLOCK_BITS).tolist())


def item_uniforms(stream: Callable[[str], np.random.Generator]) -> ItemDraws:
    """Per-item U(0, 1) draws for routing, automation and approval decisions."""
    return ItemDraws(lambda key: stream(str(key)).random(1 << BLOCK_BITS).tolist())
