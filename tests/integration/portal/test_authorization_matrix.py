"""Role × route: every route of the app, requested by every kind of user.

What each route admits comes from its one declaration (`portal.web.access`); this test
derives the expected outcome from it and checks the server answers accordingly: admitted
users are never turned away (no 401/403, no sign-in redirect), everyone else is (pages send
anonymous visitors to the right sign-in page, the API answers 401; a signed-in user without
the role gets 403). A route without a declaration fails the test, so new routes are covered
as soon as they are mounted.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import DummyCookieJar, web
from aiohttp.test_utils import TestClient, TestServer

from config import Settings
from portal import migrate
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.domain.roles import STAFF_ROLES, Role
from portal.web.access import Access, access_of
from portal.web.context import DATABASE
from reception.app import create_app

pytestmark = pytest.mark.timeout(300)

INFRASTRUCTURE = ("/healthz", "/readyz", "/metrics", "/static", "/socket.io/", "/conference")
"""Routes outside the portal, open to everyone by design: probes, assets, and the
conference client and its signaling, where the portal's signed join token admits."""
PASSWORD = "Matrix123"
ENDS_THE_SESSION = (
    "/logout",
    "/api/v1/auth/logout",
    "/api/v1/auth/logout-everywhere",
    "/profile/sign-out-everywhere",
    "/staff/settings/sign-out-everywhere",
)
"""Sessions end on the server: after one of these admitted a user, they sign in again."""
_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


@dataclass(frozen=True)
class Identity:
    name: str
    roles: frozenset[Role] | None
    """None: anonymous."""
    cookie: str = ""
    csrf: str = ""


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    access: Access

    @property
    def path(self) -> str:
        return _PARAM.sub(lambda m: "x" if m.group(1) in ("name", "code") else "1", self.template)

    @property
    def is_api(self) -> bool:
        return self.template.startswith("/api/")


def portal_routes(app: web.Application) -> tuple[list[Route], list[str]]:
    routes, undeclared = [], []
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        template = route.resource.canonical
        declared = access_of(route.handler)
        if declared is None:
            if not template.startswith(INFRASTRUCTURE):
                undeclared.append(f"{route.method} {template}")
            continue
        routes.append(Route(route.method, template, declared))
    return routes, undeclared


async def _identity(client: TestClient[Any, Any], name: str, roles: frozenset[Role]) -> Identity:
    session = await client.get("/api/v1/session")
    csrf = (await session.json())["csrf_token"]
    cookie = session.cookies["session"].value
    staff = not roles <= {Role.CITIZEN}
    response = await client.post(
        "/api/v1/auth/staff-login" if staff else "/api/v1/auth/login",
        json={"login": f"{name}@example.ru" if not staff else name, "password": PASSWORD},
        headers={"X-CSRF-Token": csrf, "Cookie": f"session={cookie}"},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    return Identity(name, roles, response.cookies["session"].value, body["csrf_token"])


@pytest.fixture
async def matrix_app(
    settings: Settings,
) -> AsyncIterator[tuple[web.Application, TestClient[Any, Any]]]:
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    app = create_app(settings)
    client = TestClient(TestServer(app), cookie_jar=DummyCookieJar())
    await client.start_server()
    async with app[DATABASE].session() as session, session.begin():
        session.add(
            User(
                email="citizen@example.ru",
                phone="+79000000000",
                password_hash=hash_password(PASSWORD),
                roles=[Role.CITIZEN.value],
                surname="Гражданин",
                name="Тест",
            )
        )
        for role in sorted(STAFF_ROLES):
            session.add(
                User(
                    login=role.value,
                    password_hash=hash_password(PASSWORD),
                    roles=[role.value],
                    surname=role.value,
                    name="Staff",
                )
            )
    yield app, client
    await client.close()


def _denial(response_status: int, location: str, route: Route, who: Identity) -> str | None:
    """Why this answer is a refusal, or None when the request got through."""
    if response_status in (401, 403):
        return f"HTTP {response_status}"
    if response_status in (302, 303) and re.match(r"^/(staff/)?login\?next=", location):
        return f"redirect to {location}"
    return None


def _refusal_status(route: Route, who: Identity) -> int:
    """Anonymous: 401 from the API, a redirect to sign-in from pages; others: 403."""
    if who.roles is not None:
        return 403
    return 401 if route.is_api else 303


async def test_every_route_admits_exactly_the_declared_roles(
    matrix_app: tuple[web.Application, TestClient[Any, Any]],
) -> None:
    app, client = matrix_app
    routes, undeclared = portal_routes(app)
    assert not undeclared, f"routes without an access declaration: {undeclared}"
    assert len(routes) > 30

    identities = [Identity("anonymous", None)]
    anonymous_session = await client.get("/api/v1/session")
    identities[0] = Identity(
        "anonymous",
        None,
        anonymous_session.cookies["session"].value,
        (await anonymous_session.json())["csrf_token"],
    )
    identities.append(await _identity(client, "citizen", frozenset({Role.CITIZEN})))
    for role in sorted(STAFF_ROLES):
        identities.append(await _identity(client, role.value, frozenset({role})))

    problems: list[str] = []
    checked = 0
    for route in routes:
        for index, who in enumerate(identities):
            headers = {"Cookie": f"session={who.cookie}", "X-CSRF-Token": who.csrf}
            kwargs: dict[str, Any] = {"headers": headers, "allow_redirects": False}
            if route.method not in ("GET", "DELETE"):
                kwargs["json" if route.is_api else "data"] = (
                    {} if route.is_api else {"_csrf": who.csrf}
                )
            response = await client.request(route.method, route.path, **kwargs)
            await response.read()
            refused = _denial(response.status, response.headers.get("Location", ""), route, who)
            expected_in = route.access.admits(who.roles)
            checked += 1
            if expected_in and route.template in ENDS_THE_SESSION and who.roles is not None:
                identities[index] = await _identity(client, who.name, who.roles)
            if expected_in and refused:
                problems.append(f"{who.name} refused on {route.method} {route.template}: {refused}")
            elif not expected_in:
                wanted = _refusal_status(route, who)
                if response.status != wanted or (who.roles is not None and not refused):
                    problems.append(
                        f"{who.name} got {response.status} on {route.method} {route.template},"
                        f" expected {wanted}"
                    )
                if wanted == 303:
                    target = "/staff/login" if route.access.staff_only else "/login"
                    if not response.headers.get("Location", "").startswith(f"{target}?next="):
                        problems.append(
                            f"anonymous on {route.method} {route.template} not sent to {target}"
                        )
            if response.status >= 500:
                problems.append(
                    f"{who.name} crashed {route.method} {route.template}: {response.status}"
                )
    assert not problems, "\n".join(problems)
    assert checked == len(routes) * len(identities)


def test_declarations_cover_the_account_pages_as_intended(settings: Settings) -> None:
    """Spot checks that the declarations themselves say what the product needs."""
    routes, _ = portal_routes(create_app(settings))
    by_key = {(r.method, r.template): r.access for r in routes}
    assert by_key[("GET", "/register")].public
    assert by_key[("GET", "/profile")].roles == {Role.CITIZEN}
    assert by_key[("GET", "/admin/staff")].roles == {Role.ADMIN}
    assert by_key[("GET", "/admin/outbox")].roles == {Role.ADMIN}
    assert by_key[("GET", "/api/v1/admin/staff")].roles == {Role.ADMIN}
    assert by_key[("GET", "/api/v1/openapi.json")].public
    assert Role.CITIZEN not in (by_key[("GET", r"/staff/citizens/{id}")].roles or set())
