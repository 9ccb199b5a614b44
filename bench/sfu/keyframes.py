"""When the benchmark's publisher answers a key-frame request.

A browser's encoder does not make a key frame for every PLI: requests that come close
together are served by one key frame. The publisher keeps at least `interval` seconds
between the key frames it makes on request; a request inside that interval is remembered
and served when it ends, never dropped.
"""

from __future__ import annotations


class KeyframeGate:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.requests = 0
        self.served: list[float] = []
        """When each key frame made on request went out."""
        self._pending = False
        self._last: float | None = None

    def request(self) -> None:
        self.requests += 1
        self._pending = True

    def take(self, now: float) -> bool:
        """Whether the frame sent at `now` is to be a key frame."""
        if not self._pending or (self._last is not None and now - self._last < self.interval):
            return False
        self._pending = False
        self._last = now
        self.served.append(now)
        return True

    def sent_keyframe(self, now: float) -> None:
        """A key frame went out anyway (the loop's own): it serves what was pending."""
        self._pending = False
        self._last = now
