"""Connections per client address: refused at connect with the error shape, per address as
the node sees it (behind a trusted proxy, the address it names)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import socketio

from config import Settings
from signaling.options import SignalingOptions
from signaling.server import NAMESPACE
from tests.integration.signaling.conftest import GRACE_S, Node, start_node

pytestmark = pytest.mark.timeout(30)


NodeFactory = Callable[[list[str]], Awaitable[Node]]


@pytest.fixture
async def limited(make_settings: Callable[..., Settings]) -> AsyncIterator[NodeFactory]:
    """A node that allows two connections per address, behind the given trusted proxies."""
    started: list[Node] = []

    async def start(proxies: list[str]) -> Node:
        settings = make_settings(
            **{
                "signaling.limits.connections_per_address": 2,
                "server.trusted_proxies": proxies,
            }
        )
        options = SignalingOptions(reconnect_grace_s=GRACE_S, node_id="n1")
        started.append(await start_node(settings, options))
        return started[-1]

    yield start
    for node in started:
        await node.runner.cleanup()


class Attempt:
    """A socket.io client that keeps the refusal it got at connect, if any."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.refusal: Any = None

        async def refused(data: Any = None) -> None:
            self.refusal = data

        self.sio.on("connect_error", refused, namespace=NAMESPACE)

    async def connect(self, node: Node, forwarded_for: str | None = None) -> bool:
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        try:
            await self.sio.connect(
                node.url,
                headers=headers,
                namespaces=[NAMESPACE],
                transports=["websocket"],
                wait_timeout=5,
            )
        except socketio.exceptions.ConnectionError:
            return False
        return True


@pytest.fixture
async def attempts() -> AsyncIterator[Callable[[], Attempt]]:
    made: list[Attempt] = []

    def make() -> Attempt:
        made.append(Attempt())
        return made[-1]

    yield make
    for attempt in made:
        if attempt.sio.connected:
            await attempt.sio.disconnect()


async def test_one_address_holds_at_most_its_connections(
    limited: NodeFactory, attempts: Callable[[], Attempt]
) -> None:
    node = await limited([])
    first, second, third = attempts(), attempts(), attempts()
    assert await first.connect(node)
    assert await second.connect(node)
    assert not await third.connect(node)
    assert third.refusal["data"]["ok"] is False
    assert third.refusal["data"]["error"]["code"] == "too_many_connections"
    assert first.sio.connected
    assert second.sio.connected
    ack = await first.sio.call("report", {}, namespace=NAMESPACE, timeout=5)
    assert ack["error"]["code"] == "not_joined"  # and they are served as before

    await first.sio.disconnect()
    again = attempts()
    assert await again.connect(node)  # a closed connection frees its place at once
    assert node.namespace.refusals._counter.labels("too_many_connections")._value.get() == 1


async def test_a_forwarded_address_counts_only_from_a_trusted_proxy(
    limited: NodeFactory, attempts: Callable[[], Attempt]
) -> None:
    # Loopback is no proxy of this node: a header from it names nobody, so made-up
    # addresses buy no more connections.
    untrusted = await limited(["10.0.0.0/8"])
    forged = [attempts() for _ in range(3)]
    assert [await a.connect(untrusted, f"198.51.100.{i}") for i, a in enumerate(forged)] == [
        True,
        True,
        False,
    ]
    # Behind a trusted proxy (loopback here), each client address it names counts alone.
    proxied = await limited(["127.0.0.0/8"])
    office = [await attempts().connect(proxied, "198.51.100.7") for _ in range(3)]
    assert office == [True, True, False]
    assert await attempts().connect(proxied, "203.0.113.9")
