"""A soak process of people who publish: the moderator (who joins first, watches like a
listener and runs the schedule) with the host, or a group of citizens
(bench/soak/performer.py). Citizens are spread over a few processes: a process's event loop
is one core at most, and 15 receive paths next to the publishers do not fit in one.

Prints "READY" once started; on "GO" they join and publish, then "JOINED <how many receive
the host's video>". On "START <wall clock>" the schedule and every count begin; on "STOP"
it prints "RECORDS <JSON>" and waits to be ended.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import uvloop

from bench.sfu.media import load
from bench.sfu.signals import Target
from bench.sfu.undecoded import keep_frames_encoded
from bench.sfu.via_reception import HOST_ID, MODERATOR_ID
from bench.soak.clock import FrameIndex
from bench.soak.commander import Commander
from bench.soak.lag import LoopLag
from bench.soak.performer import Performer
from bench.soak.receiver import Receiver
from bench.soak.tracks import Lateness
from signaling.protocol.roles import Role

VIDEO_TIMEOUT_S = 90


async def _line() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


def citizen_names(first: int, count: int) -> list[str]:
    return [f"citizen-{n}" for n in range(first, first + count)]


async def work(args: argparse.Namespace) -> None:
    target = Target.loads(args.target)
    media = load(args.media)
    index = FrameIndex(media)
    lateness = Lateness()
    loop = asyncio.get_running_loop()
    lag = LoopLag()
    lagging = loop.create_task(lag.run())
    print("READY", flush=True)
    await _line()  # GO
    people: list[Receiver] = []
    commander = None
    if args.moderate:
        moderator = Receiver(target, MODERATOR_ID, Role.MODERATOR, index)
        client = await moderator.join()  # citizens are let in only with a moderator present
        host = Performer(target, HOST_ID, Role.HOST, index, media, lateness)
        await host.publish()
        people += [moderator, host]
        commander = Commander(client, citizen_names(1, args.moderate), host.name)
    citizens = [
        Performer(target, name, Role.CITIZEN, index, media, lateness)
        for name in citizen_names(args.first, args.count)
    ]
    await asyncio.gather(*(citizen.publish() for citizen in citizens))
    people += citizens
    receiving = [loop.create_task(person.receive()) for person in people]
    watching = [p for p in people if p.role is not Role.HOST]  # nobody on air for the host yet
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(p.video.wait() for p in watching)), VIDEO_TIMEOUT_S)
    print(f"JOINED {sum(p.video.is_set() for p in watching)}", flush=True)
    start = float((await _line()).split()[1])
    for person in people:
        person.start = start
    lateness.start = lag.start = start
    commanding = loop.create_task(commander.run(start)) if commander else None
    await _line()  # STOP
    if commanding is not None:
        commanding.cancel()
    records = [person.stop() for person in people]
    document: dict[str, Any] = {
        "people": records,
        "presence": dict(commander.client.presence) if commander else {},
        "commands": commander.log if commander else [],
        "publisher_late": {str(m): h.dumps() for m, h in sorted(lateness.minutes.items())},
        "loop_lag_ms": lag.dumps(),
    }
    print(f"RECORDS {json.dumps(document)}", flush=True)
    await _line()  # the orchestrator ends this process; nothing is measured after
    for task in [*receiving, lagging]:
        task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True, help="JSON of bench.sfu.signals.Target")
    parser.add_argument("--media", type=Path, required=True)
    parser.add_argument(
        "--moderate", type=int, default=0, help="also the moderator and the host, for N citizens"
    )
    parser.add_argument("--first", type=int, default=1, help="number of the first citizen here")
    parser.add_argument("--count", type=int, default=0, help="citizens in this process")
    args = parser.parse_args()
    keep_frames_encoded()
    uvloop.run(work(args))


if __name__ == "__main__":
    main()
