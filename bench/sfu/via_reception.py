"""The product's signaling as a browser speaks it: one socket.io connection per person to
the /reception namespace, a join token minted with the node's configured secret."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import socketio

from bench.sfu.signals import Target
from signaling.protocol.roles import Role
from signaling.protocol.tokens import mint_join_token

NAMESPACE = "/reception"
TOKEN_TTL_S = 3600
CALL_TIMEOUT_S = 30
HOST_ID = "host"
MODERATOR_ID = "moderator"
"""The people the development page's demo reception names as its host and moderator."""


class ReceptionClient:
    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self._offers: asyncio.Queue[str] = asyncio.Queue()
        self.sio.on("subscriber_offer", self._on_offer, namespace=NAMESPACE)

    @classmethod
    async def join(cls, target: Target, user_id: str, role: Role) -> ReceptionClient:
        client = cls()
        await client.sio.connect(
            target.url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=30
        )
        token = mint_join_token(target.key, target.reception, user_id, user_id, role, TOKEN_TTL_S)
        await client.call("join", {"token": token})
        return client

    async def call(self, event: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        ack = await self.sio.call(event, data, namespace=NAMESPACE, timeout=CALL_TIMEOUT_S)
        if not ack.get("ok"):
            raise RuntimeError(f"{event} refused: {ack.get('error')}")
        return dict(ack)

    async def _on_offer(self, offer: dict[str, Any]) -> None:
        await self._offers.put(offer["sdp"])

    async def publish(self, offer: str) -> str:
        return str((await self.call("publish", {"sdp": offer}))["sdp"])

    async def offers(self) -> AsyncIterator[str]:
        first = (await self.call("subscribe"))["sdp"]
        if first is not None:  # else it comes as subscriber_offer once someone publishes
            yield first
        while True:
            yield await self._offers.get()

    async def answer(self, sdp: str) -> None:
        await self.call("subscribe_answer", {"sdp": sdp})

    async def close(self) -> None:
        """Leave as the page does, so the node does not keep a place for a return."""
        with contextlib.suppress(RuntimeError, socketio.exceptions.SocketIOError):
            await self.call("leave")
        await self.sio.disconnect()
