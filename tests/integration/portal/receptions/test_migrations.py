"""Migration 0009 (receptions) up and down on SQLite and PostgreSQL, and in step with the
models."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from config import Settings
from portal import migrate
from portal.adapters import receptions_orm  # noqa: F401  (the reception tables on Base)
from tests.integration.portal.model_drift import model_drift

pytestmark = pytest.mark.timeout(90)
TABLES = {"receptions", "reception_seats", "reception_attendance", "reception_moderation"}


async def _tables(url: str, schema: str | None) -> set[str]:
    connect_args = {"server_settings": {"search_path": schema}} if schema else {}
    engine = create_async_engine(url, connect_args=connect_args)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: set(inspect(c).get_table_names(schema=schema)))
    finally:
        await engine.dispose()


async def _round_trip(url: str, schema: str | None) -> None:
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    assert await _tables(url, schema) >= TABLES
    await asyncio.to_thread(migrate.downgrade, url, "0003", schema)
    left = await _tables(url, schema)
    assert not TABLES & left
    assert {"appeals", "users"} <= left
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    assert await _tables(url, schema) >= TABLES


async def test_sqlite_up_down_up(settings: Settings) -> None:
    await _round_trip(settings.database_url, None)


@pytest.mark.postgres
async def test_postgres_up_down_up(postgres_url: tuple[str, str]) -> None:
    url, schema = postgres_url
    await _round_trip(url, schema)


async def test_migration_matches_the_models(settings: Settings) -> None:
    assert await model_drift(settings.database_url, TABLES) == []
