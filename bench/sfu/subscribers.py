"""A benchmark worker process: K subscribers that count packets without decoding, and
optionally subscribers that decode (to show the stream really plays).

Prints "READY" after start-up, connects everyone when it reads "GO", prints "CONNECTED
<unix time of the last first frame>" (or -1 on timeout), and its measurements as JSON when
stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import time
import zlib
from typing import Any

import aiohttp
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from bench.sfu.publisher import FRAME_TAG_BYTES
from config.settings import RtcSettings
from sfu.aiortc_bridge import intercept_rtp, take_over_receiver
from sfu.peer import new_peer_connection

CONNECT_TIMEOUT_S = 30
SETTINGS = RtcSettings(host_addresses=["127.0.0.1"])


def vp8_descriptor_length(payload: bytes) -> int:
    """Bytes of the VP8 payload descriptor before the frame data (RFC 7741)."""
    if not payload[0] & 0x80:
        return 1
    ext, pos = payload[1], 2
    if ext & 0x80:
        pos += 2 if payload[pos] & 0x80 else 1
    if ext & 0x40:
        pos += 1
    if ext & 0x30:
        pos += 1
    return pos


class Subscriber:
    """Signals over HTTP, then measures what arrives; `decode` picks aiortc's full path."""

    def __init__(self, server: str, decode: bool) -> None:
        self.server = server
        self.decode = decode
        self.pc: RTCPeerConnection = new_peer_connection(SETTINGS)
        self.started_at = 0.0
        self.first_frame_at: float | None = None
        self.frame_times: list[float] = []
        self.bytes_per_tenth: dict[int, int] = {}
        """RTP bytes received per 100 ms slot (unix time * 10)."""
        self.tags: list[tuple[int, float]] = []
        self._kinds: dict[int, str] = {}
        self._seqs: dict[int, list[int]] = {}
        self._frame_start = True
        self._tasks: list[asyncio.Task[None]] = []
        self.receiving = asyncio.Event()

    async def connect(self, session: aiohttp.ClientSession) -> None:
        self.started_at = time.time()
        async with session.post(f"{self.server}/subscribe") as response:
            offer = await response.json()
        for pt, codec in re.findall(r"a=rtpmap:(\d+) (\w+)/", offer["sdp"]):
            self._kinds[int(pt)] = codec.lower()
        if self.decode:
            self.pc.on("track", self._on_track)
        await self.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        if not self.decode:
            for transceiver in self.pc.getTransceivers():
                take_over_receiver(transceiver.receiver, lambda parameters: None)
                intercept_rtp(transceiver.receiver.transport, self._on_rtp)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        body = {"id": offer["id"], "sdp": self.pc.localDescription.sdp}
        async with session.post(f"{self.server}/answer", json=body) as response:
            await response.read()

    def _on_rtp(self, data: bytes, arrival_ms: int) -> None:
        now = time.time()
        codec = self._kinds.get(data[1] & 0x7F)
        if codec not in ("vp8", "opus"):
            return  # RTX and anything else
        seq = int.from_bytes(data[2:4], "big")
        self._seqs.setdefault(data[1] & 0x7F, []).append(seq)
        slot = int(now * 10)
        self.bytes_per_tenth[slot] = self.bytes_per_tenth.get(slot, 0) + len(data)
        if codec != "vp8":
            return
        if self._frame_start:
            header = 12 + 4 * (data[0] & 0x0F)
            if data[0] & 0x10:
                header += 4 + 4 * int.from_bytes(data[header + 2 : header + 4], "big")
            payload = data[header:]
            start = vp8_descriptor_length(payload)
            self.tags.append((zlib.crc32(payload[start : start + FRAME_TAG_BYTES]), now))
        self._frame_start = bool(data[1] & 0x80)
        if self._frame_start:
            self.frame_times.append(now)
            if self.first_frame_at is None:
                self.first_frame_at = now
                self.receiving.set()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self._tasks.append(asyncio.get_running_loop().create_task(self._decode(track)))

    async def _decode(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                now = time.time()
                self.frame_times.append(now)
                if self.first_frame_at is None:
                    self.first_frame_at = now
                    self.receiving.set()

    def loss(self) -> float:
        expected = received = 0
        for seqs in self._seqs.values():
            extended, cycles, last = [], 0, seqs[0]
            for seq in seqs:
                if seq < last and last - seq > 0x8000:
                    cycles += 0x10000
                extended.append(cycles + seq)
                last = seq
            expected += max(extended) - min(extended) + 1
            received += len(set(extended))
        return 0.0 if expected == 0 else max(0.0, 1 - received / expected)

    def result(self) -> dict[str, Any]:
        return {
            "decode": self.decode,
            "started_at": self.started_at,
            "first_frame_at": self.first_frame_at,
            "frame_times": self.frame_times,
            "bytes_per_tenth": self.bytes_per_tenth,
            "tags": self.tags,
            "loss": self.loss() if not self.decode else None,
        }

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.pc.close()


async def run(server: str, count: int, decoding: int) -> list[dict[str, Any]]:
    subscribers = [Subscriber(server, decode=False) for _ in range(count)]
    subscribers += [Subscriber(server, decode=True) for _ in range(decoding)]
    loop = asyncio.get_running_loop()
    print("READY", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(s.connect(session) for s in subscribers))
    everyone = asyncio.gather(*(s.receiving.wait() for s in subscribers))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(everyone, timeout=CONNECT_TIMEOUT_S)
    firsts = [s.first_frame_at for s in subscribers]
    last = -1.0 if None in firsts else max(f for f in firsts if f is not None)
    print(f"CONNECTED {last}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    results = [s.result() for s in subscribers]
    await asyncio.gather(*(s.close() for s in subscribers))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--decoding", type=int, default=0)
    args = parser.parse_args()
    json.dump(asyncio.run(run(args.server, args.count, args.decoding)), sys.stdout)


if __name__ == "__main__":
    main()
