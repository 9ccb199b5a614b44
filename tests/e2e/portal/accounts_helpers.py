"""Shared steps of the account browser tests: accounts made directly, forms filled like a user."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from config import Settings
from portal.adapters.db import Database
from portal.adapters.mail import list_outbox
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.domain.roles import Role

PASSWORD = "Secret123"


async def make_user(settings: Settings, **fields: Any) -> User:
    """An active account written straight to the database the live server uses."""
    db = Database(settings.database_url)
    try:
        async with db.session() as session, session.begin():
            user = User(password_hash=hash_password(PASSWORD), is_active=True, **fields)
            session.add(user)
        return user
    finally:
        await db.close()


async def make_admin(settings: Settings) -> User:
    return await make_user(
        settings,
        login="admin",
        email="admin@example.ru",
        roles=[Role.ADMIN.value],
        surname="Администраторов",
        name="Алексей",
    )


async def make_complete_citizen(settings: Settings, email: str = "anna@example.ru") -> User:
    return await make_user(
        settings,
        email=email,
        phone="+79001112233",
        roles=[Role.CITIZEN.value],
        surname="Соколова",
        name="Анна",
        birth_date=date(1985, 3, 2),
        postal_index="620000",
        region="Свердловская область",
        city="Екатеринбург",
        street="Ленина",
        house="10",
        snils="112-233-445 95",
        consent_at=datetime.now(UTC),
    )


def solve(text: str) -> str:
    match = re.search(r"(\d+) \+ (\d+)", text)
    assert match, f"no human-check question in {text!r}"
    return str(int(match.group(1)) + int(match.group(2)))


def last_link(settings: Settings, path: str) -> str:
    for mail in sorted(list_outbox(settings.outbox_dir), key=lambda m: m.name, reverse=True):
        found = re.search(r"https?://\S+" + re.escape(path) + r"\?token=\S+", mail.text)
        if found:
            return found.group(0)
    raise AssertionError(f"no {path} link in the outbox")


async def sign_in(page: Any, base: str, login: str, staff: bool = False) -> None:
    await page.goto(f"{base}/staff/login" if staff else f"{base}/login")
    await page.fill("#f-login", login)
    await page.fill("#f-password", PASSWORD)
    await page.click("button[type=submit]:has-text('Войти')")
    await page.wait_for_load_state()
