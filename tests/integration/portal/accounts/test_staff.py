"""The «Для сотрудников» entrance, staff administration, subscriptions, outbox, audit log."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from config import Settings
from portal.adapters.db import Database
from portal.adapters.orm import AuditRecord, User
from portal.domain.appeals import AppealDraft
from portal.http.appeals_request import STORE
from portal.http.context import CLOCK
from portal.services import appeals, reference, staff
from portal.services.appeals import AppealsDeps
from portal.services.reference import Kind
from tests.integration.portal.accounts.conftest import (
    csrf_of,
    registered_citizen,
    sign_in_via_page,
)

STAFF_FORM = {
    "login": "petrov",
    "surname": "Петров",
    "name": "Павел",
    "patronymic": "",
    "email": "petrov@example.ru",
    "roles": ["department", "organizer"],
    "is_active": "on",
    "password": "Officer123",
}


async def _as_admin(client: TestClient[Any, Any]) -> None:
    response = await sign_in_via_page(client, "admin", "Admin1234", staff=True)
    assert response.status == 303
    assert response.headers["Location"] == "/staff"


async def _create_staff(client: TestClient[Any, Any], **changes: Any) -> Any:
    page = await (await client.get("/admin/staff/new")).text()
    form: list[tuple[str, str]] = [("_csrf", csrf_of(page))]
    for key, value in {**STAFF_FORM, **changes}.items():
        for item in value if isinstance(value, list) else [value]:
            form.append((key, item))
    return await client.post("/admin/staff/new", data=form, allow_redirects=False)


async def test_admin_creates_a_staff_account_with_several_roles(
    client: TestClient[Any, Any], admin: User, db: Database
) -> None:
    await _as_admin(client)
    assert (await _create_staff(client)).status == 303
    listing = await (await client.get("/admin/staff")).text()
    assert "petrov" in listing
    assert "Ответственное ведомство" in listing
    async with db.session() as session:
        petrov = (await session.execute(select(User).where(User.login == "petrov"))).scalar_one()
    assert sorted(petrov.roles) == ["department", "organizer"]

    client.session.cookie_jar.clear()
    assert (await sign_in_via_page(client, "petrov", "Officer123", staff=True)).status == 303
    home = await (await client.get("/staff")).text()
    assert "Петров Павел" in home


async def test_staff_form_refuses_bad_input_and_keeps_it(
    client: TestClient[Any, Any], admin: User
) -> None:
    await _as_admin(client)
    response = await _create_staff(client, roles=[], password="weak", login="admin")
    assert response.status == 422
    text = await response.text()
    assert "хотя бы одну роль" in text
    assert "не менее 8 символов" in text
    response = await _create_staff(client, login="admin")
    assert response.status == 422
    assert "уже занят" in await response.text()


async def test_admin_cannot_lock_themselves_out(client: TestClient[Any, Any], admin: User) -> None:
    await _as_admin(client)
    page = await (await client.get(f"/admin/staff/{admin.id}")).text()
    response = await client.post(
        f"/admin/staff/{admin.id}",
        data={
            "_csrf": csrf_of(page),
            "login": "admin",
            "surname": "Админ",
            "name": "Главный",
            "roles": "department",
            "is_active": "on",
        },
    )
    assert response.status == 422
    assert "Нельзя снять с себя роль администратора" in await response.text()


async def test_blocking_a_staff_account_ends_its_sessions(
    client: TestClient[Any, Any], admin: User, db: Database, aiohttp_client: Any, app: Any
) -> None:
    await _as_admin(client)
    await _create_staff(client)
    officer = await aiohttp_client(app)
    assert (await sign_in_via_page(officer, "petrov", "Officer123", staff=True)).status == 303
    assert (await officer.get("/staff", allow_redirects=False)).status == 200

    async with db.session() as session:
        petrov = (await session.execute(select(User).where(User.login == "petrov"))).scalar_one()
    page = await (await client.get(f"/admin/staff/{petrov.id}")).text()
    form = [(k, v) for k, v in STAFF_FORM.items() if k not in ("is_active", "roles", "password")]
    form += [("roles", "department"), ("_csrf", csrf_of(page))]
    saved = await client.post(f"/admin/staff/{petrov.id}", data=form, allow_redirects=False)
    assert saved.status == 303

    assert (await officer.get("/staff", allow_redirects=False)).status == 303
    refused = await sign_in_via_page(officer, "petrov", "Officer123", staff=True)
    assert refused.status == 422
    assert "заблокирована" in await refused.text()


async def test_entrances_are_separate(
    client: TestClient[Any, Any], settings: Settings, admin: User
) -> None:
    await registered_citizen(client, settings)
    client.session.cookie_jar.clear()
    # A citizen cannot use the staff entrance, nor staff the citizens' one.
    assert (
        await sign_in_via_page(client, "maria@example.ru", "Secret123", staff=True)
    ).status == 422
    assert (await sign_in_via_page(client, "admin", "Admin1234")).status == 422
    assert (await sign_in_via_page(client, "admin@example.ru", "Admin1234")).status == 422


async def test_staff_subscribe_to_new_appeal_mail(
    client: TestClient[Any, Any], admin: User, db: Database
) -> None:
    await _as_admin(client)
    await _create_staff(client)
    await _create_staff(client, login="sidorov", email="sidorov@example.ru")
    client.session.cookie_jar.clear()
    await sign_in_via_page(client, "petrov", "Officer123", staff=True)
    page = await (await client.get("/staff/settings")).text()
    saved = await client.post(
        "/staff/settings",
        data={"notify_new_appeals": "on", "_csrf": csrf_of(page)},
        allow_redirects=False,
    )
    assert saved.status == 303

    async with db.session() as session:
        subscribed = await session.execute(
            select(User.login).where(User.notify_new_appeals.is_(True))
        )
        assert [login for (login,) in subscribed] == ["petrov"]
    page = await (await client.get("/staff/settings")).text()
    assert 'name="notify_new_appeals" checked' in page


async def test_outbox_page_shows_mail_to_the_admin_only(
    client: TestClient[Any, Any], admin: User, settings: Settings
) -> None:
    await registered_citizen(client, settings)
    assert (await client.get("/admin/outbox")).status == 403
    client.session.cookie_jar.clear()
    await _as_admin(client)
    page = await (await client.get("/admin/outbox")).text()
    assert "maria@example.ru" in page
    assert "Подтверждение регистрации" in page
    name = page.split('href="/admin/outbox/', 1)[1].split('"', 1)[0]
    mail = await (await client.get(f"/admin/outbox/{name}")).text()
    assert "/activate?token=" in mail
    assert (await client.get("/admin/outbox/..%2Fsecrets.json")).status == 404


async def test_staff_access_to_a_citizen_profile_is_audited(
    client: TestClient[Any, Any],
    app: web.Application,
    admin: User,
    db: Database,
    settings: Settings,
) -> None:
    await registered_citizen(client, settings)
    async with db.session() as session:
        citizen = (
            await session.execute(select(User).where(User.email == "maria@example.ru"))
        ).scalar_one()
    # Staff read a profile only while one of the citizen's appeals is theirs to work on:
    # the citizen completes the profile and files one.
    async with db.session() as session, session.begin():
        citizen = await session.merge(citizen)
        citizen.birth_date = date(1980, 5, 17)
        citizen.postal_index, citizen.region = "620000", "Свердловская область"
        citizen.city, citizen.street, citizen.house = "Екатеринбург", "Ленина", "1"
        citizen.snils = "112-233-445 95"
    topic = (await reference.save_entry(db, Kind.TOPICS, "Дороги")).id
    place = (await reference.save_entry(db, Kind.MUNICIPALITIES, "г. Екатеринбург")).id
    deps = AppealsDeps(db, app[STORE], app[CLOCK], None, "http://reception.test")
    draft = AppealDraft(topic, place, "Яма", "ул. Мира", "Яма на дороге", consent=True)
    await appeals.file_appeal(deps, citizen, draft, [])
    # The citizen's own look at their data is not an audited access, and the staff page
    # is closed to them.
    assert (await client.get(f"/staff/citizens/{citizen.id}")).status == 403
    client.session.cookie_jar.clear()
    await _as_admin(client)
    await _create_staff(client)
    client.session.cookie_jar.clear()
    await sign_in_via_page(client, "petrov", "Officer123", staff=True)
    page = await (await client.get(f"/staff/citizens/{citizen.id}")).text()
    assert "maria@example.ru" in page
    async with db.session() as session:
        records = list((await session.execute(select(AuditRecord))).scalars())
    assert len(records) == 1
    assert records[0].citizen_id == citizen.id
    assert records[0].what == "профиль гражданина"

    client.session.cookie_jar.clear()
    await _as_admin(client)
    audit = await (await client.get("/admin/audit")).text()
    assert "petrov" in audit
    assert "Иванова Мария" in audit
    # Shown on the reception's clock (Europe/Moscow by default), and said so.
    moscow = records[0].at.replace(tzinfo=records[0].at.tzinfo or UTC) + timedelta(hours=3)
    assert f"{moscow:%d.%m.%Y %H:%M:%S}" in audit
    assert "Когда (МСК)" in audit


async def test_admin_ties_a_department_officer_to_departments(
    client: TestClient[Any, Any], admin: User, db: Database
) -> None:
    """The scope of a department officer (SPEC §7) is set where the account is kept: the
    staff form's department boxes on the page, `department_ids` in the API. The list
    accepts only existing departments, and an account without the department role keeps
    none."""
    first = (await reference.save_entry(db, Kind.DEPARTMENTS, "Министерство А")).id
    second = (await reference.save_entry(db, Kind.DEPARTMENTS, "Министерство Б")).id
    await _as_admin(client)
    assert "Министерство Б" in await (await client.get("/admin/staff/new")).text()
    assert (await _create_staff(client, departments=[str(first)])).status == 303
    async with db.session() as session:
        petrov = (await session.execute(select(User).where(User.login == "petrov"))).scalar_one()
    assert await staff.staff_departments(db, petrov.id) == [first]
    page = await (await client.get(f"/admin/staff/{petrov.id}")).text()
    assert f'name="departments" value="{first}" checked' in page
    assert f'name="departments" value="{second}" >' in page

    refused = await _create_staff(
        client, login="ivanov", email="ivanov@example.ru", departments=["999999"]
    )
    assert refused.status == 422
    assert "Выберите ведомства из списка" in await refused.text()

    csrf = (await (await client.get("/api/v1/session")).json())["csrf_token"]
    body = {
        "login": "petrov",
        "surname": "Петров",
        "name": "Павел",
        "roles": ["department"],
        "department_ids": [first, second],
    }
    changed = await client.put(
        f"/api/v1/admin/staff/{petrov.id}", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert changed.status == 200, await changed.text()
    assert (await changed.json())["department_ids"] == [first, second]
    listed = await (await client.get("/api/v1/admin/staff")).json()
    assert [s["department_ids"] for s in listed["items"] if s["login"] == "petrov"] == [
        [first, second]
    ]

    body |= {"roles": ["organizer"]}
    changed = await client.put(
        f"/api/v1/admin/staff/{petrov.id}", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert (await changed.json())["department_ids"] == []
