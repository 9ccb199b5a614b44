"""Forwarding delays kept as counts in logarithmic bins, so a hundred listeners over half
an hour report a few hundred numbers each and their percentiles still merge exactly."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

FLOOR_MS = 0.1
"""Everything below falls in bin 0."""
RATIO = 1.05
"""Each bin is 5 % wider than the one before: a percentile is good to 5 %."""


def bin_of(ms: float) -> int:
    if ms < FLOOR_MS:
        return 0
    return 1 + int(math.log(ms / FLOOR_MS) / math.log(RATIO))


def value_of(index: int) -> float:
    """The middle of a bin (geometric), in ms."""
    if index == 0:
        return FLOOR_MS / 2
    return FLOOR_MS * RATIO ** (index - 1) * math.sqrt(RATIO)


class Histogram:
    def __init__(self, counts: Mapping[int, int] | None = None) -> None:
        self.counts: Counter[int] = Counter(counts or {})

    def add(self, ms: float) -> None:
        self.counts[bin_of(ms)] += 1

    def merge(self, other: Histogram) -> None:
        self.counts.update(other.counts)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percentile(self, share: float) -> float | None:
        """The value below which `share` (0..1) of the samples lie, in ms."""
        total = self.total
        if not total:
            return None
        rank = share * total
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                return round(value_of(index), 3)
        return round(value_of(max(self.counts)), 3)

    def dumps(self) -> dict[str, int]:
        return {str(index): count for index, count in sorted(self.counts.items())}

    @classmethod
    def loads(cls, counts: Mapping[str, int]) -> Histogram:
        return cls({int(index): count for index, count in counts.items()})

    @classmethod
    def pooled(cls, parts: Iterable[Histogram]) -> Histogram:
        whole = cls()
        for part in parts:
            whole.merge(part)
        return whole
