"""Alembic environment: runs migrations over the async engine the app uses."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from portal.adapters import (
    appeals_orm,  # noqa: F401  (registers the appeal tables)
    control_orm,  # noqa: F401  (registers the control form's tables)
    receptions_orm,  # noqa: F401  (registers the reception tables)
    recordings_orm,  # noqa: F401  (registers the published recordings)
)
from portal.adapters.orm import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    schema = config.attributes.get("schema")
    connect_args = {"server_settings": {"search_path": schema}} if schema else {}
    engine = create_async_engine(url, connect_args=connect_args)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


asyncio.run(_online())
