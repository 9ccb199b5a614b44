"""Real aiortc client peers for SFU tests: a publisher of synthetic media and a subscriber
that decodes what it receives, so tests assert on frames, not on internal counters."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fractions
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

import av
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from config.settings import RtcSettings
from sfu import Router, SubscriberTransport
from sfu.peer import new_peer_connection
from tests.aiortc_hooks import filter_rtp

VIDEO_RATE = 90000
AUDIO_RATE = 48000
AUDIO_SAMPLES = 960


def change(router: Router, participant_id: str, **fields: Any) -> None:
    """Apply the participant's forwarding state with these fields changed, as the signaling
    layer does after a room change."""
    router.apply(participant_id, dataclasses.replace(router.state_of(participant_id), **fields))


class PatternTrack(MediaStreamTrack):
    """Frames of one luma value: the subscriber recognises the publisher by it.

    With `noise`, the bottom rows of each frame are random, so the encoder needs real
    bitrate (about 500 kbit/s at aiortc's default target, and it can still meet lower ones).
    """

    kind = "video"

    def __init__(
        self, luma: int, width: int = 160, height: int = 120, fps: int = 30, noise: bool = False
    ) -> None:
        super().__init__()
        self.luma = luma
        self.noise = noise
        self._width, self._height, self._fps = width, height, fps
        self._count = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._count / self._fps
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        frame = av.VideoFrame(self._width, self._height, "yuv420p")
        luma = frame.planes[0]
        if self.noise:
            flat = luma.buffer_size * 3 // 4
            luma.update(bytes([self.luma]) * flat + os.urandom(luma.buffer_size - flat))
        else:
            luma.update(bytes([self.luma]) * luma.buffer_size)
        for plane in frame.planes[1:]:
            plane.update(bytes([128]) * plane.buffer_size)
        frame.pts = self._count * VIDEO_RATE // self._fps
        frame.time_base = fractions.Fraction(1, VIDEO_RATE)
        self._count += 1
        return frame


class ToneTrack(MediaStreamTrack):
    """A sine tone whose amplitude the test sets (0 = silence): drives RFC 6464 levels."""

    kind = "audio"

    def __init__(self, amplitude: float = 0.3) -> None:
        super().__init__()
        self.amplitude = amplitude
        self._count = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._count * AUDIO_SAMPLES / AUDIO_RATE
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        peak = int(32767 * self.amplitude)
        base = self._count * AUDIO_SAMPLES
        samples = b"".join(
            int(peak * math.sin(2 * math.pi * 440 * (base + i) / AUDIO_RATE)).to_bytes(
                2, "little", signed=True
            )
            for i in range(AUDIO_SAMPLES)
        )
        frame = av.AudioFrame(format="s16", layout="mono", samples=AUDIO_SAMPLES)
        frame.planes[0].update(samples)
        frame.sample_rate = AUDIO_RATE
        frame.pts = base
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self._count += 1
        return frame


class ClientPublisher:
    def __init__(
        self,
        settings: RtcSettings,
        participant_id: str,
        luma: int,
        noise: bool = False,
        video_codec: str | None = None,
    ) -> None:
        self.participant_id = participant_id
        self.pc: RTCPeerConnection = new_peer_connection(settings)
        self.video = PatternTrack(luma, noise=noise)
        self.audio = ToneTrack()
        self.pc.addTrack(self.audio)
        video_sender = self.pc.addTrack(self.video)
        if video_codec is not None:  # e.g. "video/H264": offer only that codec
            transceiver = next(t for t in self.pc.getTransceivers() if t.sender is video_sender)
            capabilities = RTCRtpSender.getCapabilities("video")
            assert capabilities is not None
            transceiver.setCodecPreferences(
                [c for c in capabilities.codecs if c.mimeType in (video_codec, "video/rtx")]
            )

    async def publish(self, router: Router) -> None:
        transport = await router.add_publisher(self.participant_id)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        answer = await transport.accept_offer(self.pc.localDescription.sdp)
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    async def close(self) -> None:
        await self.pc.close()


@dataclass
class ReceivedTrack:
    kind: str
    frames: int = 0
    first_at: float | None = None
    last_at: float = 0.0
    luma: int | None = None
    lumas: list[int] = field(default_factory=list)

    def since(self, moment: float) -> bool:
        return self.last_at > moment

    async def consume(self, track: MediaStreamTrack) -> None:
        """Decode the track until it ends, counting frames and sampling video luma."""
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                now = time.monotonic()
                self.frames += 1
                self.first_at = self.first_at or now
                self.last_at = now
                if isinstance(frame, av.VideoFrame):
                    plane = frame.planes[0]
                    self.luma = bytes(plane)[plane.line_size * (frame.height // 2) + 8]
                    self.lumas.append(self.luma)


class ClientSubscriber:
    """Answers the SFU's offers and decodes every track it gets, by mid."""

    def __init__(self, settings: RtcSettings, participant_id: str) -> None:
        self.participant_id = participant_id
        self.pc: RTCPeerConnection = new_peer_connection(settings)
        self.tracks: dict[str, ReceivedTrack] = {}
        self.owners: dict[str, str] = {}
        """mid -> publishing participant, from the SFU's offer."""
        self.transport: SubscriberTransport | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self.rtp_bytes = 0
        """Decrypted RTP bytes this client received (its measured incoming bitrate)."""
        self._counted: set[int] = set()
        self.pc.on("track", self._on_track)

    async def subscribe(self, router: Router) -> None:
        self.transport = await router.add_subscriber(self.participant_id)
        self.transport.on_negotiation_needed(self._renegotiate_soon)
        await self.negotiate()

    def _renegotiate_soon(self) -> None:
        task = asyncio.get_running_loop().create_task(self.negotiate())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def negotiate(self) -> None:
        assert self.transport is not None
        async with self._lock:
            offer = await self.transport.create_offer()
            self.owners.update({t.mid: t.participant_id for t in offer.tracks})
            await self.pc.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
            for transceiver in self.pc.getTransceivers():
                dtls = transceiver.receiver.transport
                if id(dtls) not in self._counted:
                    self._counted.add(id(dtls))
                    filter_rtp(dtls, self._count)
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            await self.transport.accept_answer(self.pc.localDescription.sdp)

    def _count(self, data: bytes) -> bool:
        self.rtp_bytes += len(data)
        return True

    async def measure_kbps(self, seconds: float = 2.0) -> float:
        before = self.rtp_bytes
        await asyncio.sleep(seconds)
        return (self.rtp_bytes - before) * 8 / seconds / 1000

    def _on_track(self, track: MediaStreamTrack) -> None:
        mid = next(t.mid for t in self.pc.getTransceivers() if t.receiver.track is track)
        received = self.tracks[str(mid)] = ReceivedTrack(track.kind)
        task = asyncio.get_running_loop().create_task(received.consume(track))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def track_of(self, publisher_id: str, kind: str) -> ReceivedTrack | None:
        for mid, owner in self.owners.items():
            track = self.tracks.get(mid)
            if owner == publisher_id and track is not None and track.kind == kind:
                return track
        return None

    def frames_of(self, publisher_id: str, kind: str) -> int:
        track = self.track_of(publisher_id, kind)
        return 0 if track is None else track.frames

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.pc.close()


class Clients:
    """Connected client peers of one router; the fixture closes them all."""

    def __init__(self, settings: RtcSettings, router: Router) -> None:
        self._settings = settings
        self._router = router
        self._made: list[ClientPublisher | ClientSubscriber] = []

    async def publisher(
        self,
        participant_id: str,
        luma: int = 200,
        noise: bool = False,
        video_codec: str | None = None,
    ) -> ClientPublisher:
        client = ClientPublisher(self._settings, participant_id, luma, noise, video_codec)
        self._made.append(client)
        await client.publish(self._router)
        return client

    async def subscriber(self, participant_id: str) -> ClientSubscriber:
        client = ClientSubscriber(self._settings, participant_id)
        self._made.append(client)
        await client.subscribe(self._router)
        return client

    async def close(self) -> None:
        for client in self._made:
            await client.close()
