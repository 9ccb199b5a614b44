"""Janus VideoRoom over the Janus HTTP API, one Janus session per person.

Requests are POSTed; what Janus answers asynchronously (the JSEP of a publish or a
subscription) arrives on the session's long poll and is matched by transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from bench.sfu.janus import ROOM

PLUGIN = "janus.plugin.videoroom"
TIMEOUT_S = 30


class JanusError(RuntimeError):
    pass


class JanusHandle:
    """A session with one VideoRoom handle and the long poll that feeds it."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._http = aiohttp.ClientSession()
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._poll: asyncio.Task[None] | None = None
        self._session = self._handle = 0
        self._offer = ""

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        body = {**body, "transaction": body.get("transaction") or secrets.token_hex(6)}
        async with self._http.post(f"{self._url}{path}", json=body) as response:
            reply: dict[str, Any] = await response.json(content_type=None)
        if reply.get("janus") == "error":
            raise JanusError(str(reply.get("error")))
        return reply

    async def open(self) -> None:
        self._session = (await self._post("", {"janus": "create"}))["data"]["id"]
        self._poll = asyncio.get_running_loop().create_task(self._long_poll())
        reply = await self._post(f"/{self._session}", {"janus": "attach", "plugin": PLUGIN})
        self._handle = reply["data"]["id"]

    async def _long_poll(self) -> None:
        while True:
            url = f"{self._url}/{self._session}?maxev=10"
            async with self._http.get(url) as response:
                events = await response.json(content_type=None)
            for event in events if isinstance(events, list) else [events]:
                waiter = self._waiting.pop(event.get("transaction", ""), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(event)

    async def request(self, body: dict[str, Any]) -> dict[str, Any]:
        """A VideoRoom request answered at once (its "plugindata")."""
        reply = await self._post(
            f"/{self._session}/{self._handle}", {"janus": "message", "body": body}
        )
        return dict(reply["plugindata"]["data"])

    async def exchange(self, body: dict[str, Any], jsep: dict[str, Any] | None) -> dict[str, Any]:
        """A VideoRoom request answered later, on the long poll (an event with its JSEP)."""
        transaction = secrets.token_hex(6)
        waiter = self._waiting[transaction] = asyncio.get_running_loop().create_future()
        message: dict[str, Any] = {"janus": "message", "body": body, "transaction": transaction}
        if jsep is not None:
            message["jsep"] = jsep
        await self._post(f"/{self._session}/{self._handle}", message)
        event = await asyncio.wait_for(waiter, TIMEOUT_S)
        data = event.get("plugindata", {}).get("data", {})
        if "error" in data:
            raise JanusError(str(data["error"]))
        return dict(event)

    async def publish(self, offer: str) -> str:
        await self.exchange({"request": "join", "room": ROOM, "ptype": "publisher"}, None)
        jsep = {"type": "offer", "sdp": offer, "trickle": False}
        event = await self.exchange({"request": "publish", "audio": True, "video": True}, jsep)
        return str(event["jsep"]["sdp"])

    async def offers(self) -> AsyncIterator[str]:
        feeds = (await self.request({"request": "listparticipants", "room": ROOM}))["participants"]
        publishers = [p["id"] for p in feeds if p.get("publisher")]
        if not publishers:
            raise JanusError("nobody publishes in the room")
        body = {
            "request": "join",
            "room": ROOM,
            "ptype": "subscriber",
            "streams": [{"feed": publishers[0]}],
        }
        event = await self.exchange(body, None)
        yield str(event["jsep"]["sdp"])

    async def answer(self, sdp: str) -> None:
        await self.exchange({"request": "start"}, {"type": "answer", "sdp": sdp, "trickle": False})

    async def close(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poll
        with contextlib.suppress(aiohttp.ClientError, JanusError):
            await self._post(f"/{self._session}", {"janus": "destroy"})
        await self._http.close()
