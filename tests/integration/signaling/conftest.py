"""A signaling node on loopback and socket.io clients that record what they receive."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import socketio
from aiohttp import web

from config import Settings
from signaling.directory import ReceptionDirectory
from signaling.media import RouterFactory
from signaling.namespace import ReceptionNamespace
from signaling.options import SignalingOptions
from signaling.protocol import Role
from signaling.protocol.receptions import Reception, ReceptionState
from signaling.server import NAMESPACE
from signaling.setup import setup_signaling
from signaling.tokens import mint_join_token
from tests.helpers import wait_until

STATIC = Path(__file__).resolve().parents[3] / "static"
GRACE_S = 0.6


@dataclass
class Node:
    url: str
    namespace: ReceptionNamespace
    runner: web.AppRunner
    settings: Settings

    @property
    def directory(self) -> ReceptionDirectory:
        return self.namespace.registry.directory

    def token(
        self,
        user_id: str,
        role: Role = Role.CITIZEN,
        reception_id: str = "r1",
        ttl_s: float = 60,
        now: float | None = None,
    ) -> str:
        key = self.settings.secrets.token_key
        assert key is not None
        return mint_join_token(
            key.get_secret_value(), reception_id, user_id, f"Name {user_id}", role, ttl_s, now=now
        )

    async def open(
        self,
        reception_id: str = "r1",
        state: ReceptionState = ReceptionState.STARTED,
        max_citizens: int = 15,
    ) -> None:
        await self.directory.put(
            Reception(reception_id, "Прием", state, "host", "mod", max_citizens=max_citizens)
        )


async def start_node(
    settings: Settings,
    options: SignalingOptions,
    router_factory: RouterFactory | None = None,
) -> Node:
    app = web.Application()
    namespace = setup_signaling(
        app, settings, STATIC, options=options, router_factory=router_factory
    )
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return Node(f"http://127.0.0.1:{runner.addresses[0][1]}", namespace, runner, settings)


@dataclass
class Client:
    """A socket.io client of the /reception namespace that keeps every event it receives."""

    sio: socketio.AsyncClient
    events: list[tuple[str, Any]] = field(default_factory=list)
    joined: dict[str, Any] = field(default_factory=dict)

    async def call(self, event: str, *data: Any) -> Any:
        return await self.sio.call(event, data[0] if data else None, namespace=NAMESPACE, timeout=5)

    async def raw(self, event: str, *args: Any) -> Any:
        """Send exactly these arguments (several or none), for malformed-input tests."""
        return await self.sio.call(
            event,
            args if len(args) > 1 else (args[0] if args else None),
            namespace=NAMESPACE,
            timeout=5,
        )

    async def join(self, token: str, **extra: Any) -> dict[str, Any]:
        ack = await self.call("join", {"token": token, **extra})
        if ack.get("ok"):
            self.joined = ack
        return dict(ack)

    def received(self, name: str) -> list[Any]:
        return [data for event, data in self.events if event == name]

    def participant(self, participant_id: str) -> dict[str, Any] | None:
        """The latest record of a participant as this client knows it."""
        latest = None
        for record in self.joined.get("snapshot", {}).get("participants", []):
            if record["id"] == participant_id:
                latest = record
        for record in self.received("participant"):
            if record["id"] == participant_id:
                latest = record
        return latest

    async def wait_for(self, name: str, predicate: Callable[[Any], bool] = lambda _: True) -> Any:
        found = await wait_until(
            lambda: [d for d in self.received(name) if predicate(d)],
            timeout=5,
            message=f"event {name}",
        )
        return found[-1]


ClientFactory = Callable[..., Awaitable[Client]]


@pytest.fixture
async def make_client() -> AsyncIterator[ClientFactory]:
    clients: list[Client] = []

    async def connect(node: Node, reception: str | None = None) -> Client:
        """`reception`: named in the connection's query, as the page does for the balancer."""
        sio = socketio.AsyncClient(reconnection=False)
        client = Client(sio)

        async def record(event: str, data: Any = None) -> None:
            client.events.append((event, data))

        sio.on("*", record, namespace=NAMESPACE)
        url = node.url if reception is None else f"{node.url}?reception={reception}"
        await sio.connect(url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=5)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        if client.sio.connected:
            await client.sio.disconnect()


@pytest.fixture
async def node(settings: Settings) -> AsyncIterator[Node]:
    started = await start_node(settings, SignalingOptions(reconnect_grace_s=GRACE_S, node_id="n1"))
    yield started
    await started.runner.cleanup()


def expired_token(node: Node, user_id: str) -> str:
    return node.token(user_id, now=time.time() - 120, ttl_s=60)
