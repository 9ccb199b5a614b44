"""«Расписание приемов» and the reception's page: who sees which reception, the four
buttons exactly when they apply (seed 002), the categories and their counts in the local
month, and what the page «Подробнее» shows to its staff and to a citizen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import event, insert

from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Attendance, ModerationEntry, Reception
from tests.integration.portal.appeals.conftest import ClientFactory, MovableClock
from tests.integration.portal.receptions.conftest import csrf_of, signed_in
from tests.integration.portal.receptions.schedule_fixtures import (  # noqa: F401 (fixture)
    World,
    scene_fixture,
)

pytestmark = pytest.mark.timeout(120)

BUTTONS = ("Начать прием", "Подробнее", "Присоединиться к приему", "Закончить прием")


def row_buttons(page: str, reception_id: int) -> set[str] | None:
    """The buttons in the schedule's row of the reception; None: no such row."""
    row = re.search(rf'<tr data-reception="{reception_id}">(.*?)</tr>', page, re.S)
    if row is None:
        return None
    return {b for b in BUTTONS if f">{b}<" in row.group(1)}


async def schedule_of(client: TestClient[Any, Any], query: str = "") -> str:
    response = await client.get(f"/receptions{query}")
    assert response.status == 200
    return await response.text()


async def clients(scene: World, new_client: ClientFactory) -> dict[str, TestClient[Any, Any]]:
    names = ("host", "moderator", "organizer", "control", "officer", "admin")
    names += ("citizen", "invited", "declined", "other")
    return {name: await signed_in(new_client, scene.people[name]) for name in names}


async def test_buttons_follow_the_state_the_window_and_the_viewer(
    scene: World, new_client: ClientFactory
) -> None:
    c = await clients(scene, new_client)
    details = {"Подробнее"}

    # Two hours ahead: only «Подробнее», for everyone who sees the reception.
    for name in ("host", "moderator", "organizer", "control", "officer", "admin"):
        assert row_buttons(await schedule_of(c[name]), scene.a) == details, name
    for name in ("citizen", "invited", "declined"):
        assert row_buttons(await schedule_of(c[name]), scene.a) == details, name
    assert row_buttons(await schedule_of(c["other"]), scene.a) is None, "not their reception"
    assert row_buttons(await schedule_of(c["other"]), scene.b) == details
    assert row_buttons(await schedule_of(c["citizen"]), scene.b) is None

    # Within the hour before the start: «Начать прием» for those who run it.
    scene.to_window()
    for name in ("host", "moderator", "organizer"):
        assert row_buttons(await schedule_of(c[name]), scene.a) == details | {"Начать прием"}
        assert row_buttons(await schedule_of(c[name]), scene.b) == details, "B is 4 h away"
    for name in ("control", "officer", "admin", "citizen", "invited"):
        assert row_buttons(await schedule_of(c[name]), scene.a) == details, name

    # The moderator starts it from the schedule.
    page = await schedule_of(c["moderator"])
    started = await c["moderator"].post(
        f"/receptions/{scene.a}/start",
        data={"_csrf": csrf_of(page), "next": "/receptions"},
        allow_redirects=False,
    )
    assert started.status == 303
    assert started.headers["Location"] == "/receptions"
    joined = details | {"Присоединиться к приему"}
    for name in ("host", "moderator", "organizer"):
        assert row_buttons(await schedule_of(c[name]), scene.a) == joined | {"Закончить прием"}
    for name in ("control", "officer", "citizen"):
        assert row_buttons(await schedule_of(c[name]), scene.a) == joined, name
    for name in ("admin", "invited", "declined"):
        assert row_buttons(await schedule_of(c[name]), scene.a) == details, name

    # The host ends it: only «Подробнее» is left.
    ended = await c["host"].post(
        f"/receptions/{scene.a}/end",
        data={"_csrf": csrf_of(await schedule_of(c["host"]))},
        allow_redirects=False,
    )
    assert ended.status == 303
    after = await schedule_of(c["host"])
    assert "Прием закончен." in after
    for name in ("host", "moderator", "organizer", "control", "citizen"):
        assert row_buttons(await schedule_of(c[name]), scene.a) == details, name


