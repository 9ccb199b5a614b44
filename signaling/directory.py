"""The signaling side's view of receptions: their state, who hosts and moderates them,
who is banned, and which node holds each one's media.

The portal feeds it (`put`) whenever it changes a reception, and every node's registry
hears of the change (`watch`) to end or update a conference it hosts. In-memory by
default; Redis-backed when `redis.url` is set, so every node sees the same receptions and
at most one node hosts each of them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Protocol

import redis.asyncio as aioredis

from signaling.protocol.receptions import Reception, ReceptionState, StateError

log = logging.getLogger(__name__)

Watcher = Callable[[str], Awaitable[None]]
"""Told the id of a reception the portal has just changed."""
HandoverHandler = Callable[[str, str, str], Awaitable[None]]
"""Told (reception id, holder, asker) when a node asks the holder of a reception's claim to
hand it over; every node hears, the holder named acts."""
HANDOVER_WANTED_S = 10.0
"""How long a node's request for a reception stands (the holder acts on it at once)."""

_PROGRESS = {
    ReceptionState.PLANNED: 0,
    ReceptionState.STARTED: 1,
    ReceptionState.LIVE: 2,
    ReceptionState.ENDED: 3,
    ReceptionState.CANCELLED: 3,
}


def merged(current: Reception | None, fed: Reception) -> Reception:
    """What the portal's record becomes here: its fields, but never an earlier state than
    the conference already reached (the portal hears of `live` a moment after this side
    moved, and an edit saved in that moment must not take the reception back), and never
    fewer bans."""
    if current is None:
        return fed
    banned = tuple(sorted(set(current.banned) | set(fed.banned)))
    state = current.state if _PROGRESS[current.state] > _PROGRESS[fed.state] else fed.state
    return replace(fed, state=state, banned=banned)


class ReceptionDirectory(Protocol):
    async def put(self, reception: Reception) -> None:
        """The portal's record of a reception (see `merged`); every node's watchers hear."""
        ...

    def watch(self, watcher: Watcher) -> None: ...
    async def start(self) -> None:
        """Begin hearing changes, once the node's event loop runs (an app is built before
        its loop exists: `reception run` builds it, then `web.run_app` starts the loop)."""
        ...

    async def get(self, reception_id: str) -> Reception | None: ...
    async def move(self, reception_id: str, state: ReceptionState) -> Reception: ...
    async def ban(self, reception_id: str, user_id: str) -> None: ...
    async def is_banned(self, reception_id: str, user_id: str) -> bool: ...
    async def claim(self, reception_id: str, node_id: str) -> str:
        """Make `node_id` the host of the reception unless another node already is;
        return the hosting node either way."""
        ...

    async def renew(self, reception_id: str, node_id: str) -> bool:
        """Keep this node's claim alive; False when it was lost."""
        ...

    async def release(self, reception_id: str, node_id: str) -> None: ...
    async def ask_handover(self, reception_id: str, holder: str, asker: str) -> None:
        """Ask the node holding the reception's claim to let it go, because the balancer
        sends the reception's participants to `asker` (docs/protocol.md, "Several nodes")."""
        ...

    def on_handover(self, handler: HandoverHandler) -> None:
        """Hear the requests of `ask_handover` (from `start` on, as `watch`)."""
        ...

    async def close(self) -> None: ...


class InMemoryDirectory:
    """The embedded default: one node, so a dictionary is the whole truth."""

    def __init__(self) -> None:
        self._receptions: dict[str, Reception] = {}
        self._banned: dict[str, set[str]] = {}
        self._nodes: dict[str, str] = {}
        self._watchers: list[Watcher] = []

    async def put(self, reception: Reception) -> None:
        rid = reception.reception_id
        self._receptions[rid] = merged(self._receptions.get(rid), reception)
        await _tell(self._watchers, rid)

    def watch(self, watcher: Watcher) -> None:
        self._watchers.append(watcher)

    async def start(self) -> None:
        return None  # `put` tells the watchers itself

    async def get(self, reception_id: str) -> Reception | None:
        return self._receptions.get(reception_id)

    async def move(self, reception_id: str, state: ReceptionState) -> Reception:
        current = self._receptions.get(reception_id)
        if current is None:
            raise StateError(f"reception {reception_id} is unknown")
        moved = current.moved_to(state)
        self._receptions[reception_id] = moved
        return moved

    async def ban(self, reception_id: str, user_id: str) -> None:
        self._banned.setdefault(reception_id, set()).add(user_id)

    async def is_banned(self, reception_id: str, user_id: str) -> bool:
        return user_id in self._banned.get(reception_id, set())

    async def claim(self, reception_id: str, node_id: str) -> str:
        return self._nodes.setdefault(reception_id, node_id)

    async def renew(self, reception_id: str, node_id: str) -> bool:
        return self._nodes.get(reception_id) == node_id

    async def release(self, reception_id: str, node_id: str) -> None:
        if self._nodes.get(reception_id) == node_id:
            del self._nodes[reception_id]

    async def ask_handover(self, reception_id: str, holder: str, asker: str) -> None:
        return None  # one node: nobody else ever holds a claim

    def on_handover(self, handler: HandoverHandler) -> None:
        return None

    async def close(self) -> None:
        return None


