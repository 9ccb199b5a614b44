"""How a benchmark client reaches the server under test: one interface, three servers.

Every server here offers to its subscribers and takes their answer, so a listener is the
same aiortc code whichever server it joins; only the signaling differs:
`reception` (the product's socket.io protocol, docs/protocol.md), `janus` (VideoRoom over
the Janus HTTP API) and `router` (the bare Router's three HTTP routes, bench/sfu/server.py).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Protocol


@dataclass(frozen=True)
class Target:
    kind: str
    """"reception", "janus" or "router"."""
    url: str
    key: str = ""
    """The reception's token key (tokens are minted with the configured secret)."""
    reception: str = ""
    address: str = "127.0.0.1"
    """The one address where clients gather ICE candidates (bench/sfu/isolation.py)."""

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, text: str) -> Target:
        return cls(**json.loads(text))


class Subscription(Protocol):
    """A subscriber's signaling: the server's offers (a first one, then renegotiations)."""

    def offers(self) -> AsyncIterator[str]: ...

    async def answer(self, sdp: str) -> None: ...

    async def close(self) -> None: ...


class Publication(Protocol):
    async def publish(self, offer: str) -> str: ...

    async def close(self) -> None: ...
