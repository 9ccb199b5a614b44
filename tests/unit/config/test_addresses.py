"""The client address behind reverse proxies: X-Forwarded-For only from trusted peers."""

from __future__ import annotations

import ipaddress

import pytest

from config.addresses import resolve_client

PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]


@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        # No proxy in front: the peer is the client, whatever it claims.
        ("198.51.100.7", [], "198.51.100.7"),
        ("198.51.100.7", ["203.0.113.9"], "198.51.100.7"),
        ("198.51.100.7", ["10.0.0.1, 203.0.113.9"], "198.51.100.7"),
        # Through one trusted proxy: the address it appended.
        ("10.0.0.2", ["203.0.113.9"], "203.0.113.9"),
        # The client's own header is kept by the proxy on the left: never believed.
        ("10.0.0.2", ["1.2.3.4, 203.0.113.9"], "203.0.113.9"),
        # A chain of trusted proxies is walked from the right, over several headers too.
        ("10.0.0.2", ["203.0.113.9, 10.1.1.1", "10.2.2.2"], "203.0.113.9"),
        # A client pretending to be a proxy is stopped by the first untrusted hop.
        ("10.0.0.2", ["10.9.9.9, 203.0.113.9, 10.1.1.1"], "203.0.113.9"),
        # Every hop trusted: the leftmost (the proxy nearest the client).
        ("10.0.0.2", ["10.3.3.3, 10.1.1.1"], "10.3.3.3"),
        # A trusted proxy without the header: the proxy itself.
        ("10.0.0.2", [], "10.0.0.2"),
        # Garbage in the chain: the last proxy that can be vouched for.
        ("10.0.0.2", ["203.0.113.9, not-an-address"], "10.0.0.2"),
        ("10.0.0.2", ["nonsense, 10.1.1.1"], "10.1.1.1"),
        # IPv6, and IPv4 peers seen on a dual-stack socket.
        ("fd00::1", ["2001:db8::5"], "2001:db8::5"),
        ("::ffff:10.0.0.2", ["203.0.113.9"], "203.0.113.9"),
        ("::ffff:198.51.100.7", ["203.0.113.9"], "198.51.100.7"),
        # A peer that is no IP address (a Unix socket) stays as it is.
        (None, ["203.0.113.9"], "unknown"),
    ],
)
def test_client_address(peer: str | None, headers: list[str], expected: str) -> None:
    assert resolve_client(peer, headers, PROXIES) == expected


def test_nothing_is_trusted_by_default() -> None:
    assert resolve_client("127.0.0.1", ["203.0.113.9"], []) == "127.0.0.1"
