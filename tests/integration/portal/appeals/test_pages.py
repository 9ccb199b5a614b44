"""The server-rendered appeal pages: filing by form, the officer's page and actions,
journals, reference administration, and the English switch."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from portal.adapters.orm import User
from tests.integration.portal.appeals.conftest import (
    PASSWORD,
    PNG,
    ClientFactory,
    MovableClock,
    Reference,
)

pytestmark = pytest.mark.timeout(60)


def csrf_of(page: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', page)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def signed_in(
    new_client: ClientFactory, login: str, staff: bool = False
) -> TestClient[Any, Any]:
    client = await new_client()
    path = "/staff/login" if staff else "/login"
    page = await (await client.get(path)).text()
    response = await client.post(
        path,
        data={"login": login, "password": PASSWORD, "_csrf": csrf_of(page)},
        allow_redirects=False,
    )
    assert response.status == 303
    return client


async def file_by_form(
    client: TestClient[Any, Any], refs: Reference, text: str, **headers: str
) -> Any:
    page = await (await client.get("/appeals/new")).text()
    action = re.search(r'action="(/appeals/new\?_csrf=[^"]+)"', page)
    assert action, "the form posts to a URL carrying the CSRF token"
    form = FormData()
    for name, value in {
        "topic_id": str(refs.topic),
        "municipality_id": str(refs.municipality),
        "title": "Яма на дороге",
        "address": "ул. Мира, 3",
        "text": text,
        "consent": "on",
    }.items():
        form.add_field(name, value)
    form.add_field("files", PNG, filename="яма.png", content_type="image/png")
    return await client.post(
        action.group(1).replace("&amp;", "&"), data=form, allow_redirects=False, headers=headers
    )


async def test_citizen_files_by_form_and_a_refusal_keeps_the_text(
    new_client: ClientFactory, people: dict[str, User], refs: Reference
) -> None:
    citizen = await signed_in(new_client, "maria@example.ru")
    too_long = "ы" * 2001
    refused = await file_by_form(citizen, refs, too_long)
    assert refused.status == 422
    page = await refused.text()
    assert "длиннее 2000 символов" in page
    assert too_long in page, "what was typed comes back in the form"
    assert 'value="Яма на дороге"' in page

    created = await file_by_form(citizen, refs, "Глубокая яма у дома 3.")
    assert created.status == 303
    appeal = await (await citizen.get(created.headers["Location"])).text()
    assert "Заявка зарегистрирована." in appeal
    assert "яма.png" in appeal
    assert '<dd class="status">Новая</dd>' in appeal
    assert "29 дней 23 час" in appeal
    listing = await (await citizen.get("/appeals")).text()
    assert "Яма на дороге" in listing
    assert 'Все <span class="count">(1)</span>' in listing


async def test_officer_page_actions_and_refusals(
    new_client: ClientFactory, people: dict[str, User], refs: Reference, clock: MovableClock
) -> None:
    citizen = await signed_in(new_client, "maria@example.ru")
    created = await file_by_form(citizen, refs, "Глубокая яма у дома 3.")
    appeal_id = created.headers["Location"].rsplit("/", 1)[1]
    officer = await signed_in(new_client, "officer", staff=True)
    base = f"/staff/appeals/{appeal_id}"
    page = await (await officer.get(base)).text()
    for block in (
        "Заявка гражданина",
        "Работа с заявкой",
        "Ответ на заявку",
        "История статусов",
        "Служебные комментарии",
        "Документы",
        "Сохранить архив",
        "Выгрузить PDF",
    ):
        assert block in page
    csrf = csrf_of(page)

    refused = await officer.post(f"{base}/start-work", data={"_csrf": csrf})
    assert "Добавьте хотя бы одно ведомство-исполнитель" in await refused.text()
    await officer.post(
        f"{base}/executing",
        data={"_csrf": csrf, "department_id": str(refs.department), "sed_number": "55/1"},
    )
    await officer.post(f"{base}/comments", data={"_csrf": csrf, "text": "Проверить выезд бригады"})
    done = await (await officer.post(f"{base}/start-work", data={"_csrf": csrf})).text()
    assert "Заявка направлена в работу." in done
    assert '<dd class="status">В работе</dd>' in done
    assert "Проверить выезд бригады" in done
    templated = await (await officer.get(f"{base}?template={refs.template}")).text()
    assert "Уважаемый(ая) Иванова Мария Петровна!" in templated

    # The citizen never sees service comments, executing departments or officers' names.
    mine = await (await citizen.get(f"/appeals/{appeal_id}")).text()
    assert "Проверить выезд бригады" not in mine
    assert "55/1" not in mine
    assert "Сидоров" not in mine
    assert "В работе" in mine

    clock.advance(timedelta(days=31))
    officer = await signed_in(new_client, "officer", staff=True)  # sessions expire meanwhile
    journal = await (await officer.get("/staff/appeals")).text()
    assert '<tr class="overdue">' in journal
    assert "Просрочено" in journal
    assert "Просрочено на 1 день" in journal
    assert "Просрочено:" not in journal, "said once, not twice"

    # The staff page stays closed to the citizen.
    citizen = await signed_in(new_client, "maria@example.ru")
    assert (await citizen.get(base)).status == 403


async def test_reference_administration(new_client: ClientFactory, people: dict[str, User]) -> None:
    admin = await signed_in(new_client, "admin", staff=True)
    page = await (await admin.get("/admin/reference/topics")).text()
    csrf = csrf_of(page)
    await admin.post("/admin/reference/topics", data={"_csrf": csrf, "name": "Экология"})
    duplicate = await (
        await admin.post("/admin/reference/topics", data={"_csrf": csrf, "name": "Экология"})
    ).text()
    assert "уже есть в списке" in duplicate
    topic_id = re.search(r'action="/admin/reference/topics/(\d+)"', duplicate)
    assert topic_id
    renamed = await (
        await admin.post(
            f"/admin/reference/topics/{topic_id.group(1)}",
            data={"_csrf": csrf, "name": "Экология и природа"},
        )
    ).text()
    assert 'value="Экология и природа"' in renamed
    assert 'id="active-' in renamed
    assert "checked" not in renamed.split('id="active-')[1].split(">")[0]
    templates = await (await admin.get("/admin/templates")).text()
    assert "Нецензурные выражения" in templates
    assert "{ФИО}" in templates
    assert (await admin.get("/admin/reference/nothing")).status == 404


async def test_pages_switch_to_english(
    new_client: ClientFactory, people: dict[str, User], refs: Reference
) -> None:
    citizen = await signed_in(new_client, "maria@example.ru")
    await citizen.get("/lang/en")
    page = await (await citizen.get("/appeals/new")).text()
    assert "File an appeal" in page
    assert "Consent to personal-data processing" in page
    listing = await (await citizen.get("/appeals")).text()
    assert "My appeals" in listing
