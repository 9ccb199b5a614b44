"""Appeals fixtures: the app on SQLite (pages and API), a service context on SQLite or
PostgreSQL, people with the roles the flows need, and reference data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from config import Settings
from portal import migrate
from portal.adapters.db import Database
from portal.adapters.mail import Mailer, list_outbox
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.adapters.storage import BlobStore
from portal.domain.roles import Role
from portal.http.context import CLOCK, DATABASE
from portal.services import reference
from portal.services.appeals import AppealsDeps
from portal.services.reference import Kind
from reception.app import create_app
from tests.integration.portal.conftest import MovableClock

PASSWORD = "Secret123"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def snils_for(seed: str) -> str:
    """A valid SNILS of its own per account: the number is unique across accounts."""
    digits = f"{abs(hash(seed)) % 10**9:09d}"
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits))
    check = total if total < 100 else 0 if total in (100, 101) else total % 101 % 100
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]} {check:02d}"


async def add_user(
    db: Database, *, email: str, roles: list[Role], login: str | None = None, **fields: Any
) -> User:
    """A ready account: citizens with a complete profile unless told otherwise."""
    values: dict[str, Any] = {
        "surname": "Иванова",
        "name": "Мария",
        "patronymic": "Петровна",
        "phone": f"+7912{abs(hash(email)) % 10**7:07d}",
        "birth_date": date(1980, 5, 17),
        "postal_index": "620000",
        "region": "Свердловская область",
        "city": "Екатеринбург",
        "street": "Ленина",
        "house": "1",
        "snils": snils_for(email),
        "consent_at": datetime.now(UTC),
    }
    values.update(fields)
    user = User(
        login=login,
        email=email,
        password_hash=hash_password(PASSWORD),
        roles=[r.value for r in roles],
        is_active=True,
        **values,
    )
    async with db.session() as session, session.begin():
        session.add(user)
    return user


@dataclass
class Reference:
    topic: int
    other_topic: int
    municipality: int
    department: int
    other_department: int
    template: int
    """«Ответ без участия в приеме», seeded by the migration."""


async def add_reference(db: Database) -> Reference:
    def save(kind: Kind, name: str) -> Awaitable[reference.Entry]:
        return reference.save_entry(db, kind, name)

    templates = {t.title: t.id for t in await reference.templates(db)}
    return Reference(
        topic=(await save(Kind.TOPICS, "Жилищно-коммунальное хозяйство")).id,
        other_topic=(await save(Kind.TOPICS, "Дороги")).id,
        municipality=(await save(Kind.MUNICIPALITIES, "г. Екатеринбург")).id,
        department=(await save(Kind.DEPARTMENTS, "Министерство ЖКХ")).id,
        other_department=(await save(Kind.DEPARTMENTS, "Министерство транспорта")).id,
        template=templates["Ответ без участия в приеме"],
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest) -> Database:
    """The use cases run against both databases the portal supports."""
    fixture = "sqlite_db" if request.param == "sqlite" else "postgres_db"
    db: Database = request.getfixturevalue(fixture)
    return db


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def deps(
    any_db: Database, tmp_path: Path, clock: MovableClock, settings: Settings, outbox: Path
) -> AppealsDeps:
    return AppealsDeps(
        db=any_db,
        store=BlobStore(tmp_path / "uploads"),
        clock=clock,
        mailer=Mailer(settings.mail, outbox),
        public_url="http://reception.test",
    )


def letters(outbox: Path, to: str) -> list[str]:
    return [f"{m.subject}\n{m.text}" for m in list_outbox(outbox) if m.to == to]


# --- the whole app over HTTP (SQLite) ------------------------------------------------------


@pytest.fixture
async def app(settings: Settings, clock: MovableClock) -> web.Application:
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    application = create_app(settings)
    application[CLOCK] = clock
    return application


@pytest.fixture
def app_db(app: web.Application) -> Database:
    return app[DATABASE]


ClientFactory = Callable[[], Awaitable[TestClient[Any, Any]]]


@pytest.fixture
async def new_client(
    app: web.Application, aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]
) -> AsyncIterator[ClientFactory]:
    """A fresh client (own cookie jar) per person; all on the same server."""
    first = await aiohttp_client(app)
    extra: list[TestClient[Any, Any]] = []
    handed_first = False

    async def make() -> TestClient[Any, Any]:
        nonlocal handed_first
        if not handed_first:
            handed_first = True
            return first
        client: TestClient[Any, Any] = TestClient(first.server)
        await client.start_server()
        extra.append(client)
        return client

    yield make
    for client in extra:
        await client.session.close()


async def api_sign_in(client: TestClient[Any, Any], login: str, staff: bool = False) -> str:
    """Sign in through the API; returns the CSRF token for the X-CSRF-Token header."""
    session = await (await client.get("/api/v1/session")).json()
    path = "/api/v1/auth/staff-login" if staff else "/api/v1/auth/login"
    response = await client.post(
        path,
        json={"login": login, "password": PASSWORD},
        headers={"X-CSRF-Token": session["csrf_token"]},
    )
    assert response.status == 200, await response.text()
    token: str = (await response.json())["csrf_token"]
    return token


@pytest.fixture
async def people(app_db: Database) -> dict[str, User]:
    return {
        "citizen": await add_user(app_db, email="maria@example.ru", roles=[Role.CITIZEN]),
        "other": await add_user(
            app_db, email="petr@example.ru", roles=[Role.CITIZEN], surname="Петров", name="Петр"
        ),
        "officer": await add_user(
            app_db,
            email="officer@example.ru",
            login="officer",
            roles=[Role.DEPARTMENT],
            surname="Сидоров",
            name="Олег",
            notify_new_appeals=True,
        ),
        "organizer": await add_user(
            app_db, email="org@example.ru", login="organizer", roles=[Role.ORGANIZER]
        ),
        "admin": await add_user(app_db, email="adm@example.ru", login="admin", roles=[Role.ADMIN]),
    }


@pytest.fixture
async def refs(app_db: Database) -> Reference:
    return await add_reference(app_db)
