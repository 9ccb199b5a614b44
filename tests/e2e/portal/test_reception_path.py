"""From appeal to reception to control, in real Chromium, clicked as the people would:
a citizen files an appeal; a department officer recommends it; the organizer queues it,
plans a reception, enrolls and invites; the citizen confirms; the governor presses
«Начать прием», the moderator joins, the citizen joins from the appeal and is given the
floor and seen by the governor; «Закончить прием»; the appeal is «Прием прошел»; the
control officer takes it on control and marks it «Исполнено». Each page is kept as a
screenshot."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from portal.adapters.db import Database
from portal.domain.local_time import zone
from portal.domain.roles import Role
from portal.services import reference
from portal.services.reference import Kind
from tests.e2e.portal.accounts_helpers import make_complete_citizen, make_user, sign_in
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
VIEW = {"width": 1280, "height": 800}


class Shots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def take(self, page: Any, name: str) -> None:
        self.count += 1
        await page.screenshot(
            path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True
        )


async def _staff(settings: Settings) -> dict[str, int]:
    made = {}
    for login, role, surname in (
        ("officer", Role.DEPARTMENT, "Сидоров"),
        ("organizer", Role.ORGANIZER, "Орлова"),
        ("governor", Role.HOST, "Губернатор"),
        ("moderator", Role.MODERATOR, "Модераторов"),
        ("control", Role.CONTROL, "Контролев"),
    ):
        user = await make_user(
            settings,
            login=login,
            email=f"{login}@example.ru",
            roles=[role.value],
            surname=surname,
            name="Иван",
        )
        made[login] = user.id
    db = Database(settings.database_url)
    try:
        await reference.save_entry(db, Kind.TOPICS, "Дороги")
        await reference.save_entry(db, Kind.MUNICIPALITIES, "г. Ростов-на-Дону")
        await reference.save_entry(db, Kind.DEPARTMENTS, "Министерство транспорта")
    finally:
        await db.close()
    return made


def _slot(settings: Settings) -> tuple[str, str, str]:
    """Today's (local) date and a start ten minutes ahead, so «Начать прием» applies."""
    now = datetime.now(zone(settings.server.time_zone))
    start = (now + timedelta(minutes=10)).replace(second=0, microsecond=0)
    if start.hour == 23 and start.minute >= 50:
        start = (start + timedelta(days=1)).replace(hour=0, minute=1)
    end = min(start + timedelta(hours=1), start.replace(hour=23, minute=59))
    return start.date().isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M")


async def _conference_ready(page: Any) -> None:
    await page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=20_000)


async def _frames(page: Any, participant_id: str) -> int:
    received = await page.evaluate("window.conference ? window.conference.received() : {}")
    return int(received.get(participant_id, {}).get("video", 0))


