"""A benchmark worker process: K listeners, each with its own signaling connection and its
own RTCPeerConnection with aiortc's full receive path (jitter buffer, receiver reports,
REMB, NACKs, PLIs), frames counted undecoded unless `--decode` (bench/sfu/undecoded.py).

Prints "READY" after start-up. On "GO" the listeners join all at once (or, with
`--one-by-one`, one after the other, each leaving once it has video: the join time of a
single newcomer), then it prints "CONNECTED". When stdin closes it prints every listener's
record as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from typing import Any

import uvloop
from aiortc import MediaStreamTrack, RTCRtpTransceiver, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from bench.sfu import clients
from bench.sfu.loss import port_range
from bench.sfu.signals import Subscription, Target
from bench.sfu.undecoded import FrameHandler, count_frames, is_vp8_keyframe, keep_frames_encoded
from config.settings import RtcSettings
from sfu.peer import new_peer_connection

FIRST_VIDEO_TIMEOUT_S = 60
NEWCOMER_PAUSE_S = 1.0
"""Between two newcomers: longer than the host's key-frame interval, so that no newcomer
waits for the key frame its predecessor asked for."""


def rtc_settings(target: Target, ports: tuple[int, int] | None = None) -> RtcSettings:
    """One local address, no ICE server: aiortc's default public STUN server is never asked.
    `ports`: the UDP range of the host candidate (any free port without); process-wide."""
    low, high = ports or (None, None)
    return RtcSettings(host_addresses=[target.address], udp_port_min=low, udp_port_max=high)


class Listener:
    """Joins, answers every offer the server makes, and notes when each frame arrives."""

    def __init__(
        self, target: Target, name: str, decode: bool, ports: tuple[int, int] | None = None
    ) -> None:
        self.target = target
        self.name = name
        self.decode = decode
        self.pc = new_peer_connection(rtc_settings(target, ports))
        if decode:
            self.pc.on("track", self._on_track)
        self.signaling: Subscription | None = None
        self.started_at = 0.0
        self.joined_at = self.offered_at = self.answered_at = 0.0
        """Connected and joined; the server's first offer came; the answer was taken."""
        self.first_video_at: float | None = None
        self.frame_times: list[float] = []
        self.keyframes = 0
        self.audio_frames = 0
        self.video = asyncio.Event()
        self.record: dict[str, Any] = {}
        """What it measured, kept when it leaves."""
        self._tasks: list[asyncio.Task[None]] = []

    async def run(self) -> None:
        self.started_at = time.time()
        signaling = await clients.listener(self.target, self.name)
        self.joined_at = time.time()
        await self.answer_offers(signaling)

    async def answer_offers(self, signaling: Subscription) -> None:
        self.signaling = signaling
        async for offer in signaling.offers():
            self.offered_at = self.offered_at or time.time()
            await self.pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
            if not self.decode:
                for transceiver in self.pc.getTransceivers():
                    count_frames(transceiver.receiver, self.frame_handler(transceiver))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            await signaling.answer(self.pc.localDescription.sdp)
            self.answered_at = self.answered_at or time.time()

    def frame_handler(self, transceiver: RTCRtpTransceiver) -> FrameHandler:
        """Where the transceiver's complete frames go (a subclass may tell tracks apart)."""
        return self._on_video if transceiver.kind == "video" else self._on_audio

    def _on_track(self, track: MediaStreamTrack) -> None:
        self._tasks.append(asyncio.get_running_loop().create_task(self._consume(track)))

    async def _consume(self, track: MediaStreamTrack) -> None:
        """A decoding listener: every decoded frame."""
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                if track.kind == "audio":
                    self._on_audio(b"")
                else:
                    self._on_video(b"")

    def _on_audio(self, _frame: bytes) -> None:
        self.audio_frames += 1

    def _on_video(self, frame: bytes) -> None:
        """Frames count from the first key frame on (a decoded frame when decoding): what
        comes before it cannot be shown, and some servers forward it while others wait."""
        keyframe = is_vp8_keyframe(frame)
        if self.first_video_at is None and not (keyframe or self.decode):
            return
        now = time.time()
        self.frame_times.append(now)
        self.keyframes += keyframe
        if self.first_video_at is None:
            self.first_video_at = now
            self.video.set()

    async def result(self) -> dict[str, Any]:
        lost = received = 0
        for stats in (await self.pc.getStats()).values():
            if stats.type == "inbound-rtp" and stats.kind == "video":
                lost += max(0, stats.packetsLost)  # duplicates make aiortc's count negative
                received += stats.packetsReceived
        return {
            "name": self.name,
            "decode": self.decode,
            "started_at": self.started_at,
            "joined_at": self.joined_at,
            "offered_at": self.offered_at,
            "answered_at": self.answered_at,
            "first_video_at": self.first_video_at,
            "frame_times": self.frame_times,
            "keyframes": None if self.decode else self.keyframes,
            "audio_frames": self.audio_frames,
            "video_packets_lost": lost,
            "video_packets_received": received,
        }

    async def close(self) -> None:
        self.record = await self.result()
        for task in self._tasks:
            task.cancel()
        await self.pc.close()
        if self.signaling is not None:
            await self.signaling.close()


async def join_together(listeners: list[Listener]) -> list[asyncio.Task[None]]:
    loop = asyncio.get_running_loop()
    runs = [loop.create_task(listener.run()) for listener in listeners]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(*(listener.video.wait() for listener in listeners)),
            FIRST_VIDEO_TIMEOUT_S,
        )
    return runs


async def join_one_by_one(listeners: list[Listener]) -> list[asyncio.Task[None]]:
    loop = asyncio.get_running_loop()
    runs = []
    for listener in listeners:
        runs.append(loop.create_task(listener.run()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(listener.video.wait(), FIRST_VIDEO_TIMEOUT_S)
        await listener.close()
        await asyncio.sleep(NEWCOMER_PAUSE_S)
    return runs


async def work(args: argparse.Namespace) -> list[dict[str, Any]]:
    target = Target.loads(args.target)
    names = [f"{args.prefix}{args.first + i}" for i in range(args.count)]
    listeners = [Listener(target, name, args.decode, args.ports) for name in names]
    loop = asyncio.get_running_loop()
    print("READY", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    join = join_one_by_one if args.one_by_one else join_together
    runs = await join(listeners)
    print("CONNECTED", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    for run in runs:
        run.cancel()
    if not args.one_by_one:
        await asyncio.gather(*(listener.close() for listener in listeners))
    return [listener.record for listener in listeners]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True, help="JSON of bench.sfu.signals.Target")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--first", type=int, default=0, help="number of the first listener")
    parser.add_argument("--prefix", default="listener-")
    parser.add_argument("--decode", action="store_true", help="decode with aiortc's decoder")
    parser.add_argument("--one-by-one", action="store_true")
    parser.add_argument("--ports", type=port_range, help="LOW-HIGH: the listeners' UDP ports")
    args = parser.parse_args()
    if not args.decode:
        keep_frames_encoded()
    # flushed at once: a crash while the interpreter shuts aiortc down must not lose it
    print(json.dumps(uvloop.run(work(args))), flush=True)


if __name__ == "__main__":
    main()
