"""Test hosts in network namespaces: several machines on one, to test what crosses a network.

Tests and benchmarks build their own hosts with `ip netns`, veth pairs, nftables and tc.
Addresses come from 198.18.0.0/15, the block RFC 2544 sets aside for benchmarking, and
exist only on these veths: nothing outside the lab is reachable from inside it. Needs root
and iproute2, nftables and ethtool; `unavailable_reason()` says why not where they are missing.

Impairments, as the kernel without netem allows them: random loss with an nftables
`numgen random` rule, a rate cap with a tc token bucket, and delay with jitter through
`bench.netdelay`, a userspace bridge in a namespace of its own that reports what it did.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUBNETS = ipaddress.ip_network("198.18.0.0/15")
LINKS_PER_PROCESS = 16
"""Each process takes its own run of /30 subnets (by its pid), so labs of processes running
side by side never share an address in the root namespace."""


def unavailable_reason() -> str | None:
    """Why namespaces cannot be built here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "nft", "tc", "ethtool"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


@dataclass(frozen=True)
class Interface:
    """One end of a link."""

    host: Host
    name: str
    address: str


class Host:
    """A network namespace (or, for `Lab.root`, the namespace the tests run in)."""

    def __init__(self, name: str, netns: str | None) -> None:
        self.name = name
        self.netns = netns

    def command(self, *args: str) -> list[str]:
        """`args` as run inside this host."""
        return ["ip", "netns", "exec", self.netns, *args] if self.netns else list(args)

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        result = subprocess.run(
            self.command(*args), input=stdin, capture_output=True, text=True, timeout=30
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} in {self.name}: {result.stderr.strip()}")
        return result.stdout

    def popen(self, *args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
        process: subprocess.Popen[bytes] = subprocess.Popen(self.command(*args), **kwargs)
        return process

    def route(self, via: str, to: str = "default") -> None:
        self.run("ip", "route", "replace", to, "via", via)

    def forward(self) -> None:
        """Route between this host's links (a router)."""
        self.run("sysctl", "-qw", "net.ipv4.ip_forward=1")

    def nft(self, ruleset: str) -> None:
        self.run("nft", "-f", "-", stdin=ruleset)

    def masquerade(self, outside: Interface) -> None:
        """Source-NAT what leaves by `outside`, as a home router does."""
        self.nft(
            "table ip lab_nat {\n"
            "  chain post { type nat hook postrouting priority srcnat; policy accept;\n"
            f'    oifname "{outside.name}" masquerade\n'
            "  }\n"
            "}\n"
        )

    def drop(self, interface: Interface, percent: float) -> None:
        """Drop `percent` % of the packets arriving on `interface`, at random: loss on the
        wire into this host. Only on the way in: a packet dropped on its way out fails the
        sender's own send (EPERM), which a browser takes for a local error and sends again,
        not for loss (`Lab.lose` drops both ways of a link, each at its receiving end)."""
        self.clear_drop(interface)
        threshold = round(percent * 100)
        self.nft(
            f"table inet loss_{interface.name} {{\n"
            "  chain inbound { type filter hook prerouting priority -300; policy accept;\n"
            f'    iifname "{interface.name}" numgen random mod 10000 < {threshold} drop\n'
            "  }\n"
            "}\n"
        )

    def clear_drop(self, interface: Interface) -> None:
        self.run("nft", "delete", "table", "inet", f"loss_{interface.name}", check=False)

    def block(self, rule: str) -> None:
        """Drop what leaves this host and matches the nftables `rule` (e.g. `meta l4proto
        udp ip daddr 198.18.0.1`): a firewall on the way out."""
        self.nft(
            "table inet lab_firewall {\n"
            "  chain out { type filter hook output priority 0; policy accept; }\n"
            "  chain forward { type filter hook forward priority 0; policy accept; }\n"
            "}\n"
            f"add rule inet lab_firewall out {rule} drop\n"
            f"add rule inet lab_firewall forward {rule} drop\n"
        )

    def limit_rate(self, interface: Interface, kbit: int, queue_ms: int = 200) -> None:
        """Cap what `interface` sends at `kbit` kbit/s, queueing up to `queue_ms` beyond it,
        as a thin access link does (tc tbf)."""
        burst = max(1600, kbit * 1000 // 8 // 50)  # 20 ms of the rate, at least two packets
        self.run(
            "tc", "qdisc", "replace", "dev", interface.name, "root", "tbf",
            "rate", f"{kbit}kbit", "burst", str(burst), "latency", f"{queue_ms}ms",
        )  # fmt: skip

    def clear_rate(self, interface: Interface) -> None:
        self.run("tc", "qdisc", "del", "dev", interface.name, "root", check=False)

    def wrapper(self, executable: str, folder: Path) -> str:
        """A script that runs `executable` inside this host, for launchers that take only
        a program path (Playwright's `executable_path`)."""
        script = folder / f"{self.name}-{Path(executable).name}"
        script.write_text(f'#!/bin/sh\nexec {" ".join(self.command(executable))} "$@"\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        return str(script)


class Lab:
    """Hosts and links made for one test; `close()` (or leaving the `with`) removes them."""

    def __init__(self) -> None:
        self._prefix = f"rl{os.getpid() % 100_000}"
        runs = SUBNETS.num_addresses // 4 // LINKS_PER_PROCESS
        first = (os.getpid() % runs) * LINKS_PER_PROCESS
        self._subnets = iter(range(first, first + LINKS_PER_PROCESS))
        self._hosts: list[Host] = []
        self._root_links: list[str] = []
        self._folder = Path(tempfile.mkdtemp(prefix="netlab-"))
        self._veths = itertools.count()
        self._bridges: list[DelayBridge] = []
        self._lossy: set[Interface] = set()
        self.root = Host("root", None)

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def folder(self) -> Path:
        """A scratch folder removed with the lab."""
        return self._folder

    def host(self, name: str) -> Host:
        netns = f"{self._prefix}-{name}"
        subprocess.run(["ip", "netns", "del", netns], capture_output=True, timeout=10)
        subprocess.run(["ip", "netns", "add", netns], check=True, timeout=10)
        host = Host(name, netns)
        self._hosts.append(host)
        host.run("ip", "link", "set", "lo", "up")
        return host

    def lose(self, link: tuple[Interface, Interface], percent: float) -> None:
        """Lose `percent` % of the packets each way of `link`, at random."""
        for end in link:
            end.host.drop(end, percent)
            self._lossy.add(end)

    def clear_loss(self, link: tuple[Interface, Interface]) -> None:
        for end in link:
            end.host.clear_drop(end)
            self._lossy.discard(end)

    def link(self, a: Host, b: Host) -> tuple[Interface, Interface]:
        """A veth pair between `a` and `b`, addressed .1 and .2 of a /30 of its own."""
        base = self._subnet()
        first, second = self._veth(a, b)
        return self._address(first, base + 1), self._address(second, base + 2)

    def delayed_link(
        self, a: Host, b: Host, via: Host, delay_ms: float, jitter_ms: float = 0.0
    ) -> tuple[Interface, Interface, DelayBridge]:
        """`a` and `b` on one /30, as if cabled together, through a bridge in `via` that
        holds every frame, both ways, `delay_ms` ± `jitter_ms`."""
        base = self._subnet()
        a_end, via_a = self._veth(a, via)
        via_b, b_end = self._veth(via, b)
        for end in (a_end, via_a, via_b, b_end):
            # Frames must cross the bridge whole and checksummed: a veth otherwise leaves
            # checksums to the receiving kernel and passes 64 KB segments.
            end.host.run("ethtool", "-K", end.name, "tx", "off", "sg", "off", "tso", "off",
                         "gso", "off", "gro", "off")  # fmt: skip
        bridge = DelayBridge(via, via_a, via_b, delay_ms, jitter_ms)
        self._bridges.append(bridge)
        return self._address(a_end, base + 1), self._address(b_end, base + 2), bridge

    def _subnet(self) -> ipaddress.IPv4Address:
        number = next(self._subnets, None)
        if number is None:
            raise RuntimeError(f"a lab has at most {LINKS_PER_PROCESS} links")
        return SUBNETS.network_address + number * 4  # type: ignore[return-value]

    def _veth(self, a: Host, b: Host) -> tuple[Interface, Interface]:
        number = next(self._veths)
        names = (f"{self._prefix}a{number}", f"{self._prefix}b{number}")
        subprocess.run(
            ["ip", "link", "add", names[0], "type", "veth", "peer", "name", names[1]],
            check=True,
            timeout=10,
        )
        ends = []
        for host, name in zip((a, b), names, strict=True):
            if host.netns:
                subprocess.run(
                    ["ip", "link", "set", name, "netns", host.netns], check=True, timeout=10
                )
            else:
                self._root_links.append(name)
            host.run("ip", "link", "set", name, "up")
            ends.append(Interface(host, name, ""))
        return ends[0], ends[1]

    @staticmethod
    def _address(end: Interface, address: ipaddress.IPv4Address) -> Interface:
        end.host.run("ip", "addr", "add", f"{address}/30", "dev", end.name)
        return Interface(end.host, end.name, str(address))

    def close(self) -> None:
        for end in self._lossy:  # a host's own are gone with it, the root's are not
            end.host.clear_drop(end)
        for bridge in self._bridges:
            bridge.stop()
        for host in self._hosts:
            subprocess.run(["ip", "netns", "del", str(host.netns)], capture_output=True)
        for name in self._root_links:
            subprocess.run(["ip", "link", "del", name], capture_output=True)
        shutil.rmtree(self._folder, ignore_errors=True)


class DelayBridge:
    """`bench.netdelay` running in a host between two of its interfaces."""

    def __init__(
        self, host: Host, first: Interface, second: Interface, delay_ms: float, jitter_ms: float
    ) -> None:
        self._process = host.popen(
            sys.executable, "-m", "bench.netdelay", first.name, second.name,
            "--delay-ms", str(delay_ms), "--jitter-ms", str(jitter_ms),
            stdout=subprocess.PIPE, cwd=str(Path(__file__).resolve().parent.parent),
        )  # fmt: skip
        assert self._process.stdout is not None
        if self._process.stdout.readline().strip() != b"ready":
            self._process.kill()
            raise RuntimeError("the delay bridge did not start")

    def stop(self) -> dict[str, float]:
        """Stop it and return what it measured of the delay it applied."""
        if self._process.poll() is None:
            self._process.terminate()
        out, _ = self._process.communicate(timeout=10)
        lines = out.decode().strip().splitlines()
        return dict(json.loads(lines[-1])) if lines else {}