async def test_from_appeal_through_the_reception_to_control(
    live_server: str, settings: Settings, browser: Any, artifacts: Path
) -> None:
    base = live_server
    shots = Shots(artifacts)
    staff = await _staff(settings)
    citizen_user = await make_complete_citizen(settings)

    # The citizen files an appeal.
    citizen = await browser.new_page(viewport=VIEW, locale="ru-RU")
    await sign_in(citizen, base, citizen_user.email)
    await citizen.goto(f"{base}/appeals/new")
    await citizen.select_option("#topic_id", label="Дороги")
    await citizen.select_option("#municipality_id", label="г. Ростов-на-Дону")
    await citizen.fill("#title", "Разбита дорога к школе")
    await citizen.fill("#address", "ул. Садовая, 5")
    await citizen.fill("#text", "Дорога к школе № 12 разбита, дети ходят по обочине.")
    await citizen.check("#consent")
    await citizen.click("button:has-text('Отправить заявку')")
    await citizen.wait_for_selector("text=Заявка зарегистрирована.")
    number = (await citizen.locator("h1").inner_text()).split("№ ")[1]
    appeal_url = citizen.url
    await shots.take(citizen, "citizen-filed")

    # The department officer takes it into work and recommends it.
    officer = await browser.new_page(viewport=VIEW, locale="ru-RU")
    await sign_in(officer, base, "officer", staff=True)
    await officer.goto(f"{base}/staff/appeals")
    await officer.locator("table.journal tbody tr", has_text=number).locator("a").first.click()
    await officer.select_option("#department_id", label="Министерство транспорта")
    await officer.fill("#sed_number", "01-02/345")
    await officer.click("#work button:has-text('Сохранить')")
    await officer.click("button:has-text('Направить в работу')")
    await officer.wait_for_selector("text=Заявка направлена в работу.")
    await officer.click("button:has-text('Рекомендовать к приему')")
    await officer.wait_for_selector("#appeal dd.status:has-text('Рекомендована')")
    await shots.take(officer, "officer-recommended")

    # The organizer queues it, plans a reception, enrolls and invites.
    organizer = await browser.new_page(viewport=VIEW, locale="ru-RU")
    await sign_in(organizer, base, "organizer", staff=True)
    await organizer.goto(f"{base}/staff/appeals")
    await shots.take(organizer, "organizer-journal")
    await organizer.locator("table.journal tbody tr", has_text=number).locator("a").first.click()
    await organizer.click("button:has-text('В очередь на прием')")
    await organizer.wait_for_selector("#appeal dd.status:has-text('Подготовка к участию')")
    await organizer.goto(f"{base}/staff/planning")
    await organizer.click("text=Запланировать новый прием")
    day, start, end = _slot(settings)
    await organizer.fill("#day", day)
    await organizer.fill("#capacity", "15")
    await organizer.fill("#start", start)
    await organizer.fill("#end", end)
    await organizer.fill("#title", "Прием граждан губернатором")
    await organizer.fill("#description", "Вопросы дорожного хозяйства")
    await organizer.select_option("#host_id", value=str(staff["governor"]))
    await organizer.select_option("#moderator_id", value=str(staff["moderator"]))
    await shots.take(organizer, "organizer-new-reception")
    await organizer.click("button:has-text('Добавить')")
    await organizer.wait_for_url(lambda url: not url.endswith("/new"))
    await organizer.goto(f"{base}/staff/planning")
    row = organizer.locator("#waiting tbody tr", has_text=number)
    await row.locator("text=Записать на прием").click()
    await organizer.wait_for_url(lambda url: "enroll=" in url)
    await (
        organizer.locator("#waiting tbody tr", has_text=number)
        .locator("button:has-text('Записать')")
        .click()
    )
    await organizer.wait_for_selector("#planned tbody tr:has-text('1 / 15')")
    await shots.take(organizer, "organizer-planning")
    await organizer.click("#planned >> text=Управление приемом")
    await organizer.click("button:has-text('Выслать приглашение')")
    await organizer.wait_for_selector("text=Ожидает подтверждения")
    await shots.take(organizer, "organizer-manage")
    reception_id = organizer.url.rstrip("/").split("/")[-1].split("?")[0].split("#")[0]

    # The citizen confirms from the appeal.
    await citizen.goto(appeal_url)
    await citizen.click("#invitation button:has-text('Подтвердить участие')")
    await citizen.wait_for_selector("#invitation dd.status:has-text('Приглашение подтверждено')")
    await shots.take(citizen, "citizen-confirmed")

    # The governor starts the reception from the schedule; the moderator joins.
    governor = await browser.new_page(viewport=VIEW, locale="ru-RU")
    await sign_in(governor, base, "governor", staff=True)
    await governor.goto(f"{base}/receptions")
    await shots.take(governor, "governor-schedule")
    await governor.click("button:has-text('Начать прием')")
    await governor.wait_for_selector("text=Присоединиться к приему")
    moderator = await browser.new_page(viewport=VIEW, locale="ru-RU")
    moderator.on("dialog", lambda dialog: dialog.accept())
    await sign_in(moderator, base, "moderator", staff=True)
    await moderator.goto(f"{base}/receptions")
    await moderator.click("button:has-text('Присоединиться к приему')")
    await _conference_ready(moderator)
    governor_conf = await browser.new_page(viewport=VIEW, locale="ru-RU")
    await sign_in(governor_conf, base, "governor", staff=True)
    await governor_conf.goto(f"{base}/receptions/{reception_id}")
    await governor_conf.click("button:has-text('Присоединиться к приему')")
    await _conference_ready(governor_conf)

    # The citizen joins from the appeal, is given the floor, and the governor sees them.
    await citizen.goto(appeal_url)
    await shots.take(citizen, "citizen-join")
    await citizen.click("#invitation button:has-text('Присоединиться к приему')")
    await _conference_ready(citizen)
    citizen_id = str(citizen_user.id)
    floor = f'#participant-list li[data-id="{citizen_id}"] [data-action="set_floor"]'
    await moderator.click(floor)
    await wait_until(
        lambda: _frames(governor_conf, citizen_id), timeout=20, message="governor sees citizen"
    )
    await shots.take(moderator, "moderator-console")
    await shots.take(governor_conf, "governor-conference")
    await shots.take(citizen, "citizen-conference")

    # «Закончить прием» from the schedule: everyone is sent out, the appeal was held.
    await governor.goto(f"{base}/receptions/{reception_id}")
    await governor.click("button:has-text('Закончить прием')")
    await citizen.wait_for_selector("text=Прием завершен", timeout=10_000)
    await governor.goto(f"{base}/receptions/{reception_id}")
    await shots.take(governor, "governor-reception-record")
    record = await governor.locator("main").inner_text()
    assert "Включил видео и звук" in record or "set_floor" in record
    await citizen.goto(appeal_url)
    assert await citizen.locator("dd.status").first.inner_text() == "Прием прошел"

    # The control officer takes it on control and marks it «Исполнено».
    control = await browser.new_page(viewport=VIEW, locale="ru-RU")
    await sign_in(control, base, "control", staff=True)
    await control.goto(f"{base}/staff/appeals")
    await shots.take(control, "control-journal")
    await control.locator("table.journal tbody tr", has_text=number).locator("a").first.click()
    await control.click("button:has-text('На контроль')")
    await control.wait_for_selector("#appeal dd.status:has-text('На контроле')")
    await control.select_option("#control-department", label="Министерство транспорта")
    await control.fill("#control-sed", "05-11/901")
    await control.click("#control button:has-text('Добавить')")
    await control.wait_for_selector("#control td:has-text('05-11/901')")
    today = datetime.now(zone(settings.server.time_zone)).date().isoformat()
    await control.fill("#planned_on", today)
    await control.fill("#executed_on", today)
    await control.fill("#control-comment", "Дорога отремонтирована")
    await control.click("#control button:has-text('Сохранить')")
    await control.wait_for_selector("#control button:has-text('Исполнено'):not([disabled])")
    await control.click("#control button:has-text('Исполнено')")
    await control.wait_for_selector("#appeal dd.status:has-text('Решена')")
    await shots.take(control, "control-resolved")
    await citizen.goto(appeal_url)
    assert await citizen.locator("dd.status").first.inner_text() == "Решена"
