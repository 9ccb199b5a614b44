"""Who is connected from where: open socket.io connections per client address, so one
address cannot take a node's connections (per node; an office behind one NAT is one
address, which the default limit allows for many times over)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from config.addresses import Network, resolve_client


def client_address(environ: Mapping[str, Any], proxies: Sequence[Network]) -> str:
    """The address a connection comes from, from the HTTP request that opened it."""
    request: web.Request = environ["aiohttp.request"]
    return resolve_client(request.remote, request.headers.getall("X-Forwarded-For", []), proxies)


class AddressConnections:
    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._address: dict[str, str] = {}
        """Connection id -> its client address."""
        self._open: Counter[str] = Counter()

    def open(self, sid: str, address: str) -> bool:
        """Count the connection in, unless its address holds the most it may."""
        if self._open[address] >= self._limit:
            return False
        self._address[sid] = address
        self._open[address] += 1
        return True

    def close(self, sid: str) -> None:
        address = self._address.pop(sid, None)
        if address is None:
            return
        self._open[address] -= 1
        if self._open[address] <= 0:
            del self._open[address]

    def address_of(self, sid: str) -> str | None:
        return self._address.get(sid)
