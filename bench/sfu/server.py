"""The benchmark's server process: the SFU (or aiortc's MediaRelay) behind a tiny HTTP API.

POST /publish {sdp} -> {sdp}; POST /subscribe -> {id, sdp}; POST /answer {id, sdp}.
Prints "PORT <n>" when listening; exits on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvloop
from aiohttp import web
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay

from bench.sfu.isolation import media_address
from bench.sfu.loss import port_range
from config.settings import RtcSettings
from recorder.track_recorder import Recording
from sfu import ForwardingState, Router, SubscriberTransport
from sfu.peer import new_peer_connection

PUBLISHER = "publisher"
SERVER_CORE = 0
"""Where the benchmarks put the server under test by default."""


class SfuBackend:
    def __init__(self, settings: RtcSettings, record_to: Path | None = None) -> None:
        self.router = Router(settings, name="bench")
        self._subscribers: dict[str, SubscriberTransport] = {}
        self._recording = Recording(record_to) if record_to is not None else None
        if self._recording is not None:
            self.router.record(self._recording.sink_for)

    async def publish(self, sdp: str) -> str:
        transport = await self.router.add_publisher(PUBLISHER)
        self.router.apply(PUBLISHER, ForwardingState(on_air=True))
        return await transport.accept_offer(sdp)

    async def subscribe(self, subscriber_id: str) -> str:
        transport = await self.router.add_subscriber(subscriber_id)
        self._subscribers[subscriber_id] = transport
        return (await transport.create_offer()).sdp

    async def answer(self, subscriber_id: str, sdp: str) -> None:
        await self._subscribers[subscriber_id].accept_answer(sdp)

    async def close(self) -> None:
        await self.router.close()
        if self._recording is not None:
            await self._recording.close()
            shutil.rmtree(self._recording.folder, ignore_errors=True)


class MediaRelayBackend:
    """What a Python user writes by default: decode once, encode per subscriber."""

    def __init__(self, settings: RtcSettings) -> None:
        self._settings = settings
        self._relay = MediaRelay()
        self._tracks: dict[str, MediaStreamTrack] = {}
        self._pcs: dict[str, RTCPeerConnection] = {}

    async def publish(self, sdp: str) -> str:
        pc = new_peer_connection(self._settings)
        self._pcs[PUBLISHER] = pc
        pc.on("track", lambda track: self._tracks.__setitem__(track.kind, track))
        await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return str(pc.localDescription.sdp)

    async def subscribe(self, subscriber_id: str) -> str:
        pc = new_peer_connection(self._settings)
        self._pcs[subscriber_id] = pc
        for kind in ("audio", "video"):
            pc.addTrack(self._relay.subscribe(self._tracks[kind]))
        await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)

    async def answer(self, subscriber_id: str, sdp: str) -> None:
        await self._pcs[subscriber_id].setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    async def close(self) -> None:
        await asyncio.gather(*(pc.close() for pc in self._pcs.values()))


async def serve(mode: str, ports: tuple[int, int] | None) -> None:
    low, high = ports or (None, None)
    settings = RtcSettings(host_addresses=[media_address()], udp_port_min=low, udp_port_max=high)
    backend: Any
    if mode == "mediarelay":
        backend = MediaRelayBackend(settings)
    else:
        recording = mode == "sfu-recording"
        folder = Path(tempfile.mkdtemp(prefix="reception-bench-recording-")) if recording else None
        backend = SfuBackend(settings, folder)
    ids = itertools.count(1)

    async def publish(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"sdp": await backend.publish(body["sdp"])})

    async def subscribe(request: web.Request) -> web.Response:
        subscriber_id = f"s{next(ids)}"
        return web.json_response(
            {"id": subscriber_id, "sdp": await backend.subscribe(subscriber_id)}
        )

    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        await backend.answer(body["id"], body["sdp"])
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/publish", publish)
    app.router.add_post("/subscribe", subscribe)
    app.router.add_post("/answer", answer)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"PORT {runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await backend.close()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("sfu", "sfu-recording", "mediarelay"), default="sfu")
    parser.add_argument("--ports", type=port_range, help="LOW-HIGH: the media's UDP ports")
    args = parser.parse_args()
    # pinned by the orchestrator (taskset); the server's own loop for both backends: the
    # baseline's cost is its codecs, not the loop
    uvloop.run(serve(args.mode, args.ports))
    sys.exit(0)


if __name__ == "__main__":
    main()
