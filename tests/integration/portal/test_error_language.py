"""Errors answer in the request's language: pages by the `lang` cookie, the API by the
cookie or Accept-Language, Russian by default; form fields' messages too."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from portal import migrate
from portal.errors import PortalError
from reception.app import create_app
from tests.integration.portal.accounts.conftest import csrf_of, solve

Client = TestClient[Any, Any]
pytestmark = pytest.mark.timeout(60)

WRONG = {"login": "nobody@example.ru", "password": "Wrong1234"}


@pytest.fixture
async def client(
    make_settings: Callable[..., Any], aiohttp_client: Callable[..., Awaitable[Client]]
) -> Client:
    settings = make_settings()
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    return await aiohttp_client(create_app(settings))


async def _api_sign_in(client: Client, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    csrf = (await (await client.get("/api/v1/session")).json())["csrf_token"]
    response = await client.post(
        "/api/v1/auth/login", json=WRONG, headers={"X-CSRF-Token": csrf, **headers}
    )
    return response.status, (await response.json())["error"]


@pytest.mark.parametrize(
    ("cookie", "accept", "expected"),
    [
        (None, None, "Неверный логин или пароль."),
        (None, "en", "Wrong login or password."),
        (None, "en-GB,en;q=0.9", "Wrong login or password."),
        (None, "de, en;q=0.8, ru;q=0.9", "Неверный логин или пароль."),
        (None, "ru;q=0.1, en;q=0.2", "Wrong login or password."),
        (None, "de, fr", "Неверный логин или пароль."),
        (None, "en;q=0", "Неверный логин или пароль."),
        ("en", "ru", "Wrong login or password."),
        ("ru", "en", "Неверный логин или пароль."),
        ("xx", "en", "Wrong login or password."),
    ],
)
async def test_api_errors_follow_the_cookie_then_accept_language(
    client: Client, cookie: str | None, accept: str | None, expected: str
) -> None:
    if cookie:
        client.session.cookie_jar.update_cookies({"lang": cookie})
    status, error = await _api_sign_in(client, {"Accept-Language": accept} if accept else {})
    assert status == 422
    assert error == {"code": "invalid_input", "message": expected}


async def test_api_form_fields_are_worded_in_the_asked_language(client: Client) -> None:
    async def register(lang: str) -> dict[str, Any]:
        client.session.cookie_jar.clear()
        session = await (await client.get("/api/v1/session")).json()
        headers = {"X-CSRF-Token": session["csrf_token"], "Accept-Language": lang}
        check = await (await client.get("/api/v1/human-check", headers=headers)).json()
        body = {
            "surname": "Смирнов",
            "name": "Олег",
            "email": "not-an-address",
            "phone": "+79220000001",
            "password": "short",
            "password_again": "short",
            "consent": True,
            "human_check": solve(check["question"]),
        }
        response = await client.post("/api/v1/accounts/register", json=body, headers=headers)
        assert response.status == 422
        error: dict[str, Any] = (await response.json())["error"]
        return error

    english, russian = await register("en"), await register("ru")
    assert set(english["fields"]) == set(russian["fields"]) == {"email", "password"}
    assert english["fields"]["email"] == ["Enter an e-mail address, for example ivanov@mail.ru."]
    assert "The password needs at least 8 characters." in english["fields"]["password"]
    assert "Пароль должен содержать не менее 8 символов." in russian["fields"]["password"]
    assert russian["message"].startswith("Укажите адрес электронной почты")
    assert english["message"].startswith("Enter an e-mail address")


async def _page_sign_in(client: Client, lang: str | None) -> str:
    client.session.cookie_jar.clear()
    if lang:
        client.session.cookie_jar.update_cookies({"lang": lang})
    page = await (await client.get("/login")).text()
    response = await client.post("/login", data={**WRONG, "_csrf": csrf_of(page)})
    assert response.status == 422
    return await response.text()


async def test_pages_follow_the_cookie_only(client: Client) -> None:
    assert "Wrong login or password." in await _page_sign_in(client, "en")
    russian = await _page_sign_in(client, None)
    assert "Неверный логин или пароль." in russian
    assert "Wrong login" not in russian
    client.session.cookie_jar.clear()
    page = await client.get("/login", headers={"Accept-Language": "en"})
    assert "Вход" in await page.text(), "pages ignore Accept-Language: the cookie decides"


async def test_error_pages_are_worded_in_the_cookie_language(client: Client) -> None:
    for lang, expected, absent in [
        ("en", "Reload the page and try again.", "Обновите страницу"),
        ("ru", "Обновите страницу и повторите.", "Reload the page"),
    ]:
        client.session.cookie_jar.update_cookies({"lang": lang})
        refused = await client.post("/login", data=WRONG)
        assert refused.status == 403
        text = await refused.text()
        assert expected in text
        assert absent not in text


async def test_the_flows_errors_are_recorded_and_checked(
    client: Client, portal_errors: list[PortalError]
) -> None:
    """The conftest's recorder sees what a flow raises, so its check is not vacuous."""
    await _api_sign_in(client, {})
    assert [type(e).__name__ for e in portal_errors] == ["InvalidInput"]
    assert portal_errors[0].text.en == "Wrong login or password."
