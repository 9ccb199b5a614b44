"""aiohttp's own errors (no such route, a method the route lacks, a body over the limit)
answer like the portal's: the Russian or English error page, or the documented JSON."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from config import Settings
from portal import migrate
from reception.app import create_app

Client = TestClient[Any, Any]
pytestmark = pytest.mark.timeout(60)
ENGLISH_DEFAULTS = ("Not Found", "Method Not Allowed", "Request Entity Too Large", "Bad Request")


@pytest.fixture
async def client(settings: Settings, aiohttp_client: Callable[..., Awaitable[Client]]) -> Client:
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    return await aiohttp_client(create_app(settings))


async def _csrf(client: Client) -> str:
    token: str = (await (await client.get("/api/v1/session")).json())["csrf_token"]
    return token


def _no_english_default(body: str) -> None:
    for phrase in ENGLISH_DEFAULTS:
        assert phrase not in body


@pytest.mark.parametrize(
    ("lang", "expected"), [(None, "Страница не найдена."), ("en", "Page not found.")]
)
async def test_unknown_page_is_the_products_page(
    client: Client, lang: str | None, expected: str
) -> None:
    if lang:
        client.session.cookie_jar.update_cookies({"lang": lang})
    response = await client.get("/no-such-page")
    assert response.status == 404
    assert response.content_type == "text/html"
    body = await response.text()
    assert expected in body
    assert "<html" in body
    if lang is None:
        _no_english_default(body)


async def test_wrong_method_on_a_page(client: Client) -> None:
    response = await client.delete("/login", headers={"X-CSRF-Token": await _csrf(client)})
    assert response.status == 405
    assert response.content_type == "text/html"
    body = await response.text()
    assert "Этот адрес не принимает такой запрос." in body
    _no_english_default(body)
    assert "GET" in response.headers["Allow"]


async def test_a_page_body_over_the_limit(client: Client) -> None:
    csrf = await _csrf(client)
    response = await client.post(
        "/login",
        data={"login": "x" * (2 * 1024**2), "_csrf": csrf},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 413
    assert response.content_type == "text/html"
    body = await response.text()
    assert "Слишком большой запрос." in body
    _no_english_default(body)


async def test_unknown_api_route_is_json(client: Client) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status == 404
    assert await response.json() == {
        "error": {"code": "not_found", "message": "Страница не найдена."}
    }
    english = await client.get("/api/v1/no-such-thing", headers={"Accept-Language": "en"})
    assert (await english.json())["error"]["message"] == "Page not found."


async def test_wrong_method_on_the_api_is_json(client: Client) -> None:
    response = await client.put("/api/v1/session", headers={"X-CSRF-Token": await _csrf(client)})
    assert response.status == 405
    error = (await response.json())["error"]
    assert error["code"] == "method_not_allowed"
    assert error["message"] == "Этот адрес не принимает такой запрос."
    assert "GET" in response.headers["Allow"]


async def test_an_api_body_over_the_limit_is_json(client: Client) -> None:
    csrf = await _csrf(client)
    response = await client.post(
        "/api/v1/auth/login",
        json={"login": "x" * (2 * 1024**2), "password": "x"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 413
    error = (await response.json())["error"]
    assert error["code"] == "payload_too_large"
    assert error["message"] == "Тело запроса больше 256 КБ."


async def test_a_handlers_plain_http_error_becomes_the_page(client: Client) -> None:
    response = await client.get("/lang/xx")
    assert response.status == 404
    body = await response.text()
    assert "Страница не найдена." in body
    assert "unknown language" not in body
