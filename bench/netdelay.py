"""A userspace bridge that delays frames: delay and jitter where the kernel has no netem.

Runs inside a network namespace holding two interfaces and passes every Ethernet frame
that arrives on one out of the other, each held `--delay-ms` ± `--jitter-ms` (uniform),
never overtaking the frame before it in the same direction, as a queue on a long path
does. It prints `ready` once both sockets are open and, when stopped (SIGTERM), one JSON
line with what it measured on its own clock: frames passed each way and the delay it
really applied (mean, standard deviation, minimum, maximum, in ms), so a test knows the
impairment it ran under.

    python -m bench.netdelay IFACE_A IFACE_B --delay-ms 100 --jitter-ms 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import socket
import statistics
import sys

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
MAX_FRAME = 65_536


class Direction:
    """Frames from one interface to the other, in order, each after its own delay."""

    def __init__(self, source: socket.socket, target: socket.socket, args: argparse.Namespace):
        self._source = source
        self._target = target
        self._delay = args.delay_ms / 1000
        self._jitter = args.jitter_ms / 1000
        self._last_departure = 0.0
        self.applied: list[float] = []
        self.dropped = 0

    def on_readable(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            try:
                frame, address = self._source.recvfrom(MAX_FRAME)
            except BlockingIOError:
                return
            if address[2] == PACKET_OUTGOING:
                continue  # our own sends on this interface, seen again
            arrival = loop.time()
            wanted = arrival + self._delay + random.uniform(-self._jitter, self._jitter)
            departure = max(wanted, self._last_departure)
            self._last_departure = departure
            loop.call_at(departure, self._send, frame, arrival, loop)

    def _send(self, frame: bytes, arrival: float, loop: asyncio.AbstractEventLoop) -> None:
        try:
            self._target.send(frame)
        except OSError:
            self.dropped += 1  # a frame the other side cannot take (the kernel says why)
            return
        self.applied.append(loop.time() - arrival)

    def summary(self) -> dict[str, float]:
        ms = [value * 1000 for value in self.applied] or [0.0]
        return {
            "frames": len(self.applied),
            "dropped": self.dropped,
            "mean_ms": round(statistics.fmean(ms), 2),
            "stdev_ms": round(statistics.pstdev(ms), 2),
            "min_ms": round(min(ms), 2),
            "max_ms": round(max(ms), 2),
        }


def _open(interface: str) -> socket.socket:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((interface, 0))
    sock.setblocking(False)
    return sock


async def _bridge(args: argparse.Namespace) -> dict[str, object]:
    loop = asyncio.get_running_loop()
    first, second = _open(args.first), _open(args.second)
    directions = {
        f"{args.first}->{args.second}": Direction(first, second, args),
        f"{args.second}->{args.first}": Direction(second, first, args),
    }
    forward, backward = directions.values()
    loop.add_reader(first.fileno(), forward.on_readable, loop)
    loop.add_reader(second.fileno(), backward.on_readable, loop)
    stopped = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    print("ready", flush=True)
    await stopped.wait()
    return {
        "delay_ms": args.delay_ms,
        "jitter_ms": args.jitter_ms,
        **{name: direction.summary() for name, direction in directions.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--delay-ms", type=float, default=100.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    if args.jitter_ms > args.delay_ms:
        parser.error("the jitter cannot exceed the delay")
    print(json.dumps(asyncio.run(_bridge(args))), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
