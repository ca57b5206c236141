"""A reproducible stream of numbers drawn from an image's digest: the only source of chance in the rules.

SHA-256 of a seed and a counter, 8 bytes per number: the same seed gives the same numbers in every
process, on every machine and Python build. No `random`, no `hash()`, no set order, no float function a
libm could round differently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_UNIT = 1 << 64
PROB_DECIMALS = 4
PROB_FLOOR = 10.0**-PROB_DECIMALS  # 0.0001


class Draw:
    """A reproducible stream of numbers: SHA-256 of the seed and a counter, 8 bytes per number."""

    def __init__(self, *seed: str) -> None:
        self._seed = "\x1f".join(seed).encode()
        self._counter = 0
        self._block = b""

    def unit(self) -> float:
        """A number in [0, 1)."""
        if not self._block:
            self._block = hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
        value, self._block = self._block[:8], self._block[8:]
        return int.from_bytes(value, "big") / _UNIT

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return min(int(self.unit() * n), n - 1)

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.unit()

    def count(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return low + self.below(high - low + 1)

    def chance(self, share: float) -> bool:
        """True for `share` of the draws."""
        return self.unit() < share

    def pick(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def weighted(self, weights: Sequence[tuple[T, float]]) -> T:
        """One of the items, each as often as its weight says (weights need not sum to 1)."""
        point = self.unit() * sum(weight for _, weight in weights)
        for item, weight in weights:
            point -= weight
            if point < 0:
                return item
        return weights[-1][0]

    def prob(self, low: float, high: float) -> float:
        """A confidence in [low, high], with the vendor's 4 decimals; never 0, which would print `0.0`
        (the vendor's encoder writes `0`) and which no recorded label carries."""
        return max(round(self.between(low, high), PROB_DECIMALS), PROB_FLOOR)
