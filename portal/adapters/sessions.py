"""Where browser sessions live: a `sessions` table (the default) or Redis (`redis.url` set).

Both are keyed by the SHA-256 of the cookie's random id, so neither a database dump nor
a look into Redis yields a cookie that works. A stored session carries its deadlines;
the middleware (portal/http/session.py) decides validity, the stores only keep rows.

`update` never brings back a session that was deleted meanwhile (sign-out elsewhere,
"sign out everywhere"): only `create` inserts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import redis.asyncio as aioredis
from sqlalchemy import delete, insert, update

from portal.adapters.db import Database
from portal.adapters.orm import BrowserSession


@dataclass
class StoredSession:
    user_id: int | None
    data: dict[str, Any]
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime

    def ends_at(self, idle_timeout_s: float) -> datetime:
        """The earlier of the absolute deadline and the idle one."""
        return min(self.expires_at, self.last_seen_at + timedelta(seconds=idle_timeout_s))


class SessionStore(Protocol):
    async def load(self, id_hash: str) -> StoredSession | None: ...

    async def create(self, id_hash: str, session: StoredSession, idle_timeout_s: float) -> None: ...

    async def update(self, id_hash: str, session: StoredSession, idle_timeout_s: float) -> None:
        """Write data and last-seen time of an existing session; no-op if it is gone."""

    async def delete(self, id_hash: str) -> None: ...

    async def delete_user(self, user_id: int) -> None:
        """End every session of `user_id`."""

    async def purge(self, now: datetime, idle_timeout_s: float) -> None:
        """Delete sessions past either deadline."""


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were written as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class DatabaseSessionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, id_hash: str) -> StoredSession | None:
        async with self._db.session() as session:
            row = await session.get(BrowserSession, id_hash)
        if row is None:
            return None
        return StoredSession(
            user_id=row.user_id,
            data=dict(row.data) if isinstance(row.data, dict) else {},
            created_at=_aware(row.created_at),
            last_seen_at=_aware(row.last_seen_at),
            expires_at=_aware(row.expires_at),
        )

    async def create(self, id_hash: str, session: StoredSession, idle_timeout_s: float) -> None:
        async with self._db.session() as db, db.begin():
            await db.execute(
                insert(BrowserSession).values(
                    id_hash=id_hash,
                    user_id=session.user_id,
                    data=session.data,
                    created_at=session.created_at,
                    last_seen_at=session.last_seen_at,
                    expires_at=session.expires_at,
                )
            )

    async def update(self, id_hash: str, session: StoredSession, idle_timeout_s: float) -> None:
        async with self._db.session() as db, db.begin():
            await db.execute(
                update(BrowserSession)
                .where(BrowserSession.id_hash == id_hash)
                .values(data=session.data, last_seen_at=session.last_seen_at)
            )

    async def delete(self, id_hash: str) -> None:
        async with self._db.session() as db, db.begin():
            await db.execute(delete(BrowserSession).where(BrowserSession.id_hash == id_hash))

    async def delete_user(self, user_id: int) -> None:
        async with self._db.session() as db, db.begin():
            await db.execute(delete(BrowserSession).where(BrowserSession.user_id == user_id))

    async def purge(self, now: datetime, idle_timeout_s: float) -> None:
        idle_since = now - timedelta(seconds=idle_timeout_s)
        async with self._db.session() as db, db.begin():
            await db.execute(
                delete(BrowserSession).where(
                    (BrowserSession.expires_at <= now) | (BrowserSession.last_seen_at <= idle_since)
                )
            )


class RedisSessionStore:
    """One key per session (expiring at its deadline) and a set of keys per user."""

    PREFIX = "portal:session:"
    USER_PREFIX = "portal:user-sessions:"

    def __init__(self, url: str) -> None:
        self._redis = aioredis.from_url(url, decode_responses=True)

    def _key(self, id_hash: str) -> str:
        return self.PREFIX + id_hash

    def _user_key(self, user_id: int) -> str:
        return f"{self.USER_PREFIX}{user_id}"

    @staticmethod
    def _dump(session: StoredSession) -> str:
        return json.dumps(
            {
                "user_id": session.user_id,
                "data": session.data,
                "created_at": session.created_at.isoformat(),
                "last_seen_at": session.last_seen_at.isoformat(),
                "expires_at": session.expires_at.isoformat(),
            },
            separators=(",", ":"),
        )

    async def load(self, id_hash: str) -> StoredSession | None:
        raw = await self._redis.get(self._key(id_hash))
        if raw is None:
            return None
        try:
            value = json.loads(raw)
            user_id = value["user_id"]
            return StoredSession(
                user_id=user_id if isinstance(user_id, int) else None,
                data=value["data"] if isinstance(value["data"], dict) else {},
                created_at=datetime.fromisoformat(value["created_at"]),
                last_seen_at=datetime.fromisoformat(value["last_seen_at"]),
                expires_at=datetime.fromisoformat(value["expires_at"]),
            )
        except (ValueError, KeyError, TypeError):
            return None

    async def _write(
        self, id_hash: str, session: StoredSession, idle_timeout_s: float, *, new: bool
    ) -> None:
        ends_ms = int(session.ends_at(idle_timeout_s).timestamp() * 1000)
        key = self._key(id_hash)
        # `xx` (only if present) keeps a deleted session deleted; `nx` never overwrites.
        written = await self._redis.set(key, self._dump(session), pxat=ends_ms, nx=new, xx=not new)
        if written and new and session.user_id is not None:
            user_key = self._user_key(session.user_id)
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.sadd(user_key, id_hash)
                pipe.pexpireat(user_key, int(session.expires_at.timestamp() * 1000), gt=True)
                pipe.pexpireat(user_key, int(session.expires_at.timestamp() * 1000), nx=True)
                await pipe.execute()

    async def create(self, id_hash: str, session: StoredSession, idle_timeout_s: float) -> None:
        await self._write(id_hash, session, idle_timeout_s, new=True)

    async def update(self, id_hash: str, session: StoredSession, idle_timeout_s: float) -> None:
        await self._write(id_hash, session, idle_timeout_s, new=False)

    async def delete(self, id_hash: str) -> None:
        await self._redis.delete(self._key(id_hash))

    async def delete_user(self, user_id: int) -> None:
        user_key = self._user_key(user_id)
        members = await self._redis.smembers(user_key)
        async with self._redis.pipeline(transaction=True) as pipe:
            for member in members:
                text = member.decode() if isinstance(member, bytes) else member
                pipe.delete(self._key(text))
            pipe.delete(user_key)
            await pipe.execute()

    async def purge(self, now: datetime, idle_timeout_s: float) -> None:
        """Redis expires each key at its deadline by itself."""

    async def close(self) -> None:
        await self._redis.aclose()
