"""One SNILS belongs to one account: the profile refuses a SNILS another account has, and
the database does too when two saves race."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, text

from config import Settings
from portal import migrate
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.services import accounts
from tests.integration.portal.accounts.conftest import (
    COMPLETE_PROFILE,
    csrf_of,
    registered_citizen,
)

OTHER = {"email": "ivan@example.ru", "phone": "+79120000002"}


async def _save(client: TestClient[Any, Any], **changes: str) -> Any:
    page = await (await client.get("/profile")).text()
    form = {**COMPLETE_PROFILE, **changes, "_csrf": csrf_of(page)}
    return await client.post("/profile", data=form, allow_redirects=False)


async def _snils_of(db: Database, email: str) -> str | None:
    async with db.session() as session:
        found = await session.execute(select(User.snils).where(User.email == email))
        return found.scalar_one()


async def test_a_snils_of_another_account_is_refused(
    client: TestClient[Any, Any], settings: Settings, db: Database
) -> None:
    await registered_citizen(client, settings)
    assert (await _save(client)).status == 303
    client.session.cookie_jar.clear()
    await registered_citizen(client, settings, **OTHER)
    # The same number written another way is the same SNILS.
    response = await _save(client, phone=OTHER["phone"], snils="11223344595")
    assert response.status == 422
    assert "СНИЛС уже указан" in await response.text()
    assert await _snils_of(db, OTHER["email"]) is None
    assert (await _save(client, phone=OTHER["phone"], snils="")).status == 303


async def test_saving_ones_own_snils_again_is_fine(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    assert (await _save(client)).status == 303
    assert (await _save(client, city="Пермь")).status == 303


async def test_a_race_past_the_check_is_stopped_by_the_unique_index(
    client: TestClient[Any, Any], settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two saves may both pass the check before either commits: the index decides."""
    await registered_citizen(client, settings)
    assert (await _save(client)).status == 303
    client.session.cookie_jar.clear()
    await registered_citizen(client, settings, **OTHER)

    async def nobody_has_it(*args: Any) -> bool:
        return False

    monkeypatch.setattr(accounts, "_snils_taken", nobody_has_it)
    response = await _save(client, phone=OTHER["phone"])
    assert response.status == 422
    assert "СНИЛС уже указан" in await response.text()
    assert await _snils_of(db, OTHER["email"]) is None


async def test_the_migration_keeps_a_shared_snils_on_the_earliest_account(
    backend: tuple[str, str | None],
) -> None:
    """Accounts saved before the rule may share a SNILS; the index still gets built."""
    url, schema = backend
    await asyncio.to_thread(migrate.upgrade, url, "0002", schema)
    db = Database(url, schema=schema)
    try:
        async with db.engine.begin() as conn:
            for n, snils in enumerate(["112-233-445 95", "112-233-445 95", None, None], 1):
                await conn.execute(
                    text(
                        "INSERT INTO users (id, email, password_hash, roles, surname, name, "
                        "patronymic, is_active, created_at, snils) VALUES (:id, :email, 'x', "
                        "'[\"citizen\"]', 'И', 'М', '', true, :at, :snils)"
                    ),
                    {"id": n, "email": f"c{n}@example.ru", "at": datetime.now(UTC), "snils": snils},
                )
        await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT id, snils FROM users ORDER BY id"))).all()
    finally:
        await db.close()
    assert [tuple(r) for r in rows] == [(1, "112-233-445 95"), (2, None), (3, None), (4, None)]
