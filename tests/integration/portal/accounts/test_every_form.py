"""Every form of every page carries the CSRF token, and every API route is documented."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from config import Settings
from portal.adapters.orm import User
from tests.integration.portal.accounts.conftest import registered_citizen, sign_in_via_page


class Forms(HTMLParser):
    """POST forms of a page: their action and whether a `_csrf` travels with them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            action = a.get("action") or ""
            self._open = {"action": action, "csrf": "_csrf=" in action}
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and a.get("name") == "_csrf":
            self._open["csrf"] = bool(a.get("value"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def _page_paths(client: TestClient[Any, Any]) -> list[str]:
    paths = []
    for route in client.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        if route.method == "GET" and "path" in info and not info["path"].startswith("/api/"):
            paths.append(info["path"])
    return sorted(set(paths))


async def _forms_without_token(client: TestClient[Any, Any]) -> tuple[int, list[str]]:
    seen, missing = 0, []
    for path in _page_paths(client):
        response = await client.get(path, allow_redirects=False)
        if response.content_type != "text/html":
            continue
        parser = Forms()
        parser.feed(await response.text())
        for form in parser.forms:
            seen += 1
            if not form["csrf"]:
                missing.append(f"{path}: form to {form['action']!r}")
    return seen, missing


async def test_every_post_form_carries_the_csrf_token(
    client: TestClient[Any, Any], settings: Settings, admin: User
) -> None:
    total = 0
    seen, missing = await _forms_without_token(client)
    total += seen
    await registered_citizen(client, settings)
    seen, more = await _forms_without_token(client)
    total += seen
    missing += more
    client.session.cookie_jar.clear()
    await sign_in_via_page(client, "admin", "Admin1234", staff=True)
    seen, more = await _forms_without_token(client)
    total += seen
    missing += more
    assert total > 15
    assert not missing, missing


async def test_every_api_route_is_in_a_valid_openapi_document(
    client: TestClient[Any, Any],
) -> None:
    doc = await (await client.get("/api/v1/openapi.json")).json()
    validate(doc)
    documented = {
        (method.upper(), path) for path, operations in doc["paths"].items() for method in operations
    }
    mounted = set()
    for route in client.app.router.routes():
        if route.resource is None or route.method == "HEAD":
            continue
        canonical = route.resource.canonical
        if canonical.startswith("/api/") and canonical != "/api/v1/openapi.json":
            mounted.add((route.method, canonical))
    assert mounted == documented
    for operations in doc["paths"].values():
        for operation in operations.values():
            assert operation["summary"]
            assert operation["responses"]
