"""The web kernel: sessions, CSRF, error shapes, access declarations, the OpenAPI document."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient


async def test_session_endpoint_issues_a_csrf_token_and_a_session_cookie(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/api/v1/session")
    assert response.status == 200
    body = await response.json()
    assert body["user"] is None
    assert len(body["csrf_token"]) > 30
    cookie = response.cookies["session"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    again = await (await client.get("/api/v1/session")).json()
    assert again["csrf_token"] == body["csrf_token"]


async def test_a_forged_session_cookie_is_ignored(client: TestClient[Any, Any]) -> None:
    first = await (await client.get("/api/v1/session")).json()
    value = client.session.cookie_jar.filter_cookies(client.make_url("/"))["session"].value
    forged = value[:-2] + ("AB" if value.endswith("AA") else "AA")
    client.session.cookie_jar.update_cookies({"session": forged}, client.make_url("/"))
    second = await (await client.get("/api/v1/session")).json()
    assert second["csrf_token"] != first["csrf_token"]


async def test_post_without_csrf_token_is_refused(client: TestClient[Any, Any]) -> None:
    await client.get("/api/v1/session")
    response = await client.post("/accessibility", data={"action": "on"}, allow_redirects=False)
    assert response.status == 403
    assert "Форма устарела" in await response.text()


async def test_post_with_csrf_field_passes(client: TestClient[Any, Any]) -> None:
    token = (await (await client.get("/api/v1/session")).json())["csrf_token"]
    response = await client.post(
        "/accessibility", data={"action": "on", "_csrf": token}, allow_redirects=False
    )
    assert response.status == 303


async def test_api_errors_are_json(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
    response = await client.post("/api/v1/session")
    assert response.status in (403, 405)
    assert "error" in await response.json()


async def test_openapi_document_describes_the_api(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    doc = await response.json()
    assert doc["openapi"].startswith("3.1")
    operation = doc["paths"]["/api/v1/session"]["get"]
    assert operation["security"] == []
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"]
    assert "ErrorResponse" in doc["components"]["schemas"]


async def test_security_headers_on_pages_errors_and_api(client: TestClient[Any, Any]) -> None:
    for path in ("/login", "/api/v1/session", "/no-such-page", "/profile"):
        response = await client.get(path, allow_redirects=False)
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "same-origin", path
