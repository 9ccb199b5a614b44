"""`--loss PCT`: random loss on the way from the server to the listeners.

An nftables table of the benchmark's own drops `PCT` % of the UDP packets the server sends
from its media ports (`servers.MEDIA_PORTS`, the product's `rtc.udp_port_min`/`max` and
Janus's `rtp_port_range` alike) to the listeners' ports (`LISTENER_PORTS`, where every
listener process binds its host candidate), at random (`numgen random`, as bench/netlab.py
does). Nothing else is touched: not the host's uplink nor the server's RTCP back to it (the
host and the moderator keep ephemeral ports), not TCP signaling.

The rule sits on prerouting, the receiving side of loopback: a packet dropped on its way
out (output, postrouting) fails the server's own sendto() with EPERM, which is a local
error and not loss. Two counters say how many packets matched and how many were dropped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

FAMILY = "inet"
TABLE = "reception_bench_loss"
LISTENER_PORTS = (20000, 20999)
"""Below Linux's ephemeral ports (32768-60999), so no other socket of the round has one."""
_COUNTER = re.compile(r"counter packets (\d+) bytes \d+")


def port_range(text: str) -> tuple[int, int]:
    """A range written LOW-HIGH, as the processes of a round pass it to one another."""
    low, _, high = text.partition("-")
    try:
        ports = int(low), int(high or low)
    except ValueError:
        ports = (0, 0)
    if not 0 < ports[0] <= ports[1] < 65536:
        raise ValueError(f"not a port range: {text!r}")
    return ports


def unavailable_reason() -> str | None:
    """Why `--loss` cannot run here, or None."""
    if os.geteuid() != 0:
        return "--loss needs root (an nftables table drops the packets)"
    if shutil.which("nft") is None:
        return "--loss needs nftables: the nft command is not installed"
    return None


def ruleset(percent: float, server_ports: tuple[int, int], listener_ports: tuple[int, int]) -> str:
    """The table, replacing any left by an earlier run (declared, deleted, made again in one
    transaction): every matching packet counted, then `percent` % of them dropped."""
    if not 0 < percent < 100:
        raise ValueError(f"a loss of {percent} % is not between 0 and 100")
    threshold = round(percent * 100)
    match = (
        f"udp sport {server_ports[0]}-{server_ports[1]} "
        f"udp dport {listener_ports[0]}-{listener_ports[1]}"
    )
    return (
        f"table {FAMILY} {TABLE}\n"
        f"delete table {FAMILY} {TABLE}\n"
        f"table {FAMILY} {TABLE} {{\n"
        "  chain to_listeners {\n"
        "    type filter hook prerouting priority -300; policy accept;\n"
        f"    {match} counter\n"
        f"    {match} numgen random mod 10000 < {threshold} counter drop\n"
        "  }\n"
        "}\n"
    )


@dataclass(frozen=True)
class Dropped:
    """What the table saw over its life."""

    packets: int
    """UDP packets from the server's media ports to the listeners."""
    dropped: int

    @property
    def pct(self) -> float:
        return round(100 * self.dropped / self.packets, 3) if self.packets else 0.0


def parse_counters(listing: str) -> Dropped:
    """The two counters of `nft list table` (matched, then dropped)."""
    counts = [int(n) for n in _COUNTER.findall(listing)]
    if len(counts) != 2:
        raise ValueError(f"expected two counters in the loss table, found {len(counts)}")
    return Dropped(counts[0], counts[1])


def _nft(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        ["nft", *args], input=stdin, capture_output=True, text=True, timeout=30, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"nft {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


class Loss:
    """The table while a round runs; `dropped` holds its counters once it is gone."""

    def __init__(self) -> None:
        self.dropped: Dropped | None = None


@contextmanager
def dropping(
    percent: float, server_ports: tuple[int, int], listener_ports: tuple[int, int] = LISTENER_PORTS
) -> Iterator[Loss]:
    """The table for the time of the `with` (nothing when `percent` is 0); removed
    whatever ends it, Ctrl-C included."""
    loss = Loss()
    if not percent:
        yield loss
        return
    _nft("-f", "-", stdin=ruleset(percent, server_ports, listener_ports))
    try:
        yield loss
    finally:
        # the figures may go without the count; the table must go all the same
        with suppress(RuntimeError, ValueError):
            loss.dropped = parse_counters(_nft("list", "table", FAMILY, TABLE))
        _nft("delete", "table", FAMILY, TABLE)
