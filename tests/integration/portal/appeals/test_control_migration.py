"""Migration 0008 (the control form's tables) up and down on SQLite and PostgreSQL, on its
own branch: taking it down leaves every other area's tables alone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Date, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from config import Settings
from portal import migrate
from portal.adapters import control_orm  # noqa: F401  (the control tables on Base)
from tests.integration.portal.model_drift import model_drift

pytestmark = pytest.mark.timeout(90)
TABLES = {"appeal_controls", "control_departments"}
OTHERS = {"users", "appeals", "executing_departments", "staff_departments"}


async def _inspect(url: str, schema: str | None) -> tuple[set[str], dict[str, Any]]:
    connect_args = {"server_settings": {"search_path": schema}} if schema else {}
    engine = create_async_engine(url, connect_args=connect_args)
    try:
        async with engine.connect() as conn:

            def read(c: Any) -> tuple[set[str], dict[str, Any]]:
                found = inspect(c)
                names = set(found.get_table_names(schema=schema))
                columns = (
                    {col["name"]: col["type"] for col in found.get_columns("appeal_controls")}
                    if "appeal_controls" in names
                    else {}
                )
                return names, columns

            return await conn.run_sync(read)
    finally:
        await engine.dispose()


async def _round_trip(url: str, schema: str | None) -> None:
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    names, columns = await _inspect(url, schema)
    assert names >= TABLES | OTHERS
    assert isinstance(columns["planned_on"], Date), "planned and executed are calendar days"
    assert isinstance(columns["executed_on"], Date)

    await asyncio.to_thread(migrate.downgrade, url, "0008@-1", schema)
    names, _ = await _inspect(url, schema)
    assert not TABLES & names
    assert names >= OTHERS, "only the control branch went down"

    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    assert (await _inspect(url, schema))[0] >= TABLES
    await asyncio.to_thread(migrate.downgrade, url, "base", schema)
    assert not (TABLES | OTHERS) & (await _inspect(url, schema))[0]


async def test_sqlite_up_down_up(settings: Settings) -> None:
    await _round_trip(settings.database_url, None)


@pytest.mark.postgres
async def test_postgres_up_down_up(postgres_url: tuple[str, str]) -> None:
    url, schema = postgres_url
    await _round_trip(url, schema)


async def test_migration_matches_the_models(settings: Settings) -> None:
    """Autogenerate finds nothing to add for the control tables: models and 0008 agree."""
    assert await model_drift(settings.database_url, TABLES) == []
