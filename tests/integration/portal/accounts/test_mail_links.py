"""Links in letters never take their host from the request: a forged Host header must not
carry a reset or activation token to another site. Staff are not reset by the citizen form."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from config import Settings
from portal.adapters.mail import list_outbox
from portal.adapters.orm import User
from tests.integration.portal.accounts.conftest import (
    CITIZEN,
    csrf_of,
    outbox_links,
    registered_citizen,
    solve,
)

FORGED = {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}


async def _request_reset(client: TestClient[Any, Any], email: str, **headers: str) -> Any:
    page = await (await client.get("/password-reset")).text()
    return await client.post(
        "/password-reset",
        data={"email": email, "human_check": solve(page), "_csrf": csrf_of(page)},
        headers=headers,
    )


async def test_a_forged_host_does_not_reach_the_reset_letter(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    client.session.cookie_jar.clear()
    response = await _request_reset(client, CITIZEN["email"], **FORGED)
    assert response.status == 200
    (link,) = outbox_links(settings, "/password-reset/confirm")
    assert link.startswith(settings.public_url + "/password-reset/confirm?token=")
    assert "attacker" not in link


async def test_a_forged_host_does_not_reach_the_activation_letter(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    page = await (await client.get("/register")).text()
    form = {**CITIZEN, "_csrf": csrf_of(page), "human_check": solve(page)}
    assert (await client.post("/register", data=form, headers=FORGED)).status == 200
    (link,) = outbox_links(settings, "/activate")
    assert link.startswith(settings.public_url + "/activate?token=")


async def test_the_api_builds_links_from_the_public_url_too(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    client.session.cookie_jar.clear()
    question = (await (await client.get("/api/v1/human-check")).json())["question"]
    session = await (await client.get("/api/v1/session")).json()
    response = await client.post(
        "/api/v1/auth/password-reset",
        json={"email": CITIZEN["email"], "human_check": solve(question)},
        headers={**FORGED, "X-CSRF-Token": session["csrf_token"]},
    )
    assert response.status == 202, await response.text()
    (link,) = outbox_links(settings, "/password-reset/confirm")
    assert link.startswith(settings.public_url + "/")


async def test_an_administrator_is_not_reset_through_the_citizen_form(
    client: TestClient[Any, Any], settings: Settings, admin: User
) -> None:
    assert admin.email
    response = await _request_reset(client, admin.email)
    assert response.status == 200
    assert "Если адрес зарегистрирован" in await response.text(), "the same answer as anyone's"
    assert list_outbox(settings.outbox_dir) == []
