"""Long polling, socket.io's way through networks that let no WebSocket pass, on a whole
node: the portal's middlewares (sessions, CSRF) stand in front of its POSTs too."""

from __future__ import annotations

import pytest
import socketio

from signaling.server import NAMESPACE

pytestmark = pytest.mark.timeout(90)
"""The client's disconnect waits for its pending long poll, which the server holds up to its
ping interval (25 s): the whole test takes about 50 s."""


async def test_a_client_on_long_polling_alone_is_answered(live_server: str) -> None:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        live_server, namespaces=[NAMESPACE], transports=["polling"], wait_timeout=10
    )
    try:
        assert client.transport() == "polling"
        ack = await client.call(
            "join", {"token": "v1.garbage.sig"}, namespace=NAMESPACE, timeout=10
        )
    finally:
        await client.disconnect()
    assert ack["error"]["code"] == "invalid_token", ack
