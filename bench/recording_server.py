"""The recording benchmark's server process: a real `sfu.Router` with K on-air publishers
and no subscribers, so what it spends is forwarding's receive side plus, with `--record`,
the recording of every on-air track.

POST /publish {sdp} -> {sdp}: each publisher gets its own participant id (p1, p2, ...) and
is on air at once. With `--record DIR` the track logs are written under DIR and kept (the
benchmark replays them); it prints "PORT <n>" when listening and exits on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import sys
from pathlib import Path

import uvloop
from aiohttp import web

from bench.sfu.server import SERVER_CORE
from config.settings import RtcSettings
from recorder.track_recorder import Recording
from sfu import ForwardingState, Router


async def serve(record_to: Path | None) -> None:
    router = Router(RtcSettings(host_addresses=["127.0.0.1"]), name="recording-bench")
    recording = Recording(record_to) if record_to is not None else None
    if recording is not None:
        router.record(recording.sink_for)
    ids = itertools.count(1)

    async def publish(request: web.Request) -> web.Response:
        body = await request.json()
        participant_id = f"p{next(ids)}"
        transport = await router.add_publisher(participant_id)
        router.apply(participant_id, ForwardingState(on_air=True))
        return web.json_response({"sdp": await transport.accept_offer(body["sdp"])})

    app = web.Application()
    app.router.add_post("/publish", publish)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"PORT {runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await router.close()
    if recording is not None:
        await recording.close()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", type=Path, help="record every on-air track under here")
    args = parser.parse_args()
    if (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {SERVER_CORE})
    uvloop.run(serve(args.record))
    sys.exit(0)


if __name__ == "__main__":
    main()
