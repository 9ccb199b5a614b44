"""The real Redis and PostgreSQL the production shape runs on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy import inspect, select

from config import Settings
from portal import migrate
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.services.accounts import create_admin
from reception.app import create_app

pytestmark = pytest.mark.timeout(60)


@pytest.mark.redis
async def test_redis_fixture_is_isolated(redis_url: str) -> None:
    client = aioredis.from_url(redis_url)
    try:
        assert await client.dbsize() == 0
        await client.set("k", "v")
        assert await client.get("k") == b"v"
    finally:
        await client.aclose()


@pytest.mark.postgres
async def test_postgres_migrations_up_and_down(postgres_url: tuple[str, str]) -> None:
    url, schema = postgres_url
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    db = Database(url, schema=schema)
    try:
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"users", "alembic_version"} <= tables
        await create_admin(db, "root", "Str0ngPassw0rd")
        async with db.session() as session:
            [admin] = (await session.scalars(select(User))).all()
        assert admin.roles == ["admin"]
    finally:
        await db.close()
    await asyncio.to_thread(migrate.downgrade, url, "base", schema)
    db = Database(url, schema=schema)
    try:
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "users" not in tables
    finally:
        await db.close()


@pytest.mark.redis
@pytest.mark.postgres
async def test_node_ready_on_postgres_and_redis(
    make_settings: Callable[..., Settings], redis_url: str, postgres_url: tuple[str, str]
) -> None:
    url, _schema = postgres_url
    settings = make_settings(**{"database.url": url, "redis.url": redis_url})
    app = create_app(settings)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/readyz") as resp,
        ):
            body = await resp.json()
        assert resp.status == 200, body
        assert body["checks"] == {"database": "ok", "redis": "ok"}
    finally:
        await runner.cleanup()


async def test_readyz_reports_an_unreachable_redis(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(**{"redis.url": "redis://127.0.0.1:1/0"})
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    app = create_app(settings)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/readyz") as resp,
        ):
            assert resp.status == 503
            assert (await resp.json())["checks"]["redis"] == "unavailable"
    finally:
        await runner.cleanup()
