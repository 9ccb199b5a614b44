"""Odd but possible input gets the documented 4xx, never a 500: ids beyond any column,
deep or broken JSON, other content types and charsets, NUL, and validator messages worded
in the request's language."""

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
HUGE = "99999999999999999999"


@pytest.fixture
async def client(settings: Settings, aiohttp_client: Callable[..., Awaitable[Client]]) -> Client:
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    return await aiohttp_client(create_app(settings))


async def _csrf(client: Client) -> str:
    token: str = (await (await client.get("/api/v1/session")).json())["csrf_token"]
    return token


async def _error(response: Any) -> dict[str, Any]:
    body = await response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    return error


@pytest.mark.parametrize(
    "path", [f"/appeals/{HUGE}", f"/staff/appeals/{HUGE}/appeal.pdf", f"/admin/staff/{2**31}"]
)
async def test_an_id_beyond_any_row_is_not_found_on_pages(client: Client, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    # Anonymous visitors are sent to sign in before the id matters; never a 500.
    assert response.status in (303, 404)


async def test_an_id_beyond_any_row_is_not_found_in_the_api(client: Client) -> None:
    response = await client.get(f"/api/v1/appeals/{HUGE}")
    assert response.status == 404
    assert (await _error(response))["code"] == "not_found"


async def _login(client: Client, data: bytes, content_type: str | None) -> Any:
    headers = {"X-CSRF-Token": await _csrf(client)}
    if content_type:
        headers["Content-Type"] = content_type
    return await client.post(
        "/api/v1/auth/login",
        data=data,
        headers=headers,
        skip_auto_headers=["Content-Type"],
    )


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 422, "invalid_input"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, "application/json", 422, "invalid_input"),
        (b"1" * 5000, "application/json", 422, "invalid_input"),
        (b'{"login": NaN, "password": "x"}', "application/json", 422, "invalid_input"),
        (b'{"login": "\xff", "password": "x"}', "application/json", 422, "invalid_input"),
        (b'{"login": "x"}', "application/json; charset=x-unknown", 415, "unsupported_media_type"),
        (b'{"login": "x"}', "application/json; charset=cp1251", 415, "unsupported_media_type"),
        (b'{"login": "x"}', "text/plain", 415, "unsupported_media_type"),
        (b"login=x&password=y", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (
            b'{"login": "x", "password": "' + b"a" * 300_000 + b'"}',
            "application/json",
            413,
            "payload_too_large",
        ),
        (b'{"login": "a\\u0000b", "password": "x"}', "application/json", 422, "invalid_input"),
        (b'{"login": "\\ud800", "password": "x"}', "application/json", 422, "invalid_input"),
        (
            b'{"login": 99999999999999999999, "password": "x"}',
            "application/json",
            422,
            "invalid_input",
        ),
    ],
)
async def test_odd_bodies_get_the_documented_error(
    client: Client, data: bytes, content_type: str, status: int, code: str
) -> None:
    response = await _login(client, data, content_type)
    assert response.status == status
    assert (await _error(response))["code"] == code


async def test_validator_messages_speak_russian_and_english(client: Client) -> None:
    response = await _login(client, b'{"password": 5}', "application/json")
    assert response.status == 422
    russian = (await _error(response))["message"]
    assert russian.startswith("Неверные данные запроса: ")
    assert "login: обязательное поле" in russian
    assert "password: должно быть строкой" in russian
    assert "Field required" not in russian
    headers = {"X-CSRF-Token": await _csrf(client), "Accept-Language": "en"}
    english = await client.post("/api/v1/auth/login", json={"password": 5}, headers=headers)
    assert "login: Field required" in (await _error(english))["message"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"login=x", "application/x-www-form-urlencoded; charset=x-unknown"),
        (b"garbage", "multipart/form-data"),
        (b"garbage", "multipart/form-data; boundary=b"),
        (
            b'--b\r\nContent-Disposition: form-data; name="files"; filename="a\x00.txt"'
            b"\r\n\r\nx\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
        ),
    ],
)
async def test_a_form_aiohttp_cannot_read_is_a_bad_request_page(
    client: Client, data: bytes, content_type: str
) -> None:
    csrf = await _csrf(client)
    response = await client.post(
        "/login",
        params={"_csrf": csrf},
        data=data,
        headers={"Content-Type": content_type, "X-CSRF-Token": csrf},
        skip_auto_headers=["Content-Type"],
    )
    assert response.status == 400
    assert response.content_type == "text/html"
    assert "Неверный запрос." in await response.text()
