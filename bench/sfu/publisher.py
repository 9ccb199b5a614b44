"""The benchmark's host: pre-encoded VP8 + Opus, paced in real time.

The sender only packs (a track returning av.Packet); a key-frame request is answered with
the next frame from the all-intra copy, at most one every `--keyframe-interval` seconds
(bench/sfu/keyframes.py). Where the server has a moderator, the moderator joins first and
watches like a listener. Prints "PUBLISHING" once the connection is up, and what it sent as
JSON when stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import uvloop
from aiortc import MediaStreamTrack, RTCRtpSender, RTCSessionDescription

from bench.sfu import clients
from bench.sfu.keyframes import KeyframeGate
from bench.sfu.listeners import Listener, rtc_settings
from bench.sfu.media import (
    AUDIO_TIME_BASE,
    FPS,
    OPUS_FRAME,
    VIDEO_TIME_BASE,
    BenchMedia,
    load,
    packet,
)
from bench.sfu.signals import Target
from bench.sfu.undecoded import keep_frames_encoded
from sfu.peer import new_peer_connection


class PacedTrack(MediaStreamTrack):
    def __init__(self, kind: str, interval: float) -> None:
        super().__init__()
        self.kind = kind
        self._interval = interval
        self._index = 0
        self._start: float | None = None

    async def _next_slot(self) -> int:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._index * self._interval
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        index = self._index
        self._index += 1
        return index


class VideoPackets(PacedTrack):
    def __init__(self, media: BenchMedia, gate: KeyframeGate, log: list[float]) -> None:
        super().__init__("video", 1 / FPS)
        self._media = media
        self._gate = gate
        self._log = log

    async def recv(self) -> av.Packet:  # type: ignore[type-arg]
        index = await self._next_slot()
        position = index % len(self._media.video)
        now = time.monotonic()
        if position == 0:  # the loop's own key frame
            self._gate.sent_keyframe(now)
            data = self._media.video[0]
        else:
            data = (self._media.intra if self._gate.take(now) else self._media.video)[position]
        self._log.append(time.time())
        return packet(data, index * 90000 // FPS, VIDEO_TIME_BASE)


class AudioPackets(PacedTrack):
    def __init__(self, media: BenchMedia) -> None:
        super().__init__("audio", OPUS_FRAME / 48000)
        self._media = media

    async def recv(self) -> av.Packet:  # type: ignore[type-arg]
        index = await self._next_slot()
        data = self._media.audio[index % len(self._media.audio)]
        return packet(data, index * OPUS_FRAME, AUDIO_TIME_BASE)


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call `callback` when the remote asks this sender for a key frame (PLI or FIR).

    aiortc forwards such requests to its encoder only; a sender fed with pre-encoded
    packets silently ignores them (pinned in tests/unit/sfu/test_aiortc_bridge.py).
    """
    original = sender._send_keyframe

    def send_keyframe() -> None:
        original()
        callback()

    sender._send_keyframe = send_keyframe  # type: ignore[method-assign]


async def publish(target: Target, media_dir: Path, keyframe_interval: float) -> dict[str, Any]:
    """Publish until stdin closes; the moderator (where the server has one) joins first."""
    media = load(media_dir)
    log: list[float] = []
    gate = KeyframeGate(keyframe_interval)
    moderator = await clients.moderator(target)
    watching = None
    if moderator is not None:
        watching = Listener(target, "moderator", decode=False)
    pc = new_peer_connection(rtc_settings(target))
    pc.addTrack(AudioPackets(media))
    video_sender = pc.addTrack(VideoPackets(media, gate, log))
    on_keyframe_request(video_sender, gate.request)
    connected = asyncio.Event()

    @pc.on("connectionstatechange")
    def _state() -> None:
        if pc.connectionState == "connected":
            connected.set()

    await pc.setLocalDescription(await pc.createOffer())
    signaling = await clients.host(target)
    answer = await signaling.publish(pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    await asyncio.wait_for(connected.wait(), timeout=30)
    loop = asyncio.get_running_loop()
    watch = None
    if watching is not None and moderator is not None:
        watch = loop.create_task(watching.answer_offers(moderator))
    print("PUBLISHING", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    if watch is not None and watching is not None:
        watch.cancel()
        await watching.close()
    await pc.close()
    await signaling.close()
    return {
        "sent_at": log,
        "keyframe_requests": gate.requests,
        "keyframes_on_request": [t - time.monotonic() + time.time() for t in gate.served],
        "moderator": watching.record if watching is not None else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--server", help="URL of the bare Router's server (bench/sfu/server.py)")
    where.add_argument("--target", help="JSON of bench.sfu.signals.Target")
    parser.add_argument("--media", type=Path, required=True)
    parser.add_argument(
        "--keyframe-interval",
        type=float,
        default=0.5,
        help="at least this many seconds between key frames made on request",
    )
    args = parser.parse_args()
    target = Target.loads(args.target) if args.target else Target("router", args.server)
    keep_frames_encoded()  # the moderator's receive path
    sent = uvloop.run(publish(target, args.media, args.keyframe_interval))
    print(json.dumps(sent), flush=True)  # before the interpreter shuts aiortc down


if __name__ == "__main__":
    main()
