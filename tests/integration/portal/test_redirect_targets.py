"""Every redirect target taken from a request keeps the browser on this site: sign-in's
`next`, the accessibility page's `next`, the language switch's Referer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from config import Settings
from portal import migrate
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.domain.roles import Role
from portal.http.context import DATABASE
from reception.app import create_app
from tests.integration.portal.accounts.conftest import csrf_of

Client = TestClient[Any, Any]
pytestmark = pytest.mark.timeout(60)

HOSTILE = [
    "//evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/%2F/evil.example",
    "/.//evil.example",
    "/\uff0fevil.example",
    "https:evil.example",
]


@pytest.fixture
async def client(settings: Settings, aiohttp_client: Callable[..., Awaitable[Client]]) -> Client:
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    app = create_app(settings)
    async with app[DATABASE].session() as session, session.begin():
        session.add(
            User(
                email="next@example.ru",
                phone="+79000000077",
                password_hash=hash_password("Next12345"),
                roles=[Role.CITIZEN.value],
                surname="Тест",
                name="Тест",
            )
        )
    return await aiohttp_client(app)


@pytest.mark.parametrize("target", HOSTILE)
async def test_sign_in_next_stays_on_this_site(client: Client, target: str) -> None:
    client.session.cookie_jar.clear()
    page = await (await client.get("/login")).text()
    response = await client.post(
        "/login",
        params={"next": target},
        data={"login": "next@example.ru", "password": "Next12345", "_csrf": csrf_of(page)},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/appeals"


@pytest.mark.parametrize("target", HOSTILE)
async def test_accessibility_next_stays_on_this_site(client: Client, target: str) -> None:
    page = await (await client.get("/accessibility", params={"next": target})).text()
    assert 'action="/accessibility?next=/"' in page
    response = await client.post(
        "/accessibility",
        params={"next": target},
        data={"action": "on", "_csrf": csrf_of(page)},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/accessibility"


@pytest.mark.parametrize(
    ("referer", "expected"),
    [
        ("http://evil.example/appeals", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("{origin}.evil.example/", "/"),
        ("{origin}//evil.example", "/"),
        ("{origin}/appeals?page=2", "/appeals?page=2"),
        ("/profile", "/profile"),
        ("http://[::1", "/"),
    ],
)
async def test_language_switch_goes_back_only_within_this_site(
    client: Client, referer: str, expected: str
) -> None:
    origin = str(client.make_url("/")).rstrip("/")
    response = await client.get(
        "/lang/en", headers={"Referer": referer.format(origin=origin)}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == expected
