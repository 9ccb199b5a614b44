"""The benchmark's publisher process: pre-encoded VP8 + Opus, paced in real time.

The sender only packs (a track returning av.Packet); a key-frame request is answered by
sending the next frame from the all-intra copy. Each frame's CRC and send time are logged
so the orchestrator can measure forwarding delay. Prints "PUBLISHING" once the connection
is up, and its send log as JSON when stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import aiohttp
import av
from aiortc import MediaStreamTrack, RTCRtpSender, RTCSessionDescription

from bench.sfu.media import (
    AUDIO_TIME_BASE,
    FPS,
    OPUS_FRAME,
    VIDEO_TIME_BASE,
    BenchMedia,
    load,
    packet,
)
from config.settings import RtcSettings
from sfu.peer import new_peer_connection

FRAME_TAG_BYTES = 64


def frame_tag(frame: bytes) -> int:
    """Identifies a frame by its first bytes (also the first packet's payload)."""
    return zlib.crc32(frame[:FRAME_TAG_BYTES])


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
    def __init__(self, media: BenchMedia, log: list[tuple[int, float]]) -> None:
        super().__init__("video", 1 / FPS)
        self._media = media
        self._log = log
        self.keyframe_wanted = True

    async def recv(self) -> av.Packet:  # type: ignore[type-arg]
        index = await self._next_slot()
        position = index % len(self._media.video)
        source = self._media.intra if self.keyframe_wanted else self._media.video
        self.keyframe_wanted = False
        data = source[position]
        self._log.append((frame_tag(data), time.time()))
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


async def publish(server: str, media_dir: Path) -> list[tuple[int, float]]:
    media = load(media_dir)
    log: list[tuple[int, float]] = []
    pc = new_peer_connection(RtcSettings(host_addresses=["127.0.0.1"]))
    video = VideoPackets(media, log)
    pc.addTrack(AudioPackets(media))
    video_sender = pc.addTrack(video)
    on_keyframe_request(video_sender, lambda: setattr(video, "keyframe_wanted", True))
    connected = asyncio.Event()

    @pc.on("connectionstatechange")
    def _state() -> None:
        if pc.connectionState == "connected":
            connected.set()

    await pc.setLocalDescription(await pc.createOffer())
    offer = {"sdp": pc.localDescription.sdp}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server}/publish", json=offer) as r,
    ):
        answer = (await r.json())["sdp"]
    await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    await asyncio.wait_for(connected.wait(), timeout=30)
    print("PUBLISHING", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await pc.close()
    return log


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--media", type=Path, required=True)
    args = parser.parse_args()
    log = asyncio.run(publish(args.server, args.media))
    json.dump(log, sys.stdout)


if __name__ == "__main__":
    main()
