"""The appeal flow in real Chromium: an administrator fills the reference lists, a citizen
registers and files an appeal with files, the department officer takes it into work and
answers from a template with a document attached, the citizen downloads the answer PDF."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from config import Settings
from portal.domain.roles import Role
from tests.e2e.portal.accounts_helpers import (
    PASSWORD,
    last_link,
    make_admin,
    make_user,
    sign_in,
    solve,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def serious_violations(page: Any) -> list[str]:
    """axe-core on the page as it is now: critical and serious findings only."""
    # Evaluated by the browser's debugging protocol: the page's CSP forbids inline scripts.
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    result = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("critical", "serious")
    ]


async def fill_reference(page: Any, base: str) -> None:
    await sign_in(page, base, "admin", staff=True)
    for kind, name in (
        ("topics", "Жилищно-коммунальное хозяйство"),
        ("municipalities", "г. Екатеринбург"),
        ("departments", "Министерство энергетики и ЖКХ"),
    ):
        await page.goto(f"{base}/admin/reference/{kind}")
        await page.fill("#new-name", name)
        await page.click("button:has-text('Добавить')")
        await page.wait_for_selector(f"input[value='{name}']")
        assert await serious_violations(page) == [], kind
    await page.click("button:has-text('Выйти')")


async def register_citizen(page: Any, base: str, settings: Settings) -> None:
    await page.goto(f"{base}/register")
    for field, value in {
        "surname": "Кузнецова",
        "name": "Елена",
        "email": "elena@example.ru",
        "phone": "+7 912 000-11-22",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }.items():
        await page.fill(f"#f-{field}", value)
    await page.check("#f-consent")
    await page.fill(
        "#f-human_check", solve(await page.locator("label[for=f-human_check]").inner_text())
    )
    await page.click("button:has-text('Зарегистрироваться')")
    await page.wait_for_selector("text=Подтвердите адрес электронной почты")
    await page.goto(last_link(settings, "/activate"))
    await page.click("button:has-text('Далее')")
    await page.wait_for_selector("text=Личный кабинет активирован")
    await sign_in(page, base, "elena@example.ru")
    await page.goto(f"{base}/profile")
    for field, value in {
        "birth_date": "1990-07-15",
        "snils": "112-233-445 95",
        "postal_index": "620014",
        "region": "Свердловская область",
        "city": "Екатеринбург",
        "street": "Малышева",
        "house": "5",
    }.items():
        await page.fill(f"#f-{field}", value)
    await page.click("button:has-text('Сохранить'):not(:has-text('уведомлений'))")
    await page.wait_for_selector("#profile-complete")


async def test_appeal_from_filing_to_answer_pdf(
    live_server: str, settings: Settings, browser: Any, artifacts: Path
) -> None:
    await make_admin(settings)
    await make_user(
        settings,
        login="officer",
        email="officer@example.ru",
        roles=[Role.DEPARTMENT.value],
        surname="Сидоров",
        name="Олег",
    )
    admin = await browser.new_page(viewport={"width": 1100, "height": 900})
    await fill_reference(admin, live_server)

    citizen = await browser.new_page(viewport={"width": 1100, "height": 900})
    await register_citizen(citizen, live_server, settings)
    await citizen.goto(f"{live_server}/appeals/new")
    await citizen.screenshot(path=str(artifacts / "new-appeal-empty.png"), full_page=True)
    await citizen.select_option("#topic_id", label="Жилищно-коммунальное хозяйство")
    await citizen.select_option("#municipality_id", label="г. Екатеринбург")
    await citizen.fill("#title", "Нет горячей воды")
    await citizen.fill("#address", "ул. Малышева, 5")
    # The live counter counts as one types and turns red at 2000 characters.
    await citizen.fill("#text", "я" * 2000)
    assert await citizen.locator("#text-counter [data-count]").inner_text() == "2000"
    assert "at-limit" in (await citizen.get_attribute("#text-counter", "class") or "")
    text = "В доме нет горячей воды с первого числа."
    await citizen.fill("#text", text)
    assert await citizen.locator("#text-counter [data-count]").inner_text() == str(len(text))
    assert "at-limit" not in (await citizen.get_attribute("#text-counter", "class") or "")
    await citizen.set_input_files(
        "#files",
        [
            {"name": "счет.png", "mimeType": "image/png", "buffer": PNG},
            {"name": "акт.pdf", "mimeType": "application/pdf", "buffer": PDF},
        ],
    )
    await citizen.check("#consent")
    await citizen.screenshot(path=str(artifacts / "new-appeal.png"), full_page=True)
    await citizen.click("button:has-text('Отправить заявку')")
    await citizen.wait_for_selector("text=Заявка зарегистрирована.")
    number = (await citizen.locator("h1").inner_text()).split("№ ")[1]
    assert await citizen.locator("dd.status").inner_text() == "Новая"
    assert await citizen.locator("ul.files a").all_inner_texts() == ["счет.png", "акт.pdf"]
    appeal_url = citizen.url

    officer = await browser.new_page(viewport={"width": 1100, "height": 900})
    await sign_in(officer, live_server, "officer", staff=True)
    await officer.goto(f"{live_server}/staff/appeals")
    await officer.screenshot(path=str(artifacts / "journal.png"), full_page=True)
    assert await serious_violations(officer) == []
    row = officer.locator("table.journal tbody tr", has_text=number)
    assert "Кузнецова Елена" in await row.inner_text()
    assert "29 дней 23 час" in await row.inner_text()
    await row.locator("a").first.click()
    await officer.select_option("#department_id", label="Министерство энергетики и ЖКХ")
    await officer.fill("#sed_number", "01-01/777")
    await officer.click("#work button:has-text('Сохранить')")
    await officer.wait_for_selector("text=Ведомство-исполнитель сохранено.")
    await officer.click("button:has-text('Направить в работу')")
    await officer.wait_for_selector("text=Заявка направлена в работу.")
    assert await officer.locator("#appeal dd.status").inner_text() == "В работе"

    await officer.set_input_files(
        "#doc-files",
        [
            {
                "name": "ответ ресурсоснабжающей.txt",
                "mimeType": "text/plain",
                "buffer": "Подача воды восстановлена.".encode(),
            }
        ],
    )
    await officer.click("#documents button:has-text('Загрузить')")
    await officer.wait_for_selector("text=Документы загружены.")
    await officer.click("#documents button:has-text('Прикрепить к ответу')")
    await officer.wait_for_selector("#documents button[aria-pressed=true]")

    await officer.select_option("#template", label="Ответ без участия в приеме")
    await officer.click("button:has-text('Подставить шаблон')")
    answer = officer.locator("#answer-text")
    assert f"№ {number}" in await answer.input_value()
    assert "Кузнецова Елена" in await answer.input_value()
    await answer.fill(await answer.input_value() + "Горячая вода подана 5 числа.")
    await officer.screenshot(path=str(artifacts / "officer-appeal.png"), full_page=True)
    assert await serious_violations(officer) == []
    await officer.click("button:has-text('Дать ответ')")
    await officer.wait_for_selector("text=Ответ отправлен гражданину.")

    await citizen.goto(appeal_url)
    assert await citizen.locator("dd.status").inner_text() == "Дан ответ"
    assert "Горячая вода подана 5 числа." in await citizen.locator(".answer-text").inner_text()
    await citizen.screenshot(path=str(artifacts / "citizen-answer.png"), full_page=True)
    assert await serious_violations(citizen) == []
    async with citizen.expect_download() as info:
        await citizen.click("text=Скачать ответ (PDF)")
    download = await info.value
    reader = PdfReader(io.BytesIO(Path(await download.path()).read_bytes()))
    content = "".join(p.extract_text() for p in reader.pages)
    assert f"Ответ на заявку № {number}" in content
    assert "Горячая вода подана 5 числа." in content
    assert reader.attachments["ответ ресурсоснабжающей.txt"] == [
        "Подача воды восстановлена.".encode()
    ]