async def test_start_is_refused_outside_the_window_and_to_others(
    scene: World, new_client: ClientFactory
) -> None:
    host = await signed_in(new_client, scene.people["host"])
    control = await signed_in(new_client, scene.people["control"])
    early = await host.post(
        f"/receptions/{scene.a}/start",
        data={"_csrf": csrf_of(await schedule_of(host))},
    )
    assert "Начать прием можно за час до его начала" in await early.text()
    scene.to_window()
    refused = await control.post(
        f"/receptions/{scene.a}/start",
        data={"_csrf": csrf_of(await schedule_of(control))},
    )
    assert "Начать прием может его ведущий, модератор или организатор." in await refused.text()
    # An odd "next" never leads off the schedule.
    started = await host.post(
        f"/receptions/{scene.a}/start",
        data={"_csrf": csrf_of(await schedule_of(host)), "next": "https://evil.example/"},
        allow_redirects=False,
    )
    assert started.headers["Location"] == "/receptions"
    missing = await host.post(
        "/receptions/999999/end", data={"_csrf": csrf_of(await schedule_of(host))}
    )
    assert missing.status == 404


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


async def test_categories_count_by_the_local_month(
    people: dict[str, User], app_db: Database, new_client: ClientFactory, clock: MovableClock
) -> None:
    """At 23:30 МСК on 31 March (20:30 UTC): 01.03 00:30 МСК is March although it is still
    February in UTC; 01.04 00:00 МСК is April although it is still March in UTC."""
    clock.freeze()
    clock.advance(utc(2025, 3, 31, 20, 30) - clock.now())
    organizer = people["organizer"]
    rows = [
        ("1 марта, полночь", utc(2025, 2, 28, 21, 30), "ended"),
        ("28 февраля", utc(2025, 2, 28, 20, 30), "ended"),
        ("Сегодня поздно", utc(2025, 3, 31, 20, 45), "planned"),
        ("1 апреля", utc(2025, 3, 31, 21, 0), "planned"),
        ("Идет сейчас", utc(2025, 3, 31, 19, 0), "live"),
        ("Удален", utc(2025, 3, 31, 20, 50), "cancelled"),
    ]
    async with app_db.session() as session, session.begin():
        await session.execute(
            insert(Reception),
            [
                {
                    "title": title,
                    "description": "",
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=1),
                    "capacity": 5,
                    "seats_taken": 0,
                    "host_id": organizer.id,
                    "moderator_id": organizer.id,
                    "state": state,
                    "created_at": starts - timedelta(days=10),
                }
                for title, starts, state in rows
            ],
        )
    client = await signed_in(new_client, organizer)
    page = await schedule_of(client)
    assert 'Все <span class="count">(5)</span>' in page
    assert 'В этом месяце <span class="count">(3)</span>' in page
    assert 'Будущие <span class="count">(2)</span>' in page
    assert "Удален" not in page

    def titles(page: str) -> list[str]:
        return re.findall(r'<td><a href="/receptions/\d+">([^<]+)</a></td>', page)

    assert titles(page) == [
        "1 апреля",
        "Сегодня поздно",
        "Идет сейчас",
        "1 марта, полночь",
        "28 февраля",
    ], "newest first"
    month = await schedule_of(client, "?category=month")
    assert titles(month) == ["1 марта, полночь", "Идет сейчас", "Сегодня поздно"]
    assert "01.03.2025 00:30–01:30 МСК" in month
    future = await schedule_of(client, "?category=future")
    assert titles(future) == ["Сегодня поздно", "1 апреля"]
    assert "01.04.2025 00:00–01:00 МСК" in future
    odd = await schedule_of(client, "?category=nonsense&page=-3")
    assert titles(odd) == titles(page)


