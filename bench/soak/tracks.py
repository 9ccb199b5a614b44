"""The pre-encoded tracks of bench/sfu/publisher.py on the wall clock (bench/soak/clock.py),
sending only while their participant is on air, as a citizen of the soak publishes."""

from __future__ import annotations

import asyncio
import time

import av

from bench.sfu.keyframes import KeyframeGate
from bench.sfu.media import FPS, OPUS_FRAME, BenchMedia
from bench.sfu.publisher import AudioPackets, VideoPackets
from bench.soak.clock import due, next_slot
from bench.soak.histogram import Histogram

AUDIO_RATE = 48000 / OPUS_FRAME


class OnAir:
    """Whether the tracks send; they wait while it is off."""

    def __init__(self, on: bool) -> None:
        self._on = asyncio.Event()
        self.set(on)

    def set(self, on: bool) -> None:
        if on:
            self._on.set()
        else:
            self._on.clear()

    def is_on(self) -> bool:
        return self._on.is_set()

    async def wait(self) -> None:
        await self._on.wait()


class Lateness:
    """How late the publisher's own loop sent frames (ms), per minute of the run: delay
    the listeners see that the node did not add."""

    def __init__(self) -> None:
        self.start: float | None = None
        self.minutes: dict[int, Histogram] = {}

    def add(self, now: float, late_s: float) -> None:
        if self.start is not None and now >= self.start:
            minute = int((now - self.start) // 60)
            self.minutes.setdefault(minute, Histogram()).add(late_s * 1000)


async def _slot(last: int | None, rate: float) -> int:
    slot = next_slot(last, time.time(), rate)
    await asyncio.sleep(max(0.0, due(slot, rate) - time.time()))
    return slot


class ClockedVideo(VideoPackets):
    def __init__(
        self, media: BenchMedia, gate: KeyframeGate, on_air: OnAir, lateness: Lateness
    ) -> None:
        super().__init__(media, gate, [])
        self._on_air = on_air
        self._lateness = lateness
        self._last: int | None = None

    async def _next_slot(self) -> int:
        if not self._on_air.is_on():
            await self._on_air.wait()
            self._gate.request()  # back on air: start with a key frame
        self._last = await _slot(self._last, FPS)
        now = time.time()
        self._lateness.add(now, now - due(self._last, FPS))
        return self._last

    async def recv(self) -> av.Packet:  # type: ignore[type-arg]
        packet = await super().recv()
        self._log.clear()  # the soak reads lateness instead; keep nothing per frame
        return packet


class ClockedAudio(AudioPackets):
    def __init__(self, media: BenchMedia, on_air: OnAir) -> None:
        super().__init__(media)
        self._on_air = on_air
        self._last: int | None = None

    async def _next_slot(self) -> int:
        await self._on_air.wait()
        self._last = await _slot(self._last, AUDIO_RATE)
        return self._last
