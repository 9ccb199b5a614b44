"""What a participant's conference page does when its node goes away, played by a
socket.io + aiortc client (static/js/conference/main.js is the model): the socket
reconnects by itself, every connect joins with the session token, every join rebuilds the
media connections, and a refusal that passes (`wrong_node`, `timeout`) is tried again on
a new connection a second later; `closed {reason: "moved"}` (the reception moved to
another node) reconnects at once."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections.abc import Coroutine
from typing import Any
from urllib.parse import quote

import socketio

from config.settings import RtcSettings
from signaling.server import NAMESPACE
from tests.integration.signaling.conftest import Client
from tests.integration.signaling.peers import MediaPeer

log = logging.getLogger(__name__)

PASSING_REFUSALS = {"wrong_node", "timeout"}
RECONNECT_NOW = {"moved"}
"""Close reasons after which the page connects again at once, keeping its place."""
RETRY_S = 1.0


def reception_of(token: str) -> str:
    """The reception a join token names, read without checking it, as the page does to
    name it on every request for the balancer."""
    body = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["r"])


class Page:
    def __init__(self, url: str, token: str, rtc: RtcSettings, *, luma: int | None) -> None:
        self.url = url
        self.token = token
        self._rtc = rtc
        self._luma = luma
        """The test pattern's brightness this page publishes; None: it only watches."""
        self.client = Client(
            socketio.AsyncClient(
                reconnection=True,
                reconnection_delay=0.5,
                reconnection_delay_max=1.0,
                randomization_factor=0.5,
            )
        )
        self.joins: list[float] = []
        """When each join was accepted (`time.monotonic`)."""
        self.refusals: list[str] = []
        self.peer: MediaPeer | None = None
        self._session_token: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False
        sio = self.client.sio

        async def record(event: str, data: Any = None) -> None:
            self.client.events.append((event, data))
            if event == "closed" and isinstance(data, dict) and data["reason"] in RECONNECT_NOW:
                self._spawn(self._reconnect())

        sio.on("*", record, namespace=NAMESPACE)
        sio.on("connect", lambda: self._spawn(self._join()), namespace=NAMESPACE)
        sio.on("disconnect", lambda *_: self._spawn(self._drop_media()), namespace=NAMESPACE)

    async def open(self) -> dict[str, Any]:
        """Connect and wait for the first join's answer."""
        await self._connect()
        return await self.joined_after(0.0)

    async def joined_after(self, moment: float, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while not (self.joins and self.joins[-1] > moment):
            assert time.monotonic() < deadline, f"no join after {moment} ({self.refusals})"
            await asyncio.sleep(0.02)
        return self.client.joined

    @property
    def snapshot(self) -> dict[str, Any]:
        return dict(self.client.joined["snapshot"])

    def frames_of(self, publisher_id: str, kind: str = "video") -> int:
        return self.peer.frames_of(publisher_id, kind) if self.peer else 0

    async def close(self) -> None:
        self._closing = True
        await self.client.sio.disconnect()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._drop_media()

    async def _connect(self) -> None:
        while not self._closing:
            try:
                await self.client.sio.connect(
                    f"{self.url}?reception={quote(reception_of(self.token))}",
                    namespaces=[NAMESPACE],
                    transports=["websocket"],
                    wait_timeout=5,
                )
                return
            except socketio.exceptions.ConnectionError:
                await asyncio.sleep(RETRY_S)

    async def _join(self) -> None:
        try:
            ack = await self.client.join(self._session_token or self.token)
        except TimeoutError:
            ack = {"ok": False, "error": {"code": "timeout"}}
        if not ack.get("ok"):
            code = ack["error"]["code"]
            self.refusals.append(code)
            if code in PASSING_REFUSALS:
                await asyncio.sleep(RETRY_S)
                await self.client.sio.disconnect()
                await self._connect()
            return
        self._session_token = ack["session_token"]
        self.joins.append(time.monotonic())
        await self._start_media()

    async def _reconnect(self) -> None:
        await self.client.sio.disconnect()
        await self._connect()

    async def _start_media(self) -> None:
        await self._drop_media()
        peer = self.peer = MediaPeer(self.client, self._rtc)
        try:
            if self._luma is not None:
                await peer.publish(self._luma)
            await peer.subscribe()
        except Exception as exc:  # the connection went away meanwhile: the next join redoes it
            log.info("media not started: %r", exc)

    async def _drop_media(self) -> None:
        peer, self.peer = self.peer, None
        if peer is not None:
            await peer.close()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class Balancer:
    """A TCP balancer on loopback in front of several nodes, as a load balancer whose
    health check has dropped a dead node: each new connection goes to the first node
    that accepts it, and a connection ends when its node's side does."""

    def __init__(self, ports: list[int]) -> None:
        self._ports = ports
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        for port in self._ports:
            try:
                node_reader, node_writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        else:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, node_writer), _pipe(node_reader, writer))

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()
