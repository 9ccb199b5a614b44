"""Sessions live on the server: a copy of the cookie dies with the session it names.

Each test plays two browsers on one client by swapping the session cookie, which is what
an attacker holding a copied cookie does.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from config import Settings
from portal.adapters.db import Database
from portal.adapters.orm import BrowserSession, User
from tests.integration.portal.accounts.conftest import (
    MovableClock,
    csrf_of,
    registered_citizen,
    sign_in_via_page,
    solve,
)

EMAIL, PASSWORD = "maria@example.ru", "Secret123"


def cookie_of(client: TestClient[Any, Any]) -> str:
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))["session"].value


def use_cookie(client: TestClient[Any, Any], value: str) -> None:
    """Become the browser that holds `value` (and nothing else)."""
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({"session": value}, client.make_url("/"))


async def signed_in(client: TestClient[Any, Any]) -> bool:
    response = await client.get("/profile", allow_redirects=False)
    if response.status == 303:
        assert response.headers["Location"].startswith("/login?next=")
        return False
    assert response.status == 200
    return True


async def api_signed_in(client: TestClient[Any, Any]) -> bool:
    status = (await client.get("/api/v1/profile")).status
    assert status in (200, 401)
    return status == 200


async def second_browser(client: TestClient[Any, Any]) -> str:
    """Sign the same citizen in again from a fresh browser; its cookie."""
    client.session.cookie_jar.clear()
    assert (await sign_in_via_page(client, EMAIL, PASSWORD)).status == 303
    return cookie_of(client)


async def test_a_copy_of_the_cookie_stops_working_at_sign_out(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    copy = cookie_of(client)
    page = await (await client.get("/profile")).text()
    out = await client.post("/logout", data={"_csrf": csrf_of(page)}, allow_redirects=False)
    assert out.status == 303

    use_cookie(client, copy)
    assert not await signed_in(client)
    assert not await api_signed_in(client)


async def test_api_sign_out_ends_the_session_too(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    copy = cookie_of(client)
    csrf = (await (await client.get("/api/v1/session")).json())["csrf_token"]
    out = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status == 204
    use_cookie(client, copy)
    assert not await api_signed_in(client)


async def test_sign_out_everywhere_ends_every_browser_of_the_user(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    first = cookie_of(client)
    second = await second_browser(client)

    page = await (await client.get("/profile")).text()
    assert 'action="/profile/sign-out-everywhere"' in page
    out = await client.post(
        "/profile/sign-out-everywhere", data={"_csrf": csrf_of(page)}, allow_redirects=False
    )
    assert out.status == 303
    assert out.headers["Location"] == "/login"
    for cookie in (first, second):
        use_cookie(client, cookie)
        assert not await signed_in(client)


async def test_sign_out_everywhere_needs_the_csrf_token(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    first = cookie_of(client)
    await second_browser(client)
    refused = await client.post("/profile/sign-out-everywhere", allow_redirects=False)
    assert refused.status == 403
    use_cookie(client, first)
    assert await signed_in(client)


async def test_api_sign_out_everywhere(client: TestClient[Any, Any], settings: Settings) -> None:
    await registered_citizen(client, settings)
    first = cookie_of(client)
    await second_browser(client)
    csrf = (await (await client.get("/api/v1/session")).json())["csrf_token"]
    out = await client.post("/api/v1/auth/logout-everywhere", headers={"X-CSRF-Token": csrf})
    assert out.status == 204
    assert not await api_signed_in(client)
    use_cookie(client, first)
    assert not await api_signed_in(client)


async def test_staff_sign_out_everywhere(client: TestClient[Any, Any], admin: User) -> None:
    assert (await sign_in_via_page(client, "admin", "Admin1234", staff=True)).status == 303
    first = cookie_of(client)
    client.session.cookie_jar.clear()
    assert (await sign_in_via_page(client, "admin", "Admin1234", staff=True)).status == 303
    page = await (await client.get("/staff/settings")).text()
    assert 'action="/staff/settings/sign-out-everywhere"' in page
    out = await client.post(
        "/staff/settings/sign-out-everywhere",
        data={"_csrf": csrf_of(page)},
        allow_redirects=False,
    )
    assert out.status == 303
    assert out.headers["Location"] == "/staff/login"
    assert (await client.get("/staff/settings", allow_redirects=False)).status == 303
    use_cookie(client, first)
    assert (await client.get("/staff/settings", allow_redirects=False)).status == 303


async def test_a_password_change_ends_the_other_sessions_only(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    first = cookie_of(client)
    await second_browser(client)
    page = await (await client.get("/profile")).text()
    changed = await client.post(
        "/profile/password",
        data={
            "current_password": PASSWORD,
            "password": "Brandnew456",
            "password_again": "Brandnew456",
            "_csrf": csrf_of(page),
        },
        allow_redirects=False,
    )
    assert changed.status == 303
    assert await signed_in(client), "the browser that changed the password stays signed in"
    use_cookie(client, first)
    assert not await signed_in(client)


async def test_an_idle_session_ends_and_activity_keeps_it_alive(
    client: TestClient[Any, Any], settings: Settings, clock: MovableClock
) -> None:
    idle = timedelta(seconds=settings.sessions.idle_timeout_s)
    await registered_citizen(client, settings)
    for _ in range(3):
        clock.advance(idle - timedelta(minutes=5))
        assert await signed_in(client), "activity slides the idle deadline"
    clock.advance(idle + timedelta(minutes=1))
    assert not await signed_in(client)
    assert not await api_signed_in(client)


async def test_a_session_ends_after_its_lifetime_however_active(
    client: TestClient[Any, Any], settings: Settings, clock: MovableClock
) -> None:
    idle = timedelta(seconds=settings.sessions.idle_timeout_s)
    lifetime = timedelta(seconds=settings.sessions.lifetime_s)
    await registered_citizen(client, settings)
    elapsed = timedelta()
    step = idle / 2
    while elapsed + step < lifetime:
        clock.advance(step)
        elapsed += step
        assert await signed_in(client)
    clock.advance(lifetime - elapsed + timedelta(minutes=1))
    assert not await signed_in(client)


async def test_sign_in_issues_a_new_session_id(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    """A session id planted before sign-in (fixation) never becomes a signed-in session."""
    await registered_citizen(client, settings)
    client.session.cookie_jar.clear()
    page = await (await client.get("/login")).text()
    planted = cookie_of(client)
    signed = await client.post(
        "/login",
        data={"login": EMAIL, "password": PASSWORD, "_csrf": csrf_of(page)},
        allow_redirects=False,
    )
    assert signed.status == 303
    assert cookie_of(client) != planted
    assert await signed_in(client)
    use_cookie(client, planted)
    assert not await signed_in(client)


async def test_the_database_keeps_only_a_hash_of_the_session_id(
    client: TestClient[Any, Any], settings: Settings, db: Database
) -> None:
    await registered_citizen(client, settings)
    value = cookie_of(client)
    async with db.session() as session:
        rows = (await session.execute(select(BrowserSession))).scalars().all()
    ids = {row.id_hash for row in rows}
    assert value not in ids
    assert hashlib.sha256(value.encode()).hexdigest() in ids
    assert all(value not in str(row.data) for row in rows)


async def test_expired_sessions_are_deleted(
    client: TestClient[Any, Any], settings: Settings, clock: MovableClock, db: Database
) -> None:
    await registered_citizen(client, settings)
    clock.advance(timedelta(seconds=settings.sessions.lifetime_s + 3600))
    client.session.cookie_jar.clear()
    await client.get("/api/v1/session")  # a new visitor's session starts a sweep
    async with db.session() as session:
        count = await session.scalar(select(func.count()).select_from(BrowserSession))
    assert count == 1, "only the new visitor's session is left"


async def test_a_forged_or_unknown_cookie_is_an_anonymous_visitor(
    client: TestClient[Any, Any],
) -> None:
    for value in ("x" * 43, "", "a.b.c", "é" * 5000):
        use_cookie(client, value)
        response = await client.get("/api/v1/session")
        assert response.status == 200
        assert (await response.json())["user"] is None


async def test_a_solved_human_check_cannot_be_replayed_with_an_old_cookie(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    client.session.cookie_jar.clear()
    page = await (await client.get("/password-reset")).text()
    saved = cookie_of(client)
    form = {"email": EMAIL, "human_check": solve(page), "_csrf": csrf_of(page)}
    assert (await client.post("/password-reset", data=form)).status == 200

    use_cookie(client, saved)
    replayed = await client.post("/password-reset", data=form)
    assert replayed.status == 422
    assert "проверочный код" in await replayed.text()


async def test_a_failed_human_check_is_spent_too(client: TestClient[Any, Any]) -> None:
    """The refusal page asks a new sum; when its answer happens to be the old one, the
    replay below could not tell a spent check from a solved new one, so ask again."""
    page = await (await client.get("/password-reset")).text()
    for _ in range(20):
        saved = cookie_of(client)
        wrong = str(int(solve(page)) + 1)
        form = {"email": EMAIL, "human_check": wrong, "_csrf": csrf_of(page)}
        refused = await client.post("/password-reset", data=form)
        assert refused.status == 422
        refusal = await refused.text()
        if solve(refusal) != solve(page):
            break
        page = refusal
    use_cookie(client, saved)
    again = await client.post("/password-reset", data={**form, "human_check": solve(page)})
    assert again.status == 422


async def test_the_api_human_check_cannot_be_replayed(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    client.session.cookie_jar.clear()
    csrf = (await (await client.get("/api/v1/session")).json())["csrf_token"]
    question = (await (await client.get("/api/v1/human-check")).json())["question"]
    saved = cookie_of(client)
    body = {"email": EMAIL, "human_check": solve(question)}
    headers = {"X-CSRF-Token": csrf}
    sent = await client.post("/api/v1/auth/password-reset", json=body, headers=headers)
    assert sent.status == 202
    use_cookie(client, saved)
    replayed = await client.post("/api/v1/auth/password-reset", json=body, headers=headers)
    assert replayed.status == 422
