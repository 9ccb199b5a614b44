"""Citizen registration, activation through the outbox, sign-in and the profile, by pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from config import Settings
from portal.adapters.mail import list_outbox
from tests.integration.portal.accounts.conftest import (
    COMPLETE_PROFILE,
    activate_via_pages,
    csrf_of,
    outbox_links,
    register_via_pages,
    registered_citizen,
    sign_in_via_page,
)
from tests.integration.portal.conftest import MovableClock


async def test_register_activate_sign_in_and_complete_the_profile(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    response = await register_via_pages(client)
    assert response.status == 200
    assert "maria@example.ru" in await response.text()
    (mail,) = list_outbox(settings.outbox_dir)
    assert mail.to == "maria@example.ru"
    assert "трое суток" in mail.text

    # Not active yet: signing in is refused with a clear reason.
    refused = await sign_in_via_page(client, "maria@example.ru", "Secret123")
    assert refused.status == 422
    assert "не активирована" in await refused.text()

    (link,) = outbox_links(settings, "/activate")
    activated = await activate_via_pages(client, link)
    assert activated.headers["Location"] == "/login"

    # Sign in by phone as well as by e-mail.
    signed_in = await sign_in_via_page(client, "8 (912) 345-67-89", "Secret123")
    assert signed_in.status == 303
    page = await (await client.get("/profile")).text()
    assert "Профиль заполнен не полностью" in page
    assert "СНИЛС" in page

    saved = await client.post(
        "/profile", data={**COMPLETE_PROFILE, "_csrf": csrf_of(page)}, allow_redirects=False
    )
    assert saved.status == 303
    page = await (await client.get("/profile")).text()
    assert 'id="profile-complete"' in page
    assert "112-233-445 95" in page


async def test_profile_refuses_a_snils_with_a_wrong_checksum(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    page = await (await client.get("/profile")).text()
    bad = {**COMPLETE_PROFILE, "snils": "112-233-445 96", "_csrf": csrf_of(page)}
    response = await client.post("/profile", data=bad)
    assert response.status == 422
    text = await response.text()
    assert "контрольное число" in text
    assert 'value="Екатеринбург"' in text, "what was typed is kept"
    page = await (await client.get("/profile")).text()
    assert "Профиль заполнен не полностью" in page, "nothing was saved"


async def test_registration_reports_every_problem_and_sends_nothing(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    response = await register_via_pages(
        client, password="short", password_again="short", email="not-an-email", consent=""
    )
    assert response.status == 422
    text = await response.text()
    assert "не менее 8 символов" in text
    assert "заглавные буквы" in text
    assert "адрес электронной почты" in text
    assert "согласие на обработку" in text
    assert 'value="Иванова"' in text
    assert list_outbox(settings.outbox_dir) == []


async def test_wrong_human_check_code_is_refused(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    page = await (await client.get("/register")).text()
    form = {"surname": "Иванова", "_csrf": csrf_of(page), "human_check": "-1"}
    response = await client.post("/register", data=form)
    assert response.status == 422
    assert "Неверный проверочный код" in await response.text()
    assert list_outbox(settings.outbox_dir) == []


async def test_activation_link_expires_after_three_days_and_registration_can_be_repeated(
    client: TestClient[Any, Any], settings: Settings, clock: MovableClock
) -> None:
    await register_via_pages(client)
    (old_link,) = outbox_links(settings, "/activate")
    clock.advance(timedelta(days=3, minutes=1))
    response = await activate_via_pages(client, old_link)
    assert response.status == 422
    assert "устарела" in await response.text()

    again = await register_via_pages(client, password="Another123", password_again="Another123")
    assert again.status == 200
    new_link = outbox_links(settings, "/activate")[-1]
    assert new_link != old_link
    assert (await activate_via_pages(client, new_link)).status == 303
    assert (await sign_in_via_page(client, "maria@example.ru", "Another123")).status == 303


async def test_activation_link_works_just_before_three_days(
    client: TestClient[Any, Any], settings: Settings, clock: MovableClock
) -> None:
    await register_via_pages(client)
    (link,) = outbox_links(settings, "/activate")
    clock.advance(timedelta(days=3) - timedelta(minutes=1))
    assert (await activate_via_pages(client, link)).status == 303


async def test_an_active_account_cannot_be_registered_again(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    """Answered like a new registration (nothing revealed); the owner is told by letter."""
    await registered_citizen(client, settings)
    response = await register_via_pages(client, password="Another123", password_again="Another123")
    assert response.status == 200
    assert "уже зарегистрирован" not in await response.text()
    assert len(outbox_links(settings, "/activate")) == 1, "no second activation link"
    assert (await sign_in_via_page(client, "maria@example.ru", "Another123")).status == 422


async def test_citizen_can_download_own_data(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    response = await client.get("/profile/data")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = await response.json()
    assert data["email"] == "maria@example.ru"
    assert data["consent_at"]


async def test_notification_settings_are_saved(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    await registered_citizen(client, settings)
    page = await (await client.get("/profile")).text()
    assert 'name="notify_status" checked' in page
    response = await client.post(
        "/profile/notifications",
        data={"notify_invitation": "on", "_csrf": csrf_of(page)},
        allow_redirects=False,
    )
    assert response.status == 303
    page = await (await client.get("/profile")).text()
    assert 'name="notify_status" checked' not in page
    assert 'name="notify_invitation" checked' in page


async def test_pages_switch_to_english(client: TestClient[Any, Any]) -> None:
    switched = await client.get("/lang/en", allow_redirects=False)
    assert switched.status == 303
    page = await (await client.get("/register")).text()
    assert '<html lang="en"' in page
    assert "Surname" in page
    assert "Check code: how much is" in page
    assert "Фамилия" not in page
