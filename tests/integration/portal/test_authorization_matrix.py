"""Role × route: every route of the app, requested by every kind of user.

What each route admits comes from its one declaration (`portal.http.access`); this test
derives the expected outcome from it and checks the server answers accordingly: admitted
users are never turned away (no 401/403, no sign-in redirect), everyone else is (pages send
anonymous visitors to the right sign-in page, the API answers 401; a signed-in user without
the role gets 403). A route without a declaration fails the test, so new routes are covered
as soon as they are mounted.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import DummyCookieJar, FormData, web
from aiohttp.test_utils import TestClient, TestServer

from config import Settings
from portal import migrate
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.domain.appeals import AppealDraft
from portal.domain.roles import STAFF_ROLES, Role
from portal.http.access import Access, access_of
from portal.http.appeals_request import STORE
from portal.http.context import CLOCK, DATABASE
from portal.services import appeals, appeals_processing, reference, staff
from portal.services.appeals import AppealsDeps
from portal.services.reference import Kind
from reception.app import create_app
from tests.integration.portal.appeals.conftest import PASSWORD as STAFF_PASSWORD
from tests.integration.portal.appeals.conftest import add_user
from tests.integration.portal.conftest import api_sign_in_cookie

pytestmark = pytest.mark.timeout(300)

INFRASTRUCTURE = (
    "/healthz",
    "/readyz",
    "/metrics",
    "/static",
    "/favicon.ico",
    "/socket.io/",
    "/conference",
)
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


async def _identity(
    client: TestClient[Any, Any], name: str, roles: frozenset[Role], password: str = PASSWORD
) -> Identity:
    is_staff = not roles <= {Role.CITIZEN}
    login = name if is_staff else f"{name}@example.ru"
    cookie, csrf = await api_sign_in_cookie(client, login, password, staff=is_staff)
    return Identity(name, roles, cookie, csrf)


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


def test_declarations_keep_recordings_to_the_receptions_staff(settings: Settings) -> None:
    """Uploads, withdrawals, downloads and the progress: the roles a reception's staff
    hold (the use cases then check it is this reception's); the archive, the player and
    its media: any signed-in user, never anonymous visitors."""
    routes, _ = portal_routes(create_app(settings))
    by_key = {(r.method, r.template): r.access for r in routes}
    staff = {Role.ORGANIZER, Role.HOST, Role.MODERATOR}
    recording = "/staff/recordings/{reception_id}"
    for key in (
        ("GET", recording),
        ("POST", recording),
        ("POST", recording + "/withdraw"),
        ("GET", recording + "/files/{name}"),
        ("GET", "/api/v1/staff/recordings/{reception_id}"),
    ):
        assert by_key[key].roles == staff, key
    for path in (
        "/recordings",
        "/recordings/{reception_id}",
        "/recordings/{reception_id}/video.webm",
        "/recordings/{reception_id}/video.mp4",
        "/recordings/{reception_id}/chapters.vtt",
        "/api/v1/recordings",
        "/api/v1/recordings/{reception_id}",
    ):
        assert not by_key[("GET", path)].public, path
        assert by_key[("GET", path)].roles is None, path


# --- department scope ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scoped:
    """Two departments, an officer of each, one appeal executed by each (of two citizens)."""

    mine: int
    """The appeal department A executes."""
    theirs: int
    """The appeal department B executes."""
    my_citizen: int
    their_citizen: int
    department: int
    """Department A."""
    topic: int


async def _scoped_world(app: web.Application) -> Scoped:
    db = app[DATABASE]
    topic = (await reference.save_entry(db, Kind.TOPICS, "Дороги")).id
    place = (await reference.save_entry(db, Kind.MUNICIPALITIES, "г. Екатеринбург")).id
    dep_a = (await reference.save_entry(db, Kind.DEPARTMENTS, "Министерство А")).id
    dep_b = (await reference.save_entry(db, Kind.DEPARTMENTS, "Министерство Б")).id
    router = await add_user(db, email="router@example.ru", login="router", roles=[Role.DEPARTMENT])
    for login, department in (("officer_a", dep_a), ("officer_b", dep_b)):
        officer = await add_user(
            db, email=f"{login}@example.ru", login=login, roles=[Role.DEPARTMENT]
        )
        await staff.set_departments(db, officer.id, [department])
    deps = AppealsDeps(db, app[STORE], app[CLOCK], None, "http://reception.test")
    ids = []
    for n, department in enumerate((dep_a, dep_b)):
        citizen = await add_user(db, email=f"scoped{n}@example.ru", roles=[Role.CITIZEN])
        draft = AppealDraft(topic, place, "Яма", "ул. Мира", "Яма на дороге", consent=True)
        appeal = await appeals.file_appeal(deps, citizen, draft, [])
        await appeals_processing.add_executing(deps, appeal.id, router, department, f"{n}/1")
        ids.append((appeal.id, citizen.id))
    return Scoped(ids[0][0], ids[1][0], ids[0][1], ids[1][1], dep_a, topic)


def _scope_refusal(status: int, body: str) -> bool:
    """Out of scope reads like a missing appeal or citizen: 404 with that message."""
    return status == 404 and ("Заявка не найдена" in body or "Гражданин не найден" in body)


async def test_department_officers_reach_only_their_departments_appeals(
    matrix_app: tuple[web.Application, TestClient[Any, Any]],
) -> None:
    """Every appeal and citizen route (pages and API) that admits a department officer,
    asked by the officer of department A: admitted for A's appeal and its citizen,
    refused as "not found" for B's (SPEC §7: staff see what their role needs)."""
    app, client = matrix_app
    world = await _scoped_world(app)
    officer = await _identity(client, "officer_a", frozenset({Role.DEPARTMENT}), STAFF_PASSWORD)
    routes, _ = portal_routes(app)
    scoped = [
        r
        for r in routes
        if ("{appeal_id" in r.template or r.template.startswith("/staff/citizens/"))
        and r.access.admits(frozenset({Role.DEPARTMENT}))
    ]
    assert len(scoped) > 25
    headers = {"Cookie": f"session={officer.cookie}", "X-CSRF-Token": officer.csrf}
    # A body every action accepts, so what answers is the scope, not the validation.
    fields: dict[str, Any] = {
        "comment": "",
        "text": "Ответ",
        "department_id": world.department,
        "sed_number": "1/1",
        "topic_id": world.topic,
        "title": "Яма",
        "attach": "1",
        "attach_to_answer": True,
    }
    problems: list[str] = []
    for route in scoped:
        for own in (True, False):
            if route.template.startswith("/staff/citizens/"):
                target = world.my_citizen if own else world.their_citizen
                path = _PARAM.sub(str(target), route.template)
            else:
                appeal = world.mine if own else world.theirs
                path = re.sub(r"\{appeal_id(?::[^}]*)?\}", str(appeal), route.template)
                path = _PARAM.sub("999999", path)  # no such file, document or template
            kwargs: dict[str, Any] = {"headers": headers, "allow_redirects": False}
            if route.method == "POST" and route.template.endswith("/documents"):
                form = FormData({} if route.is_api else {"_csrf": officer.csrf})
                form.add_field("files", b"plain text", filename="a.txt", content_type="text/plain")
                kwargs["data"] = form
            elif route.method not in ("GET", "DELETE"):
                if route.is_api:
                    kwargs["json"] = fields
                else:
                    kwargs["data"] = {**fields, "_csrf": officer.csrf}
            response = await client.request(route.method, path, **kwargs)
            body = (await response.read()).decode(errors="replace")  # archives, PDFs
            if route.is_api and response.status >= 400:
                error = json.loads(body)["error"]
                assert set(error) >= {"code", "message"}, error
                body = error["message"]
            if own and _scope_refusal(response.status, body):
                problems.append(
                    f"own appeal refused: {route.method} {path} {response.status} {body[-300:]}"
                )
            if not own and not _scope_refusal(response.status, body):
                problems.append(
                    f"other department's reached: {route.method} {path} {response.status}"
                )
            if response.status >= 500:
                problems.append(f"crash: {route.method} {path}")
    assert not problems, "\n".join(problems)


async def test_an_administrator_reads_no_citizen_profile(
    matrix_app: tuple[web.Application, TestClient[Any, Any]],
) -> None:
    app, client = matrix_app
    world = await _scoped_world(app)
    admin = await _identity(client, "admin", frozenset({Role.ADMIN}))
    headers = {"Cookie": f"session={admin.cookie}"}
    page = await client.get(f"/staff/citizens/{world.my_citizen}", headers=headers)
    assert page.status == 403
    api = await client.get(f"/api/v1/appeals/{world.mine}", headers=headers)
    assert api.status == 403