async def test_a_thousand_receptions_page_in_a_few_queries(
    people: dict[str, User], app_db: Database, new_client: ClientFactory
) -> None:
    organizer = people["organizer"]
    start = datetime.now(UTC) - timedelta(days=500)
    async with app_db.session() as session, session.begin():
        await session.execute(
            insert(Reception),
            [
                {
                    "title": f"Прием {n}",
                    "description": "",
                    "starts_at": start + timedelta(days=n),
                    "ends_at": start + timedelta(days=n, hours=1),
                    "capacity": 5,
                    "seats_taken": 0,
                    "host_id": organizer.id,
                    "moderator_id": organizer.id,
                    "state": "ended" if n < 500 else "planned",
                    "created_at": start,
                }
                for n in range(1000)
            ],
        )
    client = await signed_in(new_client, organizer)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(app_db.engine.sync_engine, "before_cursor_execute", count)
    try:
        page = await schedule_of(client, "?page=7")
    finally:
        event.remove(app_db.engine.sync_engine, "before_cursor_execute", count)
    assert 'Все <span class="count">(1000)</span>' in page
    assert "Страница 7 / 50" in page
    receptions = [s for s in statements if "receptions" in s]
    assert len(receptions) <= 3, receptions


async def test_the_reception_page_for_its_staff_and_for_a_citizen(
    scene: World, new_client: ClientFactory, app_db: Database
) -> None:
    citizen, other = scene.people["citizen"], scene.people["other"]
    async with app_db.session() as session, session.begin():
        session.add(
            Attendance(
                reception_id=scene.a,
                user_id=citizen.id,
                role="citizen",
                first_joined_at=utc(2026, 1, 15, 7, 0),
                on_air_seconds=125,
                banned=False,
            )
        )
        session.add(
            ModerationEntry(
                reception_id=scene.a,
                at=utc(2026, 1, 15, 7, 5),
                actor_id=scene.people["moderator"].id,
                action="set_floor",
                target_id=citizen.id,
                detail={"on_air": True},
            )
        )
        session.add(
            ModerationEntry(
                reception_id=scene.a,
                at=utc(2026, 1, 15, 7, 6),
                actor_id=scene.people["moderator"].id,
                action="limit_bandwidth",
                target_id=citizen.id,
                detail={"kbps": 256},
            )
        )

    organizer = await signed_in(new_client, scene.people["organizer"])
    page = await (await organizer.get(f"/receptions/{scene.a}")).text()
    for text in (
        "Прием по вопросам ЖКХ",
        "Ведущий",
        "Модератов",
        "Запланирован",
        "Приглашение подтверждено",
        "Ожидает подтверждения",
        "Отказался",
        "Иванов Иван",
        "Участвовали в приеме",
        "Гражданин",
        "0:02:05",
        "15.01.2026 10:00 МСК",
        "15.01.2026 10:05:00 МСК",
        "Включил видео и звук",
        "Ограничил скорость интернет-соединения участника",
        "256 кбит/с",
        "Прием запланирован",
        f'href="/staff/receptions/{scene.a}"',
        "Редактировать",
    ):
        assert text in page, text

    for name in ("host", "control"):
        staff = await signed_in(new_client, scene.people[name])
        page = await (await staff.get(f"/receptions/{scene.a}")).text()
        assert "Иванов Иван" in page, name
        assert "Журнал модерации" in page, name
        assert "Редактировать" not in page, name
    officer = await signed_in(new_client, scene.people["officer"])
    page = await (await officer.get(f"/receptions/{scene.a}")).text()
    assert "Прием по вопросам ЖКХ" in page
    assert "Иванов Иван" not in page
    assert "Журнал модерации" not in page

    mine = await signed_in(new_client, citizen)
    page = await (await mine.get(f"/receptions/{scene.a}")).text()
    assert "Прием по вопросам ЖКХ" in page
    assert "Приглашение подтверждено" in page
    for hidden in ("Иванов Иван", "Орлова", "Журнал модерации", "Редактировать"):
        assert hidden not in page, hidden
    assert "0:02:05" in page, "their own participation"

    stranger = await signed_in(new_client, other)
    missing = await stranger.get(f"/receptions/{scene.a}")
    assert missing.status == 404
    assert "Прием не найден." in await missing.text()
    assert (await stranger.get("/receptions/999999")).status == 404
    assert (await stranger.get(f"/receptions/{scene.b}")).status == 200
