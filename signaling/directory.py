"""Which receptions are open, their state, who hosts and moderates them, who is banned,
and which node holds each one's media.

The portal's reception planning drives it later; until then the development page opens a
demo reception. In-memory by default; Redis-backed when `redis.url` is set, so every node
sees the same receptions and at most one node hosts each of them.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import asdict, dataclass, replace
from typing import Protocol

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

MAX_CITIZENS = 15
"""SPEC §4: a reception takes at most 15 citizens."""


class ReceptionState(enum.StrEnum):
    PLANNED = "planned"
    STARTED = "started"
    """«Начать прием»: the room is open, only the moderator (and host) may join."""
    LIVE = "live"
    """The moderator has joined: citizens may join."""
    ENDED = "ended"


_MOVES: dict[ReceptionState, frozenset[ReceptionState]] = {
    ReceptionState.PLANNED: frozenset({ReceptionState.STARTED, ReceptionState.ENDED}),
    ReceptionState.STARTED: frozenset({ReceptionState.LIVE, ReceptionState.ENDED}),
    ReceptionState.LIVE: frozenset({ReceptionState.ENDED}),
    ReceptionState.ENDED: frozenset(),
}


class StateError(Exception):
    """A reception state move the table forbids, or a reception nobody opened; the
    namespace sends `code` to the client."""

    code = "invalid_state"


@dataclass(frozen=True, slots=True)
class Reception:
    reception_id: str
    title: str
    state: ReceptionState
    host_user_id: str | None = None
    moderator_user_id: str | None = None
    max_citizens: int = MAX_CITIZENS

    def moved_to(self, state: ReceptionState) -> Reception:
        """The one place reception states change; a move the table forbids raises."""
        if state is self.state:
            return self
        if state not in _MOVES[self.state]:
            raise StateError(f"reception {self.reception_id}: {self.state} -> {state} refused")
        log.info(
            "reception state %s -> %s",
            self.state,
            state,
            extra={"reception": self.reception_id},
        )
        return replace(self, state=state)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> Reception:
        data = json.loads(text)
        data["state"] = ReceptionState(data["state"])
        return cls(**data)


class ReceptionDirectory(Protocol):
    async def put(self, reception: Reception) -> None: ...
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
    async def close(self) -> None: ...


class InMemoryDirectory:
    """The embedded default: one node, so a dictionary is the whole truth."""

    def __init__(self) -> None:
        self._receptions: dict[str, Reception] = {}
        self._banned: dict[str, set[str]] = {}
        self._nodes: dict[str, str] = {}

    async def put(self, reception: Reception) -> None:
        self._receptions[reception.reception_id] = reception

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

    def _key(self, reception_id: str, what: str) -> str:
        return f"{self._prefix}:{reception_id}:{what}"

    async def put(self, reception: Reception) -> None:
        await self._redis.set(self._key(reception.reception_id, "info"), reception.to_json())

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

    async def close(self) -> None:
        await self._redis.aclose()


def directory_for(redis_url: str | None, claim_ttl_s: float = 30.0) -> ReceptionDirectory:
    return RedisDirectory(redis_url, claim_ttl_s=claim_ttl_s) if redis_url else InMemoryDirectory()
