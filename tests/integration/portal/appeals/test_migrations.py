"""Migration 0003 up and down on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from config import Settings
from portal import migrate
from portal.adapters import appeals_orm  # noqa: F401  (the appeal tables on Base)
from portal.adapters.orm import Base

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
    url = settings.database_url
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            diffs = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
    finally:
        await engine.dispose()
    ours = [d for d in diffs if _table_of(d) in TABLES]
    assert ours == []


def _table_of(diff: Any) -> str | None:
    """The table an autogenerate difference is about (its shapes vary by kind)."""
    if isinstance(diff, list):  # modify_* come as a list of tuples
        return _table_of(diff[0])
    kind, subject = diff[0], diff[1]
    if kind.endswith("_table"):
        return str(subject.name)
    if kind.endswith(("_index", "_constraint")):
        return str(subject.table.name)
    return str(diff[2]) if kind.endswith("_column") or kind.startswith("modify_") else None
