"""The two session stores keep the same promises: the `sessions` table and Redis."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from config import Settings
from portal import migrate
from portal.adapters.db import Database
from portal.adapters.orm import BrowserSession, User
from portal.adapters.sessions import (
    DatabaseSessionStore,
    RedisSessionStore,
    SessionStore,
    StoredSession,
)
from portal.http.context import CLOCK, DATABASE
from reception.app import create_app
from tests.integration.portal.accounts.conftest import (
    csrf_of,
    registered_citizen,
    sign_in_via_page,
)
from tests.integration.portal.accounts.test_server_sessions import (
    cookie_of,
    signed_in,
    use_cookie,
)
from tests.integration.portal.conftest import MovableClock

IDLE = 3600.0
NOW = datetime.now(UTC).replace(microsecond=0)


def stored(user_id: int | None, *, age: timedelta = timedelta()) -> StoredSession:
    start = NOW - age
    return StoredSession(
        user_id=user_id,
        data={"uid": user_id, "csrf": "t"},
        created_at=start,
        last_seen_at=start,
        expires_at=start + timedelta(days=7),
    )


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def redis_or_none(request: pytest.FixtureRequest) -> str | None:
    """None: the database store; else the URL of a real, flushed Redis."""
    return None if request.param == "database" else request.getfixturevalue("redis_url")


@pytest.fixture
async def store_and_users(
    redis_or_none: str | None, sqlite_db: Database
) -> AsyncIterator[tuple[SessionStore, list[int]]]:
    async with sqlite_db.session() as session, session.begin():
        users = [User(login=f"u{n}", password_hash="x") for n in range(2)]
        session.add_all(users)
    ids = [u.id for u in users]
    if redis_or_none is None:
        yield DatabaseSessionStore(sqlite_db), ids
        return
    store = RedisSessionStore(redis_or_none)
    yield store, ids
    await store.close()


async def test_a_session_round_trips_and_ends_when_deleted(
    store_and_users: tuple[SessionStore, list[int]],
) -> None:
    store, (alice, _) = store_and_users
    await store.create("h1", stored(alice), IDLE)
    loaded = await store.load("h1")
    assert loaded is not None
    assert loaded.user_id == alice
    assert loaded.data == {"uid": alice, "csrf": "t"}
    assert loaded.expires_at == NOW + timedelta(days=7)
    await store.delete("h1")
    assert await store.load("h1") is None


async def test_an_update_never_brings_a_deleted_session_back(
    store_and_users: tuple[SessionStore, list[int]],
) -> None:
    store, (alice, _) = store_and_users
    session = stored(alice)
    await store.create("h1", session, IDLE)
    await store.delete_user(alice)
    session.data = {"late": "write"}
    await store.update("h1", session, IDLE)
    assert await store.load("h1") is None


async def test_delete_user_ends_that_users_sessions_only(
    store_and_users: tuple[SessionStore, list[int]],
) -> None:
    store, (alice, bob) = store_and_users
    for name, owner in (("a1", alice), ("a2", alice), ("b1", bob), ("anon", None)):
        await store.create(name, stored(owner), IDLE)
    await store.delete_user(alice)
    assert await store.load("a1") is None
    assert await store.load("a2") is None
    assert await store.load("b1") is not None
    assert await store.load("anon") is not None


async def test_sessions_past_a_deadline_are_gone_after_a_purge(
    store_and_users: tuple[SessionStore, list[int]],
) -> None:
    store, (alice, _) = store_and_users
    await store.create("idle", stored(alice, age=timedelta(seconds=IDLE + 60)), IDLE)
    await store.create("fresh", stored(alice), IDLE)
    await store.purge(NOW, IDLE)
    assert await store.load("idle") is None
    assert await store.load("fresh") is not None


@pytest.mark.redis
async def test_the_node_keeps_sessions_in_redis_when_configured(
    make_settings: Callable[..., Settings],
    redis_url: str,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> None:
    settings = make_settings(**{"redis.url": redis_url})
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    app = create_app(settings)
    clock = MovableClock()
    app[CLOCK] = clock
    client = await aiohttp_client(app)
    await registered_citizen(client, settings)
    first = cookie_of(client)

    keys = await _redis_keys(redis_url)
    assert f"portal:session:{hashlib.sha256(first.encode()).hexdigest()}" in keys
    assert not any(first in key for key in keys), "Redis holds hashes of ids, not ids"
    async with app[DATABASE].session() as session:
        assert await session.scalar(select(func.count()).select_from(BrowserSession)) == 0

    # Sign-out ends a copied cookie; sign out everywhere ends another browser.
    page = await (await client.get("/profile")).text()
    await client.post("/logout", data={"_csrf": csrf_of(page)}, allow_redirects=False)
    use_cookie(client, first)
    assert not await signed_in(client)

    client.session.cookie_jar.clear()
    assert (await sign_in_via_page(client, "maria@example.ru", "Secret123")).status == 303
    other = cookie_of(client)
    client.session.cookie_jar.clear()
    assert (await sign_in_via_page(client, "maria@example.ru", "Secret123")).status == 303
    page = await (await client.get("/profile")).text()
    out = await client.post(
        "/profile/sign-out-everywhere", data={"_csrf": csrf_of(page)}, allow_redirects=False
    )
    assert out.status == 303
    use_cookie(client, other)
    assert not await signed_in(client)

    # The idle deadline holds in Redis as well.
    client.session.cookie_jar.clear()
    assert (await sign_in_via_page(client, "maria@example.ru", "Secret123")).status == 303
    assert await signed_in(client)
    clock.advance(timedelta(seconds=settings.sessions.idle_timeout_s + 60))
    assert not await signed_in(client)


async def _redis_keys(url: str) -> list[str]:
    client = aioredis.from_url(url, decode_responses=True)
    try:
        return [key async for key in client.scan_iter("portal:*")]
    finally:
        await client.aclose()
