"""A soak worker process: K listeners (observers), each with its own signaling connection
and aiortc's receive path (bench/soak/receiver.py).

Prints "READY"; on "GO" the listeners join together, then "JOINED <how many have the
host's video>". On "START <wall clock>" counting begins; on "STOP" it prints
"RECORDS <JSON>" and waits to be ended.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from pathlib import Path

import uvloop

from bench.sfu.media import load
from bench.sfu.signals import Target
from bench.sfu.undecoded import keep_frames_encoded
from bench.soak.clock import FrameIndex
from bench.soak.lag import LoopLag
from bench.soak.receiver import Receiver
from signaling.protocol.roles import Role

VIDEO_TIMEOUT_S = 90


async def _line() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def work(args: argparse.Namespace) -> None:
    target = Target.loads(args.target)
    index = FrameIndex(load(args.media))
    names = [f"{args.prefix}{args.first + n}" for n in range(args.count)]
    listeners = [Receiver(target, name, Role.OBSERVER, index) for name in names]
    loop = asyncio.get_running_loop()
    lag = LoopLag()
    lagging = loop.create_task(lag.run())
    print("READY", flush=True)
    await _line()  # GO
    runs = [loop.create_task(listener.run()) for listener in listeners]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(*(listener.video.wait() for listener in listeners)), VIDEO_TIMEOUT_S
        )
    print(f"JOINED {sum(listener.video.is_set() for listener in listeners)}", flush=True)
    start = float((await _line()).split()[1])
    for listener in listeners:
        listener.start = start
    lag.start = start
    await _line()  # STOP
    records = {"listeners": [listener.stop() for listener in listeners], "loop_lag_ms": lag.dumps()}
    print(f"RECORDS {json.dumps(records)}", flush=True)
    await _line()  # the orchestrator ends this process; nothing is measured after
    for task in [*runs, lagging]:
        task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True, help="JSON of bench.sfu.signals.Target")
    parser.add_argument("--media", type=Path, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--first", type=int, default=1, help="number of the first listener")
    parser.add_argument("--prefix", default="listener-")
    args = parser.parse_args()
    keep_frames_encoded()
    uvloop.run(work(args))


if __name__ == "__main__":
    main()
