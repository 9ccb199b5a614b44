"""Schema migrations, callable from the CLI and from tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

_SCRIPTS = Path(__file__).with_name("migrations")


def alembic_config(url: str, schema: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["schema"] = schema
    return cfg


def upgrade(url: str, revision: str = "heads", schema: str | None = None) -> None:
    """Blocking: runs its own event loop. From async code, call it via asyncio.to_thread.

    `heads`: areas of the portal add their revisions on their own branches of history.
    """
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url, schema), revision)


def downgrade(url: str, revision: str = "base", schema: str | None = None) -> None:
    command.downgrade(alembic_config(url, schema), revision)
