"""A participant of the soak that receives: bench/sfu's listener (aiortc's whole receive
path, frames counted undecoded) joined with a role, counting per minute the host's video
frames (the frame rate every participant should keep), all video and audio frames, and the
delay of every video frame it recognises (bench/soak/clock.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCRtpTransceiver

from bench.sfu.listeners import Listener
from bench.sfu.media import FPS
from bench.sfu.signals import Target
from bench.sfu.undecoded import FrameHandler
from bench.sfu.via_reception import HOST_ID
from bench.soak.client import SoakClient
from bench.soak.clock import FrameIndex, delay_s
from bench.soak.histogram import Histogram
from signaling.protocol.roles import Role

BAD_STATES = ("failed", "closed")


@dataclass
class Minute:
    host_frames: int = 0
    video_frames: int = 0
    audio_frames: int = 0
    unknown_frames: int = 0
    """Video frames that are no frame of the loop (damaged on the way)."""
    delay: Histogram = field(default_factory=Histogram)

    def dumps(self) -> dict[str, Any]:
        return {
            "host_frames": self.host_frames,
            "video_frames": self.video_frames,
            "audio_frames": self.audio_frames,
            "unknown_frames": self.unknown_frames,
            "delay": self.delay.dumps(),
        }


class Receiver(Listener):
    def __init__(self, target: Target, name: str, role: Role, index: FrameIndex) -> None:
        super().__init__(target, name, decode=False)
        self.role = role
        self.index = index
        self.client: SoakClient | None = None
        self.start: float | None = None
        """The soak's start (wall clock): minutes count from it, nothing before it."""
        self.minutes: dict[int, Minute] = {}
        self.last_host_frame_at: float | None = None
        self.last_video_at: float | None = None
        self.last_audio_at: float | None = None
        self.failure: str | None = None
        self.bad_states: list[str] = []
        self.pc.on("connectionstatechange", self._on_state)

    async def join(self) -> SoakClient:
        self.started_at = time.time()
        client = await SoakClient.join(self.target, self.name, self.role)
        assert isinstance(client, SoakClient)
        self.client, self.joined_at = client, time.time()
        return client

    async def receive(self) -> None:
        assert self.client is not None
        try:
            await self.answer_offers(self.client)
        except Exception as error:
            self.failure = f"{type(error).__name__}: {error}"

    async def run(self) -> None:
        try:
            await self.join()
        except Exception as error:
            self.failure = f"join: {type(error).__name__}: {error}"
            return
        await self.receive()

    def _on_state(self) -> None:
        if self.pc.connectionState in BAD_STATES and self.start is not None:
            self.bad_states.append(self.pc.connectionState)

    def _minute(self, now: float) -> Minute | None:
        if self.start is None or now < self.start:
            return None
        return self.minutes.setdefault(int((now - self.start) // 60), Minute())

    def frame_handler(self, transceiver: RTCRtpTransceiver) -> FrameHandler:
        mid = transceiver.mid or ""
        if transceiver.kind != "video":
            return self._on_audio_frame

        def on_video(frame: bytes) -> None:
            self._on_video(frame)
            self._video_frame(mid, frame)

        return on_video

    def _on_video(self, frame: bytes) -> None:
        super()._on_video(frame)
        self.frame_times.clear()  # the soak counts per minute instead

    def _on_audio_frame(self, _frame: bytes) -> None:
        self.last_audio_at = time.time()
        minute = self._minute(self.last_audio_at)
        if minute is not None:
            minute.audio_frames += 1

    def _video_frame(self, mid: str, frame: bytes) -> None:
        now = time.time()
        self.last_video_at = now
        from_host = self.client is not None and self.client.tracks.get(mid, ("",))[0] == HOST_ID
        if from_host:
            self.last_host_frame_at = now
        minute = self._minute(now)
        if minute is None:
            return
        minute.video_frames += 1
        minute.host_frames += from_host
        position = self.index.position(frame)
        if position is None:
            minute.unknown_frames += 1
        else:
            minute.delay.add(delay_s(now, position, self.index.period, FPS) * 1000)

    def soak_record(self) -> dict[str, Any]:
        """Taken when the soak stops, before anyone leaves."""
        client = self.client
        return {
            "name": self.name,
            "role": self.role.value,
            "joined": client is not None,
            "first_video_at": self.first_video_at,
            "last_host_frame_at": self.last_host_frame_at,
            "last_video_at": self.last_video_at,
            "last_audio_at": self.last_audio_at,
            "failure": self.failure,
            "closed": client.closed if client else None,
            "disconnects": client.disconnects if client else 0,
            "video_cut": client.video_cut if client else 0,
            "bad_states": self.bad_states,
            "minutes": {str(m): self.minutes[m].dumps() for m in sorted(self.minutes)},
        }

    def stop(self) -> dict[str, Any]:
        if self.client is not None:
            self.client.ending = True
        self.start = None  # nothing more is counted
        return self.soak_record()
