"""Staff passwords are reset by an administrator, never through the citizens' form."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from config import Settings
from portal.adapters.db import Database
from portal.adapters.mail import list_outbox
from portal.adapters.orm import AuditRecord, User
from portal.domain.password_rule import password_problems
from tests.integration.portal.accounts.conftest import (
    CITIZEN,
    csrf_of,
    registered_citizen,
    sign_in_via_page,
    solve,
)
from tests.integration.portal.accounts.test_staff import STAFF_FORM, _as_admin, _create_staff


async def _petrov(db: Database) -> User:
    async with db.session() as session:
        return (await session.execute(select(User).where(User.login == "petrov"))).scalar_one()


async def test_a_staff_address_gets_no_reset_link_from_the_citizen_form(
    client: TestClient[Any, Any], settings: Settings, admin: User
) -> None:
    await _as_admin(client)
    assert (await _create_staff(client)).status == 303
    client.session.cookie_jar.clear()
    page = await (await client.get("/password-reset")).text()
    response = await client.post(
        "/password-reset",
        data={"email": STAFF_FORM["email"], "human_check": solve(page), "_csrf": csrf_of(page)},
    )
    assert response.status == 200
    assert list_outbox(settings.outbox_dir) == []


async def test_admin_resets_a_staff_password_which_ends_its_sessions_and_is_audited(
    client: TestClient[Any, Any], admin: User, db: Database, aiohttp_client: Any, app: Any
) -> None:
    await _as_admin(client)
    await _create_staff(client)
    officer = await aiohttp_client(app)
    assert (await sign_in_via_page(officer, "petrov", "Officer123", staff=True)).status == 303
    petrov = await _petrov(db)

    page = await (await client.get(f"/admin/staff/{petrov.id}")).text()
    assert f'action="/admin/staff/{petrov.id}/password-reset"' in page
    response = await client.post(
        f"/admin/staff/{petrov.id}/password-reset", data={"_csrf": csrf_of(page)}
    )
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    shown = re.search(r'id="temporary-password">([^<]+)<', await response.text())
    assert shown, "the new password is shown to the administrator once"
    temporary = shown.group(1)
    assert password_problems(temporary) == []

    assert (await officer.get("/staff", allow_redirects=False)).status == 303, "sessions ended"
    assert (await sign_in_via_page(officer, "petrov", "Officer123", staff=True)).status == 422
    assert (await sign_in_via_page(officer, "petrov", temporary, staff=True)).status == 303

    async with db.session() as session:
        records = list((await session.execute(select(AuditRecord))).scalars())
    assert [(r.actor_id, r.citizen_id) for r in records] == [(admin.id, petrov.id)]
    assert "сброс пароля" in records[0].what


async def test_only_staff_accounts_are_reset_there(
    client: TestClient[Any, Any], admin: User, db: Database, settings: Settings
) -> None:
    await registered_citizen(client, settings)
    async with db.session() as session:
        citizen = (
            await session.execute(select(User).where(User.email == CITIZEN["email"]))
        ).scalar_one()
    page = await (await client.get("/profile")).text()
    refused = await client.post(
        f"/admin/staff/{citizen.id}/password-reset", data={"_csrf": csrf_of(page)}
    )
    assert refused.status == 403, "a citizen may not use it"
    client.session.cookie_jar.clear()
    await _as_admin(client)
    page = await (await client.get("/admin/staff")).text()
    response = await client.post(
        f"/admin/staff/{citizen.id}/password-reset", data={"_csrf": csrf_of(page)}
    )
    assert response.status == 404
    assert (await sign_in_via_page(client, CITIZEN["email"], CITIZEN["password"])).status == 303


async def test_a_password_set_in_the_staff_form_is_audited(
    client: TestClient[Any, Any], admin: User, db: Database
) -> None:
    await _as_admin(client)
    await _create_staff(client)
    petrov = await _petrov(db)
    page = await (await client.get(f"/admin/staff/{petrov.id}")).text()
    form = [(k, v) for k, v in STAFF_FORM.items() if k not in ("roles", "password")]
    form += [("roles", "department"), ("password", "Another123"), ("_csrf", csrf_of(page))]
    saved = await client.post(f"/admin/staff/{petrov.id}", data=form, allow_redirects=False)
    assert saved.status == 303
    async with db.session() as session:
        records = list((await session.execute(select(AuditRecord))).scalars())
    assert [(r.actor_id, r.citizen_id) for r in records] == [(admin.id, petrov.id)]
    assert "пароль" in records[0].what
