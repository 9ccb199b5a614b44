"""Sign-in slowing down, password reset, sign-out: per account and per client address."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from config import Settings
from portal import migrate
from portal.adapters.db import Database
from portal.adapters.orm import SignInFailures
from portal.services.throttle import ACCOUNT_POLICY, ADDRESS_POLICY, FORGET_AFTER
from reception.app import create_app
from tests.integration.portal.accounts.conftest import (
    MovableClock,
    csrf_of,
    outbox_links,
    registered_citizen,
    sign_in_via_page,
    solve,
)

EMAIL, PASSWORD = "maria@example.ru", "Secret123"


async def _fresh_client(client: TestClient[Any, Any]) -> None:
    client.session.cookie_jar.clear()


async def test_failed_sign_ins_are_slowed_down_with_growing_delays(
    client: TestClient[Any, Any], settings: Settings, clock: MovableClock
) -> None:
    await registered_citizen(client, settings)
    await _fresh_client(client)
    clock.freeze()
    for _ in range(ACCOUNT_POLICY.free_failures):
        assert (await sign_in_via_page(client, EMAIL, "wrong")).status == 422
    # The next failure imposes the first delay ...
    assert (await sign_in_via_page(client, EMAIL, "wrong")).status == 422
    # ... during which even the right password is not checked.
    blocked = await sign_in_via_page(client, EMAIL, PASSWORD)
    assert blocked.status == 429
    first_delay = int(blocked.headers["Retry-After"])
    assert first_delay == ACCOUNT_POLICY.base_delay.total_seconds()
    assert "Слишком много неудачных попыток" in await blocked.text()

    clock.advance(timedelta(seconds=first_delay + 1))
    assert (await sign_in_via_page(client, EMAIL, "wrong")).status == 422
    second = await sign_in_via_page(client, EMAIL, PASSWORD)
    assert second.status == 429
    assert int(second.headers["Retry-After"]) > first_delay, "the delay grows"

    clock.advance(timedelta(seconds=int(second.headers["Retry-After"]) + 1))
    assert (await sign_in_via_page(client, EMAIL, PASSWORD)).status == 303
    # A success clears the account's counter: one new failure is free again.
    await _fresh_client(client)
    assert (await sign_in_via_page(client, EMAIL, "wrong")).status == 422
    assert (await sign_in_via_page(client, EMAIL, PASSWORD)).status == 303


async def test_one_address_trying_many_accounts_is_slowed_down(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    await _fresh_client(client)
    for n in range(ADDRESS_POLICY.free_failures + 1):
        response = await sign_in_via_page(client, f"nobody{n}@example.ru", "wrong")
        assert response.status == 422
    # Every account on this address now waits, even one never tried before.
    blocked = await sign_in_via_page(client, EMAIL, PASSWORD)
    assert blocked.status == 429


async def test_password_reset_link_works_once_within_an_hour(
    client: TestClient[Any, Any], settings: Settings, clock: MovableClock
) -> None:
    await registered_citizen(client, settings)
    other_session = client.session.cookie_jar.filter_cookies(client.make_url("/"))["session"].value
    page = await (await client.get("/password-reset")).text()
    sent = await client.post(
        "/password-reset",
        data={"email": EMAIL, "human_check": solve(page), "_csrf": csrf_of(page)},
    )
    assert sent.status == 200
    (link,) = outbox_links(settings, "/password-reset/confirm")
    path = link[link.index("/password-reset") :]
    token = link.split("token=", 1)[1]

    clock.advance(timedelta(minutes=59))
    page = await (await client.get(path)).text()
    form = {
        "token": token,
        "password": "Brandnew456",
        "password_again": "Brandnew456",
        "human_check": solve(page),
        "_csrf": csrf_of(page),
    }
    changed = await client.post("/password-reset/confirm", data=form, allow_redirects=False)
    assert changed.status == 303

    # The link is spent, the old password and every older session are gone.
    page = await (await client.get(path)).text()
    reused = await client.post(
        "/password-reset/confirm",
        data={**form, "human_check": solve(page), "_csrf": csrf_of(page)},
    )
    assert reused.status == 422
    await _fresh_client(client)
    client.session.cookie_jar.update_cookies({"session": other_session}, client.make_url("/"))
    profile = await client.get("/profile", allow_redirects=False)
    assert profile.status == 303, "the session from before the reset no longer works"
    assert (await sign_in_via_page(client, EMAIL, PASSWORD)).status == 422
    assert (await sign_in_via_page(client, EMAIL, "Brandnew456")).status == 303


async def test_password_reset_link_expires_after_an_hour(
    client: TestClient[Any, Any], settings: Settings, clock: MovableClock
) -> None:
    await registered_citizen(client, settings)
    page = await (await client.get("/password-reset")).text()
    await client.post(
        "/password-reset",
        data={"email": EMAIL, "human_check": solve(page), "_csrf": csrf_of(page)},
    )
    (link,) = outbox_links(settings, "/password-reset/confirm")
    clock.advance(timedelta(hours=1, minutes=1))
    page = await (await client.get(link[link.index("/password-reset") :])).text()
    response = await client.post(
        "/password-reset/confirm",
        data={
            "token": link.split("token=", 1)[1],
            "password": "Brandnew456",
            "password_again": "Brandnew456",
            "human_check": solve(page),
            "_csrf": csrf_of(page),
        },
    )
    assert response.status == 422
    assert "1 час" in await response.text()


async def test_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    page = await (await client.get("/password-reset")).text()
    response = await client.post(
        "/password-reset",
        data={"email": "nobody@example.ru", "human_check": solve(page), "_csrf": csrf_of(page)},
    )
    assert response.status == 200
    assert "Если адрес зарегистрирован" in await response.text()
    assert outbox_links(settings, "/password-reset/confirm") == []


async def test_sign_out_ends_the_session(client: TestClient[Any, Any], settings: Settings) -> None:
    await registered_citizen(client, settings)
    page = await (await client.get("/profile")).text()
    out = await client.post("/logout", data={"_csrf": csrf_of(page)}, allow_redirects=False)
    assert out.status == 303
    assert (await client.get("/profile", allow_redirects=False)).status == 303


async def test_session_cookie_is_secure_behind_https(
    make_settings: Any, aiohttp_client: Any
) -> None:
    secure = make_settings(**{"server.public_url": "https://priem.example.ru"})
    await asyncio.to_thread(migrate.upgrade, secure.database_url)
    client = await aiohttp_client(create_app(secure))
    response = await client.get("/api/v1/session")
    cookie = response.cookies["session"]
    assert cookie["secure"]
    assert cookie["httponly"]


async def test_forgotten_failures_are_deleted(
    client: TestClient[Any, Any], db: Database, clock: MovableClock
) -> None:
    for n in range(3):
        await sign_in_via_page(client, f"stranger{n}@example.ru", "wrong")
    clock.advance(FORGET_AFTER + timedelta(minutes=1))
    await sign_in_via_page(client, "latest@example.ru", "wrong")
    async with db.session() as session:
        keys = set((await session.execute(select(SignInFailures.key))).scalars())
    assert keys == {"account:latest@example.ru", "address:127.0.0.1"}
