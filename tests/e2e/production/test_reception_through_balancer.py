"""A reception over HTTPS through nginx and two nodes, as deployed: the governor, the
moderator and two citizens in Chromium, one of them on long polling only. Their pages come
from both nodes; every socket.io request of the reception reaches the node that hosts it,
and every page decodes the governor's video. coturn is not part of it: on loopback every
browser reaches the nodes' media ports directly."""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import Any

import pytest
import redis.asyncio as aioredis
import socketio
from playwright.async_api import TimeoutError as PlaywrightTimeout

from signaling.directory import RedisDirectory
from signaling.protocol import Role, mint_join_token
from signaling.protocol.receptions import Reception, ReceptionState
from signaling.server import NAMESPACE
from tests.e2e.conference.conftest import Person
from tests.e2e.production.balancer import AccessLine
from tests.e2e.production.conftest import HOSTNAME, Deployment
from tests.helpers import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(90),
]

NO_WEBSOCKET = """
// This visitor's network lets no WebSocket through: every one fails to connect (as a real
// one does, asynchronously), so socket.io has long polling alone.
window.WebSocket = class extends WebSocket {
  constructor(url, protocols) { super("wss://127.0.0.1:9/", protocols); }
};
"""
TRANSPORT = "window.conference.signaling.socket.io.engine.transport.name"


async def test_a_reception_through_the_balancer(
    deployment: Deployment, trusting_browser: Any
) -> None:
    await _check_tls_and_the_redirect(deployment)
    rid = f"prod{os.getpid()}"
    directory = RedisDirectory(deployment.redis_url)
    await directory.put(Reception(rid, "Прием", ReceptionState.STARTED, "gov", "mod"))
    await directory.close()

    contexts: list[Any] = []

    async def join(user_id: str, role: Role, *, polling: bool = False) -> Person:
        context = await trusting_browser.new_context(viewport={"width": 800, "height": 600})
        contexts.append(context)
        if polling:
            await context.add_init_script(NO_WEBSOCKET)
        page = await context.new_page()
        failures: list[str] = []
        page.on("requestfailed", lambda r: failures.append(f"{r.url} {r.failure}"))
        page.on("pageerror", lambda error: failures.append(str(error)))
        token = mint_join_token(deployment.token_key, rid, user_id, user_id, role, 600)
        await page.goto(f"{deployment.public_url}/conference#token={token}")
        person = Person(user_id, page)
        try:
            await person.wait_body("ready", "true", timeout=45)
        except PlaywrightTimeout:
            state = await page.evaluate("JSON.stringify(document.body.dataset)")
            raise AssertionError(f"{user_id} is not in: {state}, failed: {failures}") from None
        return person

    moderator = await join("mod", Role.MODERATOR)
    host, on_websocket = await asyncio.gather(
        join("gov", Role.HOST), join("citizen-ws", Role.CITIZEN)
    )
    # Last, once everyone else publishes: its first offer is not outdated by theirs while
    # each message takes a round of polls.
    on_polling = await join("citizen-poll", Role.CITIZEN, polling=True)
    for person in (moderator, on_websocket, on_polling):
        await person.wait_frames("gov", timeout=30)
    for person in (moderator, host, on_websocket, on_polling):
        assert await person.page.evaluate("isSecureContext"), person.name
        expected = "polling" if person is on_polling else "websocket"
        assert await person.page.evaluate(TRANSPORT) == expected, person.name

    # Without the balancer's routing, a participant on the other node is turned away.
    hosting = await _hosting_node(deployment, rid)
    other = next(node for name, node in deployment.nodes.items() if name != hosting)
    refusal = await _join_directly(other.url, deployment.token_key, rid)
    assert refusal["ok"] is False
    assert refusal["error"]["code"] == "wrong_node", refusal

    # nginx logs a WebSocket when it closes: leave, then read where every request went.
    for context in contexts:
        await context.close()
    signaling = await wait_until(
        lambda: _signaling_once_closed(deployment, rid),
        timeout=10,
        message="the three WebSockets of the reception in the access log",
    )
    assert {line.node for line in signaling} == {deployment.nodes[hosting].address}
    # The others open a WebSocket first and keep it: the polls are the polling citizen's.
    polled = [line for line in signaling if line.transport == "polling"]
    assert len(polled) >= 3, "the polling citizen's requests are not in the log"
    assert all(line.status == 200 for line in polled)
    # The pages and their scripts came from both nodes.
    pages = [line for line in deployment.balancer.lines() if "/socket.io/" not in line.path]
    assert {line.node for line in pages} >= {node.address for node in deployment.nodes.values()}


def _signaling_once_closed(deployment: Deployment, rid: str) -> list[AccessLine]:
    """The reception's socket.io requests, once its three WebSockets are logged."""
    lines = [line for line in deployment.balancer.lines() if line.reception == rid]
    websockets = [line for line in lines if line.status == 101]
    return lines if len(websockets) >= 3 else []


async def _check_tls_and_the_redirect(deployment: Deployment) -> None:
    """The certificate is valid for the public name through the CA alone, a node's own
    metrics are not served at the public address, and plain HTTP is sent to the public URL
    whatever Host the request names."""
    context = ssl.create_default_context(cafile=str(deployment.certificates.ca))
    head, _ = await _get(deployment.balancer.https_port, "/healthz", HOSTNAME, tls=context)
    assert head[0].split(" ")[1] == "200", head
    assert "strict-transport-security: max-age=31536000" in [h.lower() for h in head]
    head, _ = await _get(deployment.balancer.https_port, "/metrics", HOSTNAME, tls=context)
    assert head[0].split(" ")[1] == "404", head
    head, _ = await _get(deployment.balancer.http_port, "/receptions?x=1", "evil.example")
    assert head[0].split(" ")[1] == "301", head
    assert f"location: {deployment.public_url}/receptions?x=1" in [h.lower() for h in head]


async def _hosting_node(deployment: Deployment, rid: str) -> str:
    client = aioredis.from_url(deployment.redis_url, decode_responses=True)
    try:
        name = await client.get(f"reception:{rid}:node")
    finally:
        await client.aclose()
    assert name in deployment.nodes, name
    return str(name)


async def _join_directly(node_url: str, key: str, rid: str) -> dict[str, Any]:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(node_url, namespaces=[NAMESPACE], transports=["websocket"])
    try:
        token = mint_join_token(key, rid, "citizen-direct", "citizen-direct", Role.CITIZEN, 60)
        ack: dict[str, Any] = await client.call(
            "join", {"token": token}, namespace=NAMESPACE, timeout=10
        )
        return ack
    finally:
        await client.disconnect()


async def _get(
    port: int, path: str, host: str, tls: ssl.SSLContext | None = None
) -> tuple[list[str], bytes]:
    """One HTTP/1.1 request to the balancer on loopback, naming `host`."""
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=tls, server_hostname=host if tls else None
    )
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    response = await reader.read()
    writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    return head.decode().split("\r\n"), body
