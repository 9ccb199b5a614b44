"""Every route of the app, fed odd but possible input by every kind of user, answers with
less than 500 and in the documented shape: the API `{"error": {"code", "message"}}` JSON,
pages the HTML error page.

The routes come from the router (as in the role × route matrix), bodies of API routes from
their registry declarations; one app, one client and one set of signed-in users serve the
whole module, and Hypothesis runs derandomized so CI sees the same inputs every time.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import uvloop
from aiohttp import DummyCookieJar, web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import Settings, load_settings
from portal import migrate
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.api.registry import API_REGISTRIES, ApiRegistry, ApiRoute
from portal.domain.roles import STAFF_ROLES, Role
from portal.http.access import access_of
from portal.http.context import DATABASE
from reception.app import create_app
from tests.integration.portal import sweep_strategies as inputs
from tests.integration.portal.conftest import api_sign_in_cookie

pytestmark = pytest.mark.timeout(600)
PASSWORD = "Sweep1234"
EXAMPLES = int(os.environ.get("SWEEP_EXAMPLES", "8"))
"""Per route; a deeper one-off search: SWEEP_EXAMPLES=100."""
SESSION_ENDING = ("/logout", "/sign-out", "/password")
"""Routes that may end the signed-in session the sweep reuses: swept anonymously only."""
_PARAM = re.compile(r"\(\?P<(\w+)>([^)]*)\)")


@dataclass(frozen=True)
class Who:
    name: str
    signed_in: bool
    cookie: str
    csrf: str


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    params: tuple[tuple[str, bool], ...]
    """Path parameters and whether each is an integer (`\\d+`)."""
    api: ApiRoute | None

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def _settings(data_dir: Path) -> Settings:
    return load_settings(
        environ={},
        overrides={
            "data_dir": str(data_dir),
            "rtc.host_addresses": ["127.0.0.1"],
            "logging.format": "text",
            "logging.level": "ERROR",
            "secrets.session_key": "s" * 40,
            "secrets.token_key": "t" * 40,
        },
    )


def _routes(app: web.Application) -> list[Route]:
    registries: list[ApiRegistry] = app.get(API_REGISTRIES, [])
    declared = {(r.method, r.path): r for registry in registries for r in registry.routes}
    routes = []
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None or access_of(route.handler) is None:
            continue
        info = route.resource.get_info()
        pattern = info["pattern"].pattern if "pattern" in info else ""
        params = tuple(
            (name, regex in (r"\d+", "[0-9]+")) for name, regex in _PARAM.findall(pattern)
        )
        api = next(
            (r for (m, p), r in declared.items() if m == route.method and _same(p, route)),
            None,
        )
        routes.append(Route(route.method, route.resource.canonical, params, api))
    return routes


def _same(declared_path: str, route: web.AbstractRoute) -> bool:
    assert route.resource is not None
    return re.sub(r"\{(\w+)(?::[^}]*)?\}", r"{\1}", declared_path) == route.resource.canonical


ROUTES = _routes(create_app(_settings(Path(tempfile.mkdtemp(prefix="sweep-")))))


@dataclass
class Sweep:
    loop: asyncio.AbstractEventLoop
    client: TestClient[Any, Any]
    people: list[Who]

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)


async def _sign_in(client: TestClient[Any, Any], login: str, staff: bool) -> Who:
    cookie, csrf = await api_sign_in_cookie(client, login, PASSWORD, staff=staff)
    return Who(login, True, cookie, csrf)


async def _start(data_dir: Path) -> tuple[TestClient[Any, Any], list[Who]]:
    settings = _settings(data_dir)
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    app = create_app(settings)
    client = TestClient(TestServer(app), cookie_jar=DummyCookieJar())
    await client.start_server()
    async with app[DATABASE].session() as session, session.begin():
        session.add(
            User(
                email="sweep@example.ru",
                phone="+79000000099",
                password_hash=hash_password(PASSWORD),
                roles=[Role.CITIZEN.value],
                surname="Проверкин",
                name="Тест",
            )
        )
        for role in sorted(STAFF_ROLES):
            session.add(
                User(
                    login=f"sweep-{role.value}",
                    password_hash=hash_password(PASSWORD),
                    roles=[role.value],
                    surname=role.value,
                    name="Staff",
                )
            )
    anonymous = await client.get("/api/v1/session")
    people = [
        Who(
            "anonymous",
            False,
            anonymous.cookies["session"].value,
            (await anonymous.json())["csrf_token"],
        ),
        await _sign_in(client, "sweep@example.ru", staff=False),
    ]
    for role in sorted(STAFF_ROLES):
        people.append(await _sign_in(client, f"sweep-{role.value}", staff=True))
    return client, people


@pytest.fixture(scope="module")
def sweep() -> Iterator[Sweep]:
    loop = uvloop.new_event_loop()
    with tempfile.TemporaryDirectory(prefix="sweep-") as data_dir:
        client, people = loop.run_until_complete(_start(Path(data_dir)))
        yield Sweep(loop, client, people)
        loop.run_until_complete(client.close())
    loop.close()


@dataclass(frozen=True)
class Request:
    path: str
    query: list[tuple[str, str]]
    body: inputs.Body | None


@st.composite
def requests(draw: st.DrawFn, route: Route) -> Request:
    path = route.template
    for name, integer in route.params:
        path = path.replace("{" + name + "}", draw(inputs.path_values(integer)), 1)
    keys: list[str] = []
    if route.api is not None and route.api.query_model is not None:
        keys = list(route.api.query_model.model_fields)
    query = draw(inputs.queries(keys))
    body = None
    if route.method not in ("GET", "DELETE"):
        if route.api is not None:
            fields = list(route.api.request_model.model_fields) if route.api.request_model else []
            body = draw(inputs.json_bodies(fields))
        else:
            body = draw(inputs.page_bodies())
    return Request(path, query, body)


def _problem(route: Route, status: int, content_type: str, text: str) -> str | None:
    if status >= 500:
        return f"HTTP {status}"
    if status < 400:
        return None
    if route.template.startswith("/api/"):
        try:
            import json

            error = json.loads(text)["error"]
        except (ValueError, KeyError, TypeError):
            return f"HTTP {status} without the error JSON: {text[:200]!r}"
        if not (isinstance(error.get("code"), str) and isinstance(error.get("message"), str)):
            return f"HTTP {status} with a malformed error: {error!r}"
        return None
    if content_type != "text/html" or "<html" not in text:
        return f"HTTP {status} is not the error page: {content_type} {text[:200]!r}"
    return None


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_odd_input_never_breaks_a_route(sweep: Sweep, route: Route) -> None:
    people = [
        who
        for who in sweep.people
        if not (who.signed_in and any(part in route.template for part in SESSION_ENDING))
    ]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=requests(route), who=st.sampled_from(people))
    def check(request: Request, who: Who) -> None:
        query = list(request.query)
        headers = {"Cookie": f"session={who.cookie}", "X-CSRF-Token": who.csrf}
        data: bytes | None = None
        if request.body is not None:
            data = request.body.data
            if request.body.content_type:
                headers["Content-Type"] = request.body.content_type
            if route.api is None:
                query.append(("_csrf", who.csrf))
                if request.body.content_type == "application/x-www-form-urlencoded":
                    data += b"&_csrf=" + who.csrf.encode()
        url = request.path + ("?" + urlencode(query) if query else "")

        async def send() -> tuple[int, str, str]:
            response = await sweep.client.request(
                route.method,
                url,
                data=data,
                headers=headers,
                allow_redirects=False,
                skip_auto_headers=["Content-Type"] if data is not None else (),
            )
            return response.status, response.content_type, await response.text("utf-8", "replace")

        status, content_type, text = sweep.run(send())
        problem = _problem(route, status, content_type, text)
        assert problem is None, f"{who.name}: {route.method} {url} -> {problem}"

    check()
