"""A private network namespace for rounds that include Janus.

Janus never gathers ICE candidates on a loopback interface (it skips every IFF_LOOPBACK
interface, whatever `ice_enforce_list` says), and with no address left libnice gathers on
every other interface of the machine. So when Janus is measured, the whole benchmark (the
orchestrator, both servers, the publisher and the listeners) runs inside a namespace of its
own, where the only interfaces are `lo` and a veth pair whose one address (from 198.18.0.0/15,
set aside for benchmarks) carries all media. The namespace has no route out: nothing in it
can reach another machine. Both servers are measured in it, on the same path.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence

ENV_NAMESPACE = "SFU_BENCH_NETNS"
"""Not RECEPTION_*: the node refuses environment settings it does not know."""
ADDRESS = "198.18.255.1"
INTERFACE = "bench0"


def inside() -> bool:
    return bool(os.environ.get(ENV_NAMESPACE))


def media_address() -> str:
    """Where clients and servers gather ICE candidates in this process."""
    return ADDRESS if inside() else "127.0.0.1"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True)


def run_inside(argv: Sequence[str]) -> int:
    """Run `python -m bench.sfu argv` in a fresh namespace, removed afterwards (root only)."""
    name = f"reception-bench-{os.getpid()}"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` runs
    _ip("netns", "add", name)
    try:
        _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", name, "link", "add", INTERFACE, "type", "veth", "peer", "name", "bench1")
        _ip("-n", name, "addr", "add", f"{ADDRESS}/32", "dev", INTERFACE)
        _ip("-n", name, "link", "set", INTERFACE, "up")
        _ip("-n", name, "link", "set", "bench1", "up")
        command = ["ip", "netns", "exec", name, sys.executable, "-m", "bench.sfu", *argv]
        return subprocess.run(command, env={**os.environ, ENV_NAMESPACE: name}).returncode
    finally:
        _ip("netns", "del", name)
