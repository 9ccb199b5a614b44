"""The organizer's pages: plan a reception, enroll, invite, remove, edit and delete, all
through the forms; refusals come back on the page; nobody else gets in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from config import Settings
from portal.adapters.appeals_orm import Appeal
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Reception
from portal.domain.status import Status
from portal.http.receptions_request import receptions_deps
from portal.services import receptions_seats
from tests.integration.portal.appeals.conftest import ClientFactory, Reference, letters
from tests.integration.portal.conftest import MovableClock
from tests.integration.portal.receptions.conftest import (
    app_appeals_deps,
    csrf_of,
    preparing,
    signed_in,
    tomorrow_at,
)

pytestmark = pytest.mark.timeout(120)


async def _appeals(
    app: web.Application,
    app_db: Database,
    refs: Reference,
    people: dict[str, User],
    titles: list[str],
) -> list[int]:
    deps = app_appeals_deps(app, app_db)
    p = people
    return [
        await preparing(deps, refs, p["citizen"], p["officer"], p["organizer"], t) for t in titles
    ]


async def _post(
    client: TestClient[Any, Any], page_path: str, path: str, data: dict[str, str]
) -> tuple[int, str, str]:
    """Post a form of `page_path`; (status, where it went, the page it shows)."""
    csrf = csrf_of(await (await client.get(page_path)).text())
    response = await client.post(path, data={**data, "_csrf": csrf}, allow_redirects=False)
    location = response.headers.get("Location", "")
    if response.status == 303:
        return 303, location, await (await client.get(location)).text()
    return response.status, location, await response.text()


def _form(
    crew: dict[str, User], day: str, start: str = "10:00", end: str = "11:30", **over: str
) -> dict[str, str]:
    return {
        "day": day,
        "capacity": "2",
        "title": "Прием по вопросам ЖКХ",
        "start": start,
        "end": end,
        "description": "Вопросы управляющих компаний",
        "host_id": str(crew["host"].id),
        "moderator_id": str(crew["moderator"].id),
        **over,
    }


def _reception_id(page: str) -> int:
    match = re.search(r'href="/staff/receptions/(\d+)"', page)
    assert match, "no reception on the page"
    return int(match.group(1))


async def test_the_whole_planning_flow_through_the_pages(
    app: web.Application,
    app_db: Database,
    new_client: ClientFactory,
    people: dict[str, User],
    crew: dict[str, User],
    refs: Reference,
    clock: MovableClock,
    settings: Settings,
) -> None:
    first, second, third = await _appeals(
        app, app_db, refs, people, ["Яма во дворе", "Нет света", "Шум ночью"]
    )
    org = await signed_in(new_client, people["organizer"])
    page = await (await org.get("/staff/planning")).text()
    assert "Планирование приемов" in page
    assert "Запланировать новый прием" in page
    assert "Яма во дворе" in page
    assert "Иванова Мария Петровна" in page
    assert page.count("Записать на прием") == 3
    assert "Запланированных приемов нет." in page

    # «Запланировать новый прием»: the form, in the local zone with its label.
    form_page = await (await org.get("/staff/receptions/new")).text()
    for label in (
        "Дата",
        "Кол-во участников",
        "Тема (название) приема",
        "Время начала",
        "Время завершения",
        "Краткое описание",
        "Прием проводит",
        "Модератор",
        "Добавить",
        "МСК",
    ):
        assert label in form_page, label
    assert "Ведущий" in form_page
    assert "Модератов" in form_page
    day = tomorrow_at(clock, 10, app).date().isoformat()
    status, where, page = await _post(
        org, "/staff/receptions/new", "/staff/receptions/new", _form(crew, day)
    )
    assert status == 303, page
    assert where.startswith("/staff/planning")
    assert "запланирован" in page
    reception = _reception_id(page)
    async with app_db.session() as session:
        stored = await session.get(Reception, reception)
        assert stored is not None
        # 10:00 in Moscow is 07:00 UTC.
        assert stored.starts_at == datetime.fromisoformat(f"{day}T07:00:00+00:00")
        assert stored.ends_at - stored.starts_at == timedelta(minutes=90)
    assert "10:00–11:30" in page
    assert "0 / 2" in page

    # «Записать на прием» shows the receptions with free seats; «Записать» enrolls.
    chooser = await (await org.get(f"/staff/planning?enroll={first}")).text()
    assert 'name="reception_id"' in chooser
    assert "Прием по вопросам ЖКХ" in chooser
    for appeal in (first, second):
        status, _, page = await _post(
            org,
            "/staff/planning",
            "/staff/planning/enroll",
            {"appeal_id": str(appeal), "reception_id": str(reception)},
        )
        assert "Заявка записана на прием." in page
    assert "2 / 2" in page
    assert "Яма во дворе" not in page  # enrolled: gone from the left list
    # The reception is full: it is no longer offered, and posting for it is refused.
    chooser = await (await org.get(f"/staff/planning?enroll={third}")).text()
    assert "Нет запланированных приемов со свободными местами." in chooser
    _, _, page = await _post(
        org,
        "/staff/planning",
        "/staff/planning/enroll",
        {"appeal_id": str(third), "reception_id": str(reception)},
    )
    assert "На приеме нет свободных мест (всего 2)." in page

    # «Управление приемом»: the participants with their state and the buttons that apply.
    manage = f"/staff/receptions/{reception}"
    page = await (await org.get(manage)).text()
    assert "Управление приемом" in page
    assert "Сохранить изменения" in page
    assert page.count("Подготовка к участию") == 2
    assert f'href="/staff/appeals/{first}"' in page
    assert "ул. Мира, 1" in page
    assert "Иванова Мария Петровна" in page
    assert page.count(">Выслать приглашение<") == 2
    assert "Выслать приглашение всем" in page
    assert "Удалить прием" in page
    seats = [int(s) for s in re.findall(r'id="seat-(\d+)"', page)]
    status, _, page = await _post(org, manage, f"{manage}/seats/{seats[0]}/invite", {})
    assert "Приглашение выслано." in page
    assert "Ожидает подтверждения" in page
    assert page.count(">Выслать приглашение<") == 1
    (letter,) = [m for m in letters(settings.outbox_dir, "maria@example.ru") if "Приглашение" in m]
    assert "Прием по вопросам ЖКХ" in letter
    assert "10:00" in letter

    # The citizen confirms; then «Выслать приглашение всем» invites the other one only.
    deps = receptions_deps(app)
    await receptions_seats.answer(deps, first, people["citizen"], accept=True)
    _, _, page = await _post(org, manage, f"{manage}/invite", {})
    assert "Приглашения высланы: 1." in page
    assert "Приглашение подтверждено" in page
    assert "Выслать приглашение всем" not in page

    # «Сохранить изменения»: a capacity below the seats taken is refused, values kept.
    status, _, page = await _post(
        org, manage, manage, _form(crew, day, title="Новая тема", capacity="1")
    )
    assert status == 422
    assert "На прием уже записано 2" in page
    assert 'value="Новая тема"' in page

    # «Убрать из списка»: the appeal returns to the left list in «preparing».
    _, _, page = await _post(org, manage, f"{manage}/seats/{seats[0]}/remove", {})
    assert "Участник убран из списка" in page
    assert f'id="seat-{seats[0]}"' not in page
    planning = await (await org.get("/staff/planning")).text()
    assert "Яма во дворе" in planning
    assert "1 / 2" in planning
    status, _, page = await _post(
        org, manage, manage, _form(crew, day, "12:00", "13:00", title="Новая тема")
    )
    assert status == 303
    assert "Изменения сохранены." in page
    assert 'value="12:00"' in page

    # «Удалить»: a confirmation step, then every appeal goes back to preparing.
    confirm = await (await org.get(f"{manage}/cancel")).text()
    assert "вернутся в список на запись" in confirm
    status, where, page = await _post(org, f"{manage}/cancel", f"{manage}/cancel", {})
    assert where == "/staff/planning"
    assert "Прием удален" in page
    assert "Запланированных приемов нет." in page
    async with app_db.session() as session:
        for appeal in (first, second, third):
            row = await session.get(Appeal, appeal)
            assert row is not None
            assert row.status == Status.PREPARING
    assert page.count("Записать на прием") == 3


async def test_a_refused_form_comes_back_with_what_was_typed(
    app: web.Application,
    new_client: ClientFactory,
    people: dict[str, User],
    crew: dict[str, User],
    clock: MovableClock,
) -> None:
    org = await signed_in(new_client, people["organizer"])
    day = tomorrow_at(clock, 10, app).date().isoformat()
    cases = [
        (_form(crew, day, capacity="16"), "Количество участников — от 1 до 15."),
        (_form(crew, day, "12:00", "11:00"), "Время завершения должно быть позже"),
        (_form(crew, "2001-01-01"), "Прием нельзя запланировать на прошедшее время."),
        (_form(crew, "0001-01-01", "00:00"), "Укажите дату приема."),
        (_form(crew, day, host_id=str(crew["moderator"].id)), "Поле «Прием проводит»"),
        (_form(crew, day, moderator_id="99999999999"), "Выберите модератора."),
        (_form(crew, day, title="  "), "Укажите тему (название) приема."),
        ({}, "Укажите тему (название) приема."),
    ]
    for data, message in cases:
        status, _, page = await _post(org, "/staff/receptions/new", "/staff/receptions/new", data)
        assert status == 422, (data, page[-500:])
        assert message in page, (data, message)
        if data.get("description"):
            assert "Вопросы управляющих компаний" in page


async def test_an_ended_reception_is_read_only(
    app: web.Application,
    app_db: Database,
    new_client: ClientFactory,
    people: dict[str, User],
    crew: dict[str, User],
    refs: Reference,
    clock: MovableClock,
) -> None:
    (appeal,) = await _appeals(app, app_db, refs, people, ["Яма"])
    org = await signed_in(new_client, people["organizer"])
    day = tomorrow_at(clock, 10, app).date().isoformat()
    _, _, page = await _post(
        org, "/staff/receptions/new", "/staff/receptions/new", _form(crew, day)
    )
    reception = _reception_id(page)
    await _post(
        org,
        "/staff/planning",
        "/staff/planning/enroll",
        {"appeal_id": str(appeal), "reception_id": str(reception)},
    )
    async with app_db.session() as session, session.begin():
        await session.execute(
            update(Reception)
            .where(Reception.id == reception)
            .values(state="ended", ended_at=datetime.now(UTC))
        )
    page = await (await org.get(f"/staff/receptions/{reception}")).text()
    assert "Завершен" in page
    assert "disabled" in page
    for button in ("Сохранить изменения", "Выслать приглашение", "Убрать из списка", "Удалить"):
        assert button not in page, button
    assert "Подготовка к участию" in page  # the list is still shown
    status, _, page = await _post(
        org, f"/staff/receptions/{reception}", f"/staff/receptions/{reception}", _form(crew, day)
    )
    assert status == 422
    assert "Изменять можно только запланированный прием." in page


async def test_nobody_but_the_organizer_gets_in(
    app: web.Application,
    new_client: ClientFactory,
    people: dict[str, User],
    crew: dict[str, User],
) -> None:
    paths = [
        ("GET", "/staff/planning"),
        ("POST", "/staff/planning/enroll"),
        ("GET", "/staff/receptions/new"),
        ("POST", "/staff/receptions/new"),
        ("GET", "/staff/receptions/1"),
        ("POST", "/staff/receptions/1"),
        ("POST", "/staff/receptions/1/invite"),
        ("POST", "/staff/receptions/1/seats/1/invite"),
        ("POST", "/staff/receptions/1/seats/1/remove"),
        ("GET", "/staff/receptions/1/cancel"),
        ("POST", "/staff/receptions/1/cancel"),
    ]
    mounted = {
        (r.method, r.resource.canonical)
        for r in app.router.routes()
        if r.resource is not None
        and r.resource.canonical.startswith(("/staff/planning", "/staff/receptions"))
        and r.method != "HEAD"
    }
    assert len(mounted) == len(paths)
    for who in ("citizen", "officer", "admin"):
        client = await signed_in(new_client, people[who])
        csrf = csrf_of(await (await client.get("/")).text())
        for method, path in paths:
            response = await client.request(
                method, path, data={"_csrf": csrf} if method == "POST" else None
            )
            assert response.status == 403, (who, method, path, response.status)
    for who in ("host", "moderator"):
        client = await signed_in(new_client, crew[who])
        assert (await client.get("/staff/planning")).status == 403


async def test_the_planning_pages_speak_english(
    app: web.Application,
    new_client: ClientFactory,
    people: dict[str, User],
    crew: dict[str, User],
    clock: MovableClock,
) -> None:
    org = await signed_in(new_client, people["organizer"])
    await org.get("/lang/en")
    page = await (await org.get("/staff/planning")).text()
    assert "Reception planning" in page
    assert "Plan a new reception" in page
    day = tomorrow_at(clock, 10, app).date().isoformat()
    _, _, page = await _post(
        org, "/staff/receptions/new", "/staff/receptions/new", _form(crew, day)
    )
    assert "The reception «Прием по вопросам ЖКХ» is planned." in page
    manage = await (await org.get(f"/staff/receptions/{_reception_id(page)}")).text()
    assert "Manage the reception" in manage
    assert "Start time" in manage
