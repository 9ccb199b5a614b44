"""Every publisher of the soak sends frame `n` of the loop at the wall-clock instant
`slot / FPS` with `slot % len(loop) == n`, so a listener that recognises a frame by its
bytes knows when it was due, whoever sent it: arrival minus that instant is the delay
through the node (publisher and listeners share the machine's clock)."""

from __future__ import annotations

import math

from bench.sfu.media import BenchMedia


def next_slot(last: int | None, now: float, rate: float) -> int:
    """The first slot (a multiple of 1/rate since the epoch) not before `now` and after
    `last`: a publisher that fell behind skips slots, as a live camera does."""
    slot = math.ceil(now * rate)
    return slot if last is None else max(slot, last + 1)


def due(slot: int, rate: float) -> float:
    return slot / rate


def delay_s(arrival: float, position: int, period: int, rate: float) -> float:
    """Arrival minus the latest instant not after it at which the frame at `position` of
    a loop of `period` frames was due (unambiguous below period / rate seconds)."""
    now = math.floor(arrival * rate)
    return arrival - due(now - (now - position) % period, rate)


class FrameIndex:
    """Which position of the loop a received frame is (inter-coded or its key-frame copy)."""

    def __init__(self, media: BenchMedia) -> None:
        self.period = len(media.video)
        self._positions = {data: n for n, data in enumerate(media.video)}
        self._positions.update({data: n for n, data in enumerate(media.intra)})

    def position(self, frame: bytes) -> int | None:
        return self._positions.get(frame)
