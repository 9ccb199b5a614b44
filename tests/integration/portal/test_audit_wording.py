"""The personal-data audit page speaks the page's language: what was seen is worded in
Russian (English through the switch), whatever wording the record was stored with."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from config import Settings
from portal import migrate
from portal.adapters.orm import AuditRecord, User
from portal.adapters.passwords import hash_password
from portal.domain.roles import Role
from portal.http.context import DATABASE
from reception.app import create_app

Client = TestClient[Any, Any]
pytestmark = pytest.mark.timeout(60)
STORED = [
    "file of 2024-000001",
    "archive of 2024-000001",
    "pdf of 2024-000001",
    "appeal 2024-000001",
    "профиль гражданина",
]


@pytest.fixture
async def client(settings: Settings, aiohttp_client: Callable[..., Awaitable[Client]]) -> Client:
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    app = create_app(settings)
    async with app[DATABASE].session() as session, session.begin():
        admin = User(
            login="root",
            password_hash=hash_password("Audit1234"),
            roles=[Role.ADMIN.value],
            surname="Админ",
            name="Тест",
        )
        citizen = User(
            email="c@example.ru",
            phone="+79000000055",
            password_hash=hash_password("Audit1234"),
            roles=[Role.CITIZEN.value],
            surname="Гражданин",
            name="Тест",
        )
        session.add_all([admin, citizen])
        await session.flush()
        session.add_all(
            AuditRecord(actor_id=admin.id, citizen_id=citizen.id, what=what) for what in STORED
        )
    client = await aiohttp_client(app)
    csrf = (await (await client.get("/api/v1/session")).json())["csrf_token"]
    response = await client.post(
        "/api/v1/auth/staff-login",
        json={"login": "root", "password": "Audit1234"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 200
    return client


async def test_the_audit_page_is_worded_in_russian(client: Client) -> None:
    page = await (await client.get("/admin/audit")).text()
    for english in ("file of", "archive of", "pdf of", "appeal 2024"):
        assert english not in page
    for russian in (
        "Файл заявки 2024-000001",
        "Архив заявки 2024-000001",
        "PDF заявки 2024-000001",
        "Заявка 2024-000001",
        "Профиль гражданина",
    ):
        assert russian in page


async def test_the_audit_page_in_english(client: Client) -> None:
    client.session.cookie_jar.update_cookies({"lang": "en"})
    page = await (await client.get("/admin/audit")).text()
    for english in (
        "File of appeal 2024-000001",
        "Archive of appeal 2024-000001",
        "PDF of appeal 2024-000001",
        "Appeal 2024-000001",
        "Citizen profile",
    ):
        assert english in page
    assert "профиль гражданина" not in page
