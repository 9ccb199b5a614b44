"""Migration 0011 (recordings) up, down and up on SQLite and PostgreSQL, and in step with
the model."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from config import Settings
from portal import migrate
from portal.adapters import recordings_orm  # noqa: F401  (the recordings table on Base)
from tests.integration.portal.model_drift import model_drift

pytestmark = pytest.mark.timeout(90)
TABLE = "recordings"


async def _schema(url: str, schema: str | None) -> tuple[set[str], set[str]]:
    """The tables, and the indexes of the recordings table (empty when it is missing)."""
    connect_args = {"server_settings": {"search_path": schema}} if schema else {}
    engine = create_async_engine(url, connect_args=connect_args)

    def read(conn: object) -> tuple[set[str], set[str]]:
        found = inspect(conn)
        tables = set(found.get_table_names(schema=schema))
        indexes = (
            {i["name"] or "" for i in found.get_indexes(TABLE, schema=schema)}
            if TABLE in tables
            else set()
        )
        return tables, indexes

    try:
        async with engine.connect() as conn:
            return await conn.run_sync(read)
    finally:
        await engine.dispose()


async def _round_trip(url: str, schema: str | None) -> None:
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    tables, indexes = await _schema(url, schema)
    assert TABLE in tables
    assert "ix_recordings_state_held" in indexes
    await asyncio.to_thread(migrate.downgrade, url, "0010", schema)
    tables, _ = await _schema(url, schema)
    assert TABLE not in tables
    assert {"receptions", "appeals", "users"} <= tables
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    assert TABLE in (await _schema(url, schema))[0]


async def test_sqlite_up_down_up(settings: Settings) -> None:
    await _round_trip(settings.database_url, None)


@pytest.mark.postgres
async def test_postgres_up_down_up(postgres_url: tuple[str, str]) -> None:
    url, schema = postgres_url
    await _round_trip(url, schema)


async def test_migration_matches_the_model(settings: Settings) -> None:
    assert await model_drift(settings.database_url, {TABLE}) == []
