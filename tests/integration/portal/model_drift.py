"""What Alembic's autogenerate would still add for some tables after every migration ran:
the check that a migration and its models agree, shared by each area's migration tests."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from portal import migrate
from portal.adapters.orm import Base


async def model_drift(url: str, tables: Collection[str]) -> list[Any]:
    """The differences between the migrated database at `url` and the models of `tables`
    (the models must be imported, so they are on `Base`)."""
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            diffs = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
    finally:
        await engine.dispose()
    return [d for d in diffs if table_of(d) in tables]


def table_of(diff: Any) -> str | None:
    """The table an autogenerate difference is about (its shapes vary by kind)."""
    if isinstance(diff, list):  # modify_* come as a list of tuples
        return table_of(diff[0])
    kind, subject = diff[0], diff[1]
    if kind.endswith("_table"):
        return str(subject.name)
    if kind.endswith(("_index", "_constraint")):
        return str(subject.table.name)
    return str(diff[2]) if kind.endswith("_column") or kind.startswith("modify_") else None
