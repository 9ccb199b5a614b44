"""Migration 0003 up and down on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from config import Settings
from portal import migrate
from portal.adapters import appeals_orm  # noqa: F401  (the appeal tables on Base)
from tests.integration.portal.model_drift import model_drift

pytestmark = pytest.mark.timeout(90)
TABLES = {
    "departments",
    "topics",
    "municipalities",
    "answer_templates",
    "appeals",
    "attachments",
    "status_changes",
    "service_comments",
    "executing_departments",
    "answers",
}


async def _tables(url: str, schema: str | None) -> set[str]:
    connect_args = {"server_settings": {"search_path": schema}} if schema else {}
    engine = create_async_engine(url, connect_args=connect_args)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names(schema=schema)))
            templates = (
                await conn.execute(text("SELECT count(*) FROM answer_templates"))
                if "answer_templates" in names
                else None
            )
            indexes = await conn.run_sync(
                lambda c: (
                    {i["name"] for i in inspect(c).get_indexes("appeals", schema=schema)}
                    if "appeals" in names
                    else set()
                )
            )
    finally:
        await engine.dispose()
    if templates is not None:
        assert templates.scalar_one() == 3, "the three templates of SPEC §3 are seeded once"
        assert {"ix_appeals_status_created", "ix_appeals_citizen_created"} <= indexes
    return names


async def _round_trip(url: str, schema: str | None) -> None:
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    assert await _tables(url, schema) >= TABLES
    await asyncio.to_thread(migrate.downgrade, url, "0001", schema)
    left = await _tables(url, schema)
    assert not TABLES & left
    assert "users" in left
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    assert await _tables(url, schema) >= TABLES
    await asyncio.to_thread(migrate.downgrade, url, "base", schema)
    assert not TABLES & await _tables(url, schema)


async def test_sqlite_up_down_up(settings: Settings) -> None:
    await _round_trip(settings.database_url, None)


@pytest.mark.postgres
async def test_postgres_up_down_up(postgres_url: tuple[str, str]) -> None:
    url, schema = postgres_url
    await _round_trip(url, schema)


async def test_migration_matches_the_models(settings: Settings) -> None:
    """Autogenerate finds nothing to add for the appeal tables: models and 0003 agree."""
    assert await model_drift(settings.database_url, TABLES) == []
