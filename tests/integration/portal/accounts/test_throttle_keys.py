"""The sign-in slowdown counts per account, however the identifier is written; registration
and the reset request are limited per client address."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from config import Settings
from portal.adapters.mail import list_outbox
from portal.services.throttle import ACCOUNT_POLICY, FORM_POLICY
from tests.integration.portal.accounts.conftest import (
    CITIZEN,
    csrf_of,
    register_via_pages,
    registered_citizen,
    sign_in_via_page,
    solve,
)
from tests.integration.portal.conftest import MovableClock

SPELLINGS = ["+7 912 345-67-89", "89123456789", "8 (912) 345 67 89", "MARIA@Example.ru"]


async def test_writing_the_phone_differently_does_not_escape_the_slowdown(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    client.session.cookie_jar.clear()
    for n in range(ACCOUNT_POLICY.free_failures + 1):
        failed = await sign_in_via_page(client, SPELLINGS[n % len(SPELLINGS)], "wrong")
        assert failed.status == 422
    for spelling in SPELLINGS:
        blocked = await sign_in_via_page(client, spelling, CITIZEN["password"])
        assert blocked.status == 429, spelling
        assert int(blocked.headers["Retry-After"]) > 0


async def test_an_unknown_identifier_is_counted_in_its_normal_form(
    client: TestClient[Any, Any],
) -> None:
    for n in range(ACCOUNT_POLICY.free_failures + 1):
        spelling = "Nobody@Example.ru" if n % 2 else " nobody@example.RU"
        assert (await sign_in_via_page(client, spelling, "wrong")).status == 422
    assert (await sign_in_via_page(client, "NOBODY@example.ru", "wrong")).status == 429


async def test_registrations_from_one_address_are_limited(
    client: TestClient[Any, Any], settings: Settings, clock: MovableClock
) -> None:
    for n in range(FORM_POLICY.free_failures + 1):
        response = await register_via_pages(
            client, email=f"person{n}@example.ru", phone=f"+7 912 000-00-{n:02d}"
        )
        assert response.status == 200, await response.text()
    sent = len(list_outbox(settings.outbox_dir))
    refused = await register_via_pages(client, email="one-more@example.ru", phone="+79120001111")
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) > 0
    text = await refused.text()
    assert "Слишком много запросов" in text
    assert 'value="one-more@example.ru"' in text, "what was typed is kept"
    assert len(list_outbox(settings.outbox_dir)) == sent, "nothing was sent"

    clock.advance(FORM_POLICY.base_delay)
    later = await register_via_pages(client, email="one-more@example.ru", phone="+79120001111")
    assert later.status == 200


async def test_reset_requests_from_one_address_are_limited(
    client: TestClient[Any, Any],
) -> None:
    async def request_reset(email: str) -> Any:
        page = await (await client.get("/password-reset")).text()
        return await client.post(
            "/password-reset",
            data={"email": email, "human_check": solve(page), "_csrf": csrf_of(page)},
        )

    for n in range(FORM_POLICY.free_failures + 1):
        assert (await request_reset(f"person{n}@example.ru")).status == 200
    refused = await request_reset("victim@example.ru")
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Слишком много запросов" in await refused.text()


async def test_the_api_forms_share_the_limit(client: TestClient[Any, Any]) -> None:
    """The JSON entrances are the same use cases: the same limit, the documented 429."""
    for n in range(FORM_POLICY.free_failures + 1):
        question = (await (await client.get("/api/v1/human-check")).json())["question"]
        csrf = (await (await client.get("/api/v1/session")).json())["csrf_token"]
        response = await client.post(
            "/api/v1/auth/password-reset",
            json={"email": f"p{n}@example.ru", "human_check": solve(question)},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status == 202, await response.text()
    question = (await (await client.get("/api/v1/human-check")).json())["question"]
    csrf = (await (await client.get("/api/v1/session")).json())["csrf_token"]
    refused = await client.post(
        "/api/v1/accounts/register",
        json={
            **{k: v for k, v in CITIZEN.items() if k != "consent"},
            "consent": True,
            "human_check": solve(question),
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert (await refused.json())["error"]["code"] == "too_many_attempts"
