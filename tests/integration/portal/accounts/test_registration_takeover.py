"""A second registration of an address never changes the first one, and registration does
not reveal which addresses and phones are registered: the owner gets a letter instead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from config import Settings
from portal.adapters.db import Database
from portal.adapters.mail import list_outbox
from portal.adapters.orm import User
from tests.integration.portal.accounts.conftest import (
    CITIZEN,
    activate_via_pages,
    outbox_links,
    register_via_pages,
    registered_citizen,
    sign_in_via_page,
)
from tests.integration.portal.conftest import MovableClock

ATTACKER = {"password": "Attacker123", "password_again": "Attacker123", "phone": "+79990001122"}


def _letters_to(settings: Settings, address: str) -> list[str]:
    mails = sorted(list_outbox(settings.outbox_dir), key=lambda m: m.name)
    return [m.text for m in mails if m.to == address]


async def _user(db: Database, email: str) -> User:
    async with db.session() as session:
        return (await session.execute(select(User).where(User.email == email))).scalar_one()


async def test_a_pending_registration_cannot_be_taken_over(
    client: TestClient[Any, Any], settings: Settings, db: Database
) -> None:
    assert (await register_via_pages(client)).status == 200
    before = await _user(db, CITIZEN["email"])

    client.session.cookie_jar.clear()
    again = await register_via_pages(client, surname="Злоумышленник", **ATTACKER)
    assert again.status == 200

    after = await _user(db, CITIZEN["email"])
    assert after.password_hash == before.password_hash
    assert (after.phone, after.surname) == (before.phone, before.surname)
    links = outbox_links(settings, "/activate")
    assert len(links) == 2, "the owner got a fresh link"
    assert (await activate_via_pages(client, links[-1])).status == 303
    assert (await activate_via_pages(client, links[0])).status == 303, "the first link still works"
    assert (await sign_in_via_page(client, CITIZEN["email"], "Attacker123")).status == 422
    assert (await sign_in_via_page(client, CITIZEN["email"], CITIZEN["password"])).status == 303


async def test_an_expired_pending_registration_may_be_made_again(
    client: TestClient[Any, Any], settings: Settings, clock: MovableClock
) -> None:
    """Once its links have expired nobody can activate it: it is as if never made."""
    await register_via_pages(client)
    clock.advance(timedelta(days=3, minutes=1))
    await register_via_pages(client, **ATTACKER)
    link = outbox_links(settings, "/activate")[-1]
    assert (await activate_via_pages(client, link)).status == 303
    assert (await sign_in_via_page(client, CITIZEN["email"], "Attacker123")).status == 303


async def test_registering_a_taken_address_looks_like_success_and_tells_the_owner(
    client: TestClient[Any, Any], settings: Settings, db: Database
) -> None:
    await registered_citizen(client, settings)
    client.session.cookie_jar.clear()
    fresh = await register_via_pages(client, email="new@example.ru", phone="+79120000001")
    fresh_text = await fresh.text()
    before = await _user(db, CITIZEN["email"])

    taken = await register_via_pages(client, **ATTACKER)
    assert taken.status == fresh.status == 200
    assert (await taken.text()).replace(CITIZEN["email"], "new@example.ru") == fresh_text.replace(
        "maria@example.ru", "new@example.ru"
    )
    after = await _user(db, CITIZEN["email"])
    assert (after.password_hash, after.phone) == (before.password_hash, before.phone)
    notice = _letters_to(settings, CITIZEN["email"])[-1]
    assert "попытался зарегистрироваться" in notice
    assert "/password-reset" in notice
    assert "/activate" not in notice


async def test_registering_a_taken_phone_looks_like_success_and_tells_the_owner(
    client: TestClient[Any, Any], settings: Settings, db: Database
) -> None:
    await registered_citizen(client, settings)
    client.session.cookie_jar.clear()
    response = await register_via_pages(client, email="other@example.ru")
    assert response.status == 200
    assert "other@example.ru" in await response.text()
    notice = _letters_to(settings, CITIZEN["email"])[-1]
    assert "номером телефона" in notice
    assert _letters_to(settings, "other@example.ru") == []
    async with db.session() as session:
        found = await session.execute(select(User).where(User.email == "other@example.ru"))
        assert found.scalar_one_or_none() is None
    owner = await _user(db, CITIZEN["email"])
    assert owner.phone == "+79123456789", "the owner keeps the phone"


async def test_a_notice_to_a_nameless_account_has_a_proper_greeting(
    client: TestClient[Any, Any], settings: Settings, admin: User
) -> None:
    assert admin.email
    assert (await register_via_pages(client, email=admin.email)).status == 200
    (notice,) = _letters_to(settings, admin.email)
    assert notice.startswith("Здравствуйте!")
    assert "Здравствуйте, !" not in notice
