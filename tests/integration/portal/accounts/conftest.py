"""An app on a migrated SQLite database with a movable clock, and a client for it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from config import Settings
from portal import migrate
from portal.adapters.db import Database
from portal.adapters.mail import list_outbox
from portal.adapters.orm import User
from portal.http.context import CLOCK, DATABASE
from portal.services.accounts import create_admin
from reception.app import create_app
from tests.integration.portal.conftest import MovableClock


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, settings: Settings) -> tuple[str, str | None]:
    """(database url, schema): the SQLite file, then a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return settings.database_url, None
    url, schema = request.getfixturevalue("postgres_url")
    return url, schema


@pytest.fixture
async def app(
    backend: tuple[str, str | None], settings: Settings, clock: MovableClock
) -> AsyncIterator[web.Application]:
    """The whole node on a freshly migrated database."""
    url, schema = backend
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    application = create_app(settings)
    application[CLOCK] = clock
    if schema is None:
        yield application
        return
    application[DATABASE] = Database(url, schema=schema)
    yield application
    await application[DATABASE].close()


@pytest.fixture
async def client(
    app: web.Application, aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]
) -> TestClient[Any, Any]:
    return await aiohttp_client(app)


def solve(page: str) -> str:
    """Answer the human-check question found in a page or a JSON answer."""
    match = re.search(r"(\d+) \+ (\d+)", page)
    assert match, "no human-check question on the page"
    return str(int(match.group(1)) + int(match.group(2)))


def csrf_of(page: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', page)
    assert match, "no CSRF field in the form"
    return match.group(1)


def outbox_links(settings: Settings, path: str) -> list[str]:
    """Links to `path` in the outbox letters, oldest first."""
    mails = sorted(list_outbox(settings.outbox_dir), key=lambda m: m.name)
    pattern = re.compile(r"https?://\S+" + re.escape(path) + r"\?token=\S+")
    return [m for mail in mails for m in pattern.findall(mail.text)]


CITIZEN = {
    "surname": "Иванова",
    "name": "Мария",
    "patronymic": "Петровна",
    "email": "maria@example.ru",
    "phone": "+7 912 345-67-89",
    "password": "Secret123",
    "password_again": "Secret123",
    "consent": "on",
}
COMPLETE_PROFILE = {
    "surname": "Иванова",
    "name": "Мария",
    "patronymic": "Петровна",
    "birth_date": "1980-05-17",
    "phone": "+79123456789",
    "postal_index": "620000",
    "region": "Свердловская область",
    "district": "",
    "city": "Екатеринбург",
    "street": "Ленина",
    "house": "1",
    "building": "",
    "flat": "5",
    "snils": "112-233-445 95",
}


async def register_via_pages(client: TestClient[Any, Any], **changes: str) -> Any:
    page = await (await client.get("/register")).text()
    form = {**CITIZEN, **changes, "_csrf": csrf_of(page), "human_check": solve(page)}
    return await client.post("/register", data=form)


async def activate_via_pages(client: TestClient[Any, Any], link: str) -> Any:
    page = await (await client.get(link[link.index("/activate") :])).text()
    token = link.split("token=", 1)[1]
    return await client.post(
        "/activate", data={"token": token, "_csrf": csrf_of(page)}, allow_redirects=False
    )


async def sign_in_via_page(
    client: TestClient[Any, Any], login: str, password: str, staff: bool = False
) -> Any:
    path = "/staff/login" if staff else "/login"
    page = await (await client.get(path)).text()
    return await client.post(
        path,
        data={"login": login, "password": password, "_csrf": csrf_of(page)},
        allow_redirects=False,
    )


async def registered_citizen(
    client: TestClient[Any, Any], settings: Settings, **changes: str
) -> None:
    """Register, activate and sign in through the pages."""
    response = await register_via_pages(client, **changes)
    assert response.status == 200, await response.text()
    link = outbox_links(settings, "/activate")[-1]
    assert (await activate_via_pages(client, link)).status == 303
    email = changes.get("email", CITIZEN["email"])
    password = changes.get("password", CITIZEN["password"])
    assert (await sign_in_via_page(client, email, password)).status == 303


@pytest.fixture
async def db(app: web.Application) -> Database:
    return app[DATABASE]


@pytest.fixture
async def admin(db: Database) -> User:
    return await create_admin(db, "admin", "Admin1234", "admin@example.ru")