_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class RedisDirectory:
    """Shared by every node: receptions, bans and the reception -> node map live in Redis."""

    def __init__(self, url: str, prefix: str = "reception", claim_ttl_s: float = 30.0) -> None:
        self._redis = aioredis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self._claim_ttl_ms = int(claim_ttl_s * 1000)
        """A crashed node's claims expire; a live node renews them (ConferenceRegistry)."""
        self._changes = f"{prefix}:changed"
        self._handovers = f"{prefix}:handover"
        self._watchers: list[Watcher] = []
        self._handover_handlers: list[HandoverHandler] = []
        self._listening: asyncio.Task[None] | None = None

    def _key(self, reception_id: str, what: str) -> str:
        return f"{self._prefix}:{reception_id}:{what}"

    async def put(self, reception: Reception) -> None:
        key = self._key(reception.reception_id, "info")
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    current = Reception.from_json(raw) if raw else None
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(key, merged(current, reception).to_json())
                    pipe.publish(self._changes, reception.reception_id)
                    await pipe.execute()
                    return
                except aioredis.WatchError:
                    continue

    def watch(self, watcher: Watcher) -> None:
        self._watchers.append(watcher)
        self._listen_when_running()

    def on_handover(self, handler: HandoverHandler) -> None:
        self._handover_handlers.append(handler)
        self._listen_when_running()

    def _listen_when_running(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # `start` begins listening once the loop runs
        self._start_listening()

    async def start(self) -> None:
        if self._watchers or self._handover_handlers:
            self._start_listening()

    def _start_listening(self) -> None:
        if self._listening is None:
            self._listening = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        """Every node hears every change and every handover request; a lost connection is
        re-established."""
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._changes, self._handovers)
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        if message.get("channel") == self._handovers:
                            await self._handover_asked(str(message["data"]))
                        else:
                            await _tell(self._watchers, str(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reception change feed lost; listening again")
                await asyncio.sleep(1.0)

    async def get(self, reception_id: str) -> Reception | None:
        raw = await self._redis.get(self._key(reception_id, "info"))
        return Reception.from_json(raw) if raw else None

    async def move(self, reception_id: str, state: ReceptionState) -> Reception:
        key = self._key(reception_id, "info")
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    if raw is None:
                        raise StateError(f"reception {reception_id} is unknown")
                    moved = Reception.from_json(raw).moved_to(state)
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(key, moved.to_json())
                    await pipe.execute()
                    return moved
                except aioredis.WatchError:
                    continue

    async def ban(self, reception_id: str, user_id: str) -> None:
        await self._redis.sadd(self._key(reception_id, "banned"), user_id)

    async def is_banned(self, reception_id: str, user_id: str) -> bool:
        return bool(await self._redis.sismember(self._key(reception_id, "banned"), user_id))

    async def claim(self, reception_id: str, node_id: str) -> str:
        key = self._key(reception_id, "node")
        if await self._redis.set(key, node_id, nx=True, px=self._claim_ttl_ms):
            return node_id
        owner = await self._redis.get(key)
        return str(owner) if owner else await self.claim(reception_id, node_id)

    async def renew(self, reception_id: str, node_id: str) -> bool:
        key = self._key(reception_id, "node")
        return bool(await self._redis.eval(_RENEW, 1, key, node_id, self._claim_ttl_ms))

    async def release(self, reception_id: str, node_id: str) -> None:
        await self._redis.eval(_RELEASE, 1, self._key(reception_id, "node"), node_id)

    async def ask_handover(self, reception_id: str, holder: str, asker: str) -> None:
        """The request is a key in this deployment's database (`<id>:handover`, naming the
        asker) and a message saying where to look: Redis pub/sub crosses databases, so a
        message alone from another deployment on the same server could move a reception."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(reception_id, "handover"), asker, px=int(HANDOVER_WANTED_S * 1000))
            pipe.publish(self._handovers, json.dumps({"reception": reception_id, "holder": holder}))
            await pipe.execute()

    async def _handover_asked(self, raw: str) -> None:
        if not self._handover_handlers:
            return
        try:
            message = json.loads(raw)
            reception_id, holder = str(message["reception"]), str(message["holder"])
        except (ValueError, KeyError, TypeError):
            log.warning("an unreadable handover request", extra={"message": raw[:200]})
            return
        asker = await self._redis.get(self._key(reception_id, "handover"))
        if asker is None:
            return  # not asked in this database
        for handler in self._handover_handlers:
            try:
                await handler(reception_id, holder, str(asker))
            except Exception:
                log.exception("a handover failed", extra={"reception": reception_id})

    async def close(self) -> None:
        if self._listening is not None:
            self._listening.cancel()
            await asyncio.gather(self._listening, return_exceptions=True)
            self._listening = None
        await self._redis.aclose()


async def _tell(watchers: list[Watcher], reception_id: str) -> None:
    for watcher in watchers:
        try:
            await watcher(reception_id)
        except Exception:
            log.exception("a reception watcher failed", extra={"reception": reception_id})


def directory_for(redis_url: str | None, claim_ttl_s: float = 30.0) -> ReceptionDirectory:
    return RedisDirectory(redis_url, claim_ttl_s=claim_ttl_s) if redis_url else InMemoryDirectory()
