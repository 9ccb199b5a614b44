"""The browser session: the cookie carries a random id, everything else stays on the server.

Why server-side: with a signed cookie a copy kept working until it expired, whatever the
user did; now signing out deletes the stored session and every copy of the cookie dies
with it. The store is the `sessions` table, or Redis when `redis.url` is set (several
nodes then share sessions without the database taking a write per request); both keep
only the SHA-256 of the id (portal/adapters/sessions.py).

Why not aiohttp-session: it has no database storage and its Redis storage keys by the raw
id with no per-user index, so "sign out everywhere", the hashed ids and the idle/absolute
deadlines would be ours anyway; what remained (this middleware) is small, and handlers
keep the synchronous `session_of()` they are written against.

A session ends `sessions.idle_timeout_s` after its last request or `sessions.lifetime_s`
after it began, whichever comes first. Signing in and out always starts a session under a
new id (no fixation). Expired rows are swept at most hourly when a new session starts.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from config.settings import Settings
from portal.adapters.sessions import (
    DatabaseSessionStore,
    RedisSessionStore,
    SessionStore,
    StoredSession,
)
from portal.http.context import clock_of, database_of, settings_of

COOKIE = "session"
SESSION_KEY = web.RequestKey("portal.session", dict)
TOUCH_EVERY = timedelta(minutes=1)
"""An unchanged session's last-seen time is written at most this often."""
SWEEP_EVERY = timedelta(hours=1)
_MAX_COOKIE = 128


@dataclass
class _Sweeps:
    last: datetime | None = None


@dataclass
class _State:
    id_hash: str | None = None
    stored: StoredSession | None = None
    presented: bool = False
    changed: bool = False
    renew: bool = False


_STATE = web.RequestKey("portal.session_state", _State)
REDIS_STORE = web.AppKey("portal.session_store", RedisSessionStore)
_SWEEPS = web.AppKey("portal.session_sweeps", _Sweeps)


def setup_sessions(app: web.Application, settings: Settings) -> None:
    """Pick the store: Redis when configured, else the database the app uses."""
    app[_SWEEPS] = _Sweeps()
    url = settings.redis.url
    if url is None:
        return
    app[REDIS_STORE] = RedisSessionStore(url)

    async def close(app: web.Application) -> AsyncIterator[None]:
        yield
        await app[REDIS_STORE].close()

    app.cleanup_ctx.append(close)


def store_of(request: web.Request) -> SessionStore:
    redis_store = request.app.get(REDIS_STORE)
    if redis_store is not None:
        return redis_store
    return DatabaseSessionStore(database_of(request))


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def session_of(request: web.Request) -> dict[str, Any]:
    return request[SESSION_KEY]


def mark_changed(request: web.Request) -> None:
    request[_STATE].changed = True


def replace_session(request: web.Request, data: dict[str, Any]) -> None:
    """Start a fresh session under a new id (on sign-in/out): nothing carries over, and
    the old id stops working."""
    session = request[SESSION_KEY]
    session.clear()
    session.update(data)
    session["csrf"] = secrets.token_urlsafe(32)
    state = request[_STATE]
    state.renew = state.changed = True


async def _load(request: web.Request, state: _State) -> dict[str, Any]:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    state.presented = True
    if len(raw) > _MAX_COOKIE:
        return {}
    store = store_of(request)
    hashed = id_hash(raw)
    stored = await store.load(hashed)
    if stored is None:
        return {}
    now = clock_of(request).now()
    if now >= stored.ends_at(settings_of(request).sessions.idle_timeout_s):
        await store.delete(hashed)
        return {}
    state.id_hash, state.stored = hashed, stored
    return dict(stored.data)


def _cookie(request: web.Request, response: web.StreamResponse, value: str | None) -> None:
    if response.prepared:
        return
    if value is None:
        response.del_cookie(COOKIE, path="/")
        return
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(settings_of(request).sessions.lifetime_s),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=settings_of(request).public_url.startswith("https://"),
    )


async def _sweep(request: web.Request, store: SessionStore, now: datetime) -> None:
    sweeps = request.app[_SWEEPS]
    if sweeps.last is not None and now - sweeps.last < SWEEP_EVERY:
        return
    sweeps.last = now
    await store.purge(now, settings_of(request).sessions.idle_timeout_s)


async def _persist(request: web.Request, response: web.StreamResponse) -> None:
    state, session = request[_STATE], request[SESSION_KEY]
    store = store_of(request)
    now = clock_of(request).now()
    config = settings_of(request).sessions
    if state.renew and state.id_hash is not None:
        await store.delete(state.id_hash)
        state.id_hash = state.stored = None
    if state.stored is not None and state.id_hash is not None:
        if state.changed or now - state.stored.last_seen_at >= TOUCH_EVERY:
            state.stored.data, state.stored.last_seen_at = session, now
            await store.update(state.id_hash, state.stored, config.idle_timeout_s)
        return
    if not (state.changed and session) or response.prepared:
        if state.presented:
            _cookie(request, response, None)
        return
    session_id = secrets.token_urlsafe(32)
    uid = session.get("uid")
    stored = StoredSession(
        user_id=uid if isinstance(uid, int) else None,
        data=session,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=config.lifetime_s),
    )
    await store.create(id_hash(session_id), stored, config.idle_timeout_s)
    _cookie(request, response, session_id)
    await _sweep(request, store, now)


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = _State()
    request[_STATE] = state
    request[SESSION_KEY] = await _load(request, state)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        await _persist(request, exc)
        raise
    await _persist(request, response)
    return response
