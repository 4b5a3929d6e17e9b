"""A mergeable quantile sketch with a relative-error guarantee, for runs that keep no item rows.

``record="summary"`` streams items through the statistics instead of keeping them, so
time-to-value percentiles come from a sketch: values fall into logarithmic buckets
``(gamma^(k-1), gamma^k]`` with ``gamma = (1 + a) / (1 - a)`` and each bucket answers with the
value ``2 gamma^k / (gamma + 1)``, which is within a relative ``a`` of everything in it (the
DDSketch construction: Masson, Rim and Lee, "DDSketch: a fast and fully-mergeable quantile sketch
with relative-error guarantees", VLDB 2019). Two sketches merge by adding bucket counts, so chunks
and replications combine exactly; the memory is one counter per occupied bucket, about
``ln(max / min) / (2 a)`` of them (a few hundred for hours to months at a = 0.5%), whatever the
number of values.
"""

from __future__ import annotations

import math

import numpy as np

#: Relative accuracy of every quantile: within 0.5% of the exact (interpolated) quantile.
RELATIVE_ACCURACY = 0.005
#: Values at or below this (hours) count as zero: a step with no duration.
ZERO = 1e-9


class QuantileSketch:
    """Counts of values per logarithmic bucket; ``add`` takes arrays, ``merge`` adds another sketch."""

    __slots__ = ("accuracy", "_log_gamma", "_counts", "zeros", "count")

    def __init__(self, accuracy: float = RELATIVE_ACCURACY) -> None:
        self.accuracy = accuracy
        self._log_gamma = math.log((1 + accuracy) / (1 - accuracy))
        self._counts: dict[int, int] = {}
        self.zeros = 0
        self.count = 0

    def add(self, values: np.ndarray) -> None:
        """Count finite, non-negative ``values`` (NaN is ignored: an item that never realised value)."""
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            return
        if (values < 0).any():
            raise ValueError("a quantile sketch of durations takes no negative values")
        positive = values[values > ZERO]
        self.zeros += int(values.size - positive.size)
        self.count += int(values.size)
        keys, counts = np.unique(np.ceil(np.log(positive) / self._log_gamma).astype(np.int64), return_counts=True)
        for key, count in zip(keys.tolist(), counts.tolist()):
            self._counts[key] = self._counts.get(key, 0) + count

    def merge(self, other: "QuantileSketch") -> None:
        """Add ``other``'s counts (the same accuracy): the result is the sketch of both value sets."""
        if other.accuracy != self.accuracy:
            raise ValueError("sketches of different accuracy do not merge")
        for key, count in other._counts.items():
            self._counts[key] = self._counts.get(key, 0) + count
        self.zeros += other.zeros
        self.count += other.count

    def quantile(self, q: float) -> float:
        """The value at rank ``q (n - 1)``, interpolated between the order statistics on either side as
        pandas and numpy do by default; each of those is known within ``accuracy``, so the result is
        within ``accuracy`` of the exact quantile. NaN for an empty sketch."""
        if not 0 <= q <= 1:
            raise ValueError(f"q must be between 0 and 1, got {q!r}")
        if self.count == 0:
            return math.nan
        rank = q * (self.count - 1)
        below = math.floor(rank)
        low, high = self._order_statistics(below, min(below + 1, self.count - 1))
        return low + (rank - below) * (high - low)

    def _order_statistics(self, first: int, second: int) -> tuple[float, float]:
        """The bucket values of the order statistics ``first`` <= ``second`` (0-based)."""
        found: list[float] = []
        seen = self.zeros
        wanted = [first, second]
        while wanted and wanted[0] < seen:
            found.append(0.0)
            wanted.pop(0)
        for key in sorted(self._counts):
            seen += self._counts[key]
            while wanted and wanted[0] < seen:
                found.append(2 * math.exp(key * self._log_gamma) / (1 + math.exp(self._log_gamma)))
                wanted.pop(0)
            if not wanted:
                break
        return found[0], found[1]

    @property
    def buckets(self) -> int:
        """Occupied buckets: the sketch's size, bounded by the range of the values, not their number."""
        return len(self._counts) + (self.zeros > 0)
