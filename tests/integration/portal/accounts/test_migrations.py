"""The accounts migration up, down and up again, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from portal import migrate
from portal.adapters.db import Database
from portal.adapters.orm import Base

ACCOUNT_COLUMNS = {"phone", "snils", "consent_at", "session_epoch", "oidc_subject", "postal_index"}


async def _schema(url: str, schema: str | None) -> dict[str, set[str]]:
    db = Database(url, schema=schema)
    try:
        async with db.engine.connect() as conn:

            def read(sync_conn: Any) -> dict[str, set[str]]:
                inspector = inspect(sync_conn)
                return {
                    table: {c["name"] for c in inspector.get_columns(table)}
                    for table in inspector.get_table_names()
                }

            return await conn.run_sync(read)
    finally:
        await db.close()


async def test_accounts_migration_up_down_up(backend: tuple[str, str | None]) -> None:
    url, schema = backend
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    tables = await _schema(url, schema)
    assert tables["users"] >= ACCOUNT_COLUMNS
    assert {"key", "failures", "blocked_until"} <= tables["sign_in_failures"]
    assert {"actor_id", "citizen_id", "what", "at"} <= tables["audit_log"]

    await asyncio.to_thread(migrate.downgrade, url, "base", schema)
    remaining = set(await _schema(url, schema)) - {"alembic_version"}
    assert remaining == set()

    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    assert (await _schema(url, schema))["users"] >= ACCOUNT_COLUMNS


async def test_only_the_accounts_revision_can_be_undone(backend: tuple[str, str | None]) -> None:
    """Down to 0001 keeps the users table and drops exactly what 0002 added."""
    url, schema = backend
    await asyncio.to_thread(migrate.upgrade, url, "0002", schema)
    await asyncio.to_thread(migrate.downgrade, url, "0001", schema)
    tables = await _schema(url, schema)
    assert "sign_in_failures" not in tables
    assert "audit_log" not in tables
    assert not ACCOUNT_COLUMNS & tables["users"]
    assert {"login", "email", "password_hash", "roles"} <= tables["users"]


async def test_migrations_match_the_account_models(backend: tuple[str, str | None]) -> None:
    url, schema = backend
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    db = Database(url, schema=schema)
    try:
        async with db.engine.connect() as conn:

            def differences(sync_conn: Any) -> list[Any]:
                context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                return compare_metadata(context, Base.metadata)

            diffs = await conn.run_sync(differences)
    finally:
        await db.close()
    ours = [d for d in diffs if _table_of(d) in ACCOUNT_TABLES]
    assert ours == []


ACCOUNT_TABLES = {"users", "sign_in_failures", "audit_log"}


def _table_of(diff: Any) -> str | None:
    """The table a compare_metadata entry is about (entries are tuples or lists of them)."""
    entry = diff[0] if isinstance(diff, list) else diff
    for item in entry[1:]:
        table = getattr(item, "table", None)
        if table is not None:
            return str(table.name)
        if hasattr(item, "name") and hasattr(item, "columns"):
            return str(item.name)
        if isinstance(item, str) and item in ACCOUNT_TABLES:
            return item
    return None
