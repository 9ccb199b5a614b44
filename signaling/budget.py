"""A token bucket: what a client may do now, given what it did lately.

It fills at `rate` tokens a second up to `burst`, so a client may do `burst` things at once
after a quiet moment and `rate` a second for ever. Below zero (down to `floor`) it is a
debt: a client that goes on asking while refused waits the longer for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
Clock = Callable[[], float]


class TokenBucket:
    def __init__(
        self, rate: float, burst: float, *, floor: float = 0.0, clock: Clock = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._floor = floor
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()
        self.exhausted = False
        """Refused so often without a pause that the debt is as deep as it goes."""

    def take(self) -> bool:
        """Spend a token if there is one. With a `floor` below zero a refusal costs a token
        too, down to the floor; `exhausted` then says the floor was reached."""
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            self.exhausted = False
            return True
        if self._floor < 0:
            self._tokens = max(self._floor, self._tokens - 1)
            self.exhausted = self._tokens <= self._floor
        return False

    @property
    def full(self) -> bool:
        """As good as new: forgetting this bucket loses nothing."""
        self._refill()
        return self._tokens >= self._burst

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now


class Buckets(Generic[K]):
    """One bucket per key (a participant), forgetting those that have filled up again, so
    the keys a node has ever seen do not pile up."""

    def __init__(
        self, rate: float, burst: float, *, keep: int = 1024, clock: Clock = time.monotonic
    ) -> None:
        self._rate, self._burst, self._keep, self._clock = rate, burst, keep, clock
        self._buckets: dict[K, TokenBucket] = {}

    def take(self, key: K) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._keep:
                self._buckets = {k: b for k, b in self._buckets.items() if not b.full}
            bucket = self._buckets[key] = TokenBucket(self._rate, self._burst, clock=self._clock)
        return bucket.take()
