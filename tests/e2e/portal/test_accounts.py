"""Accounts in real Chromium: registration to a complete profile, the staff entrance,
the version for the visually impaired, keyboard use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import Settings
from tests.e2e.portal.accounts_helpers import (
    PASSWORD,
    last_link,
    make_admin,
    sign_in,
    solve,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


async def test_citizen_registers_activates_and_completes_the_profile(
    live_server: str, settings: Settings, browser: Any, artifacts: Path
) -> None:
    page = await browser.new_page(viewport={"width": 1100, "height": 900})
    await page.goto(f"{live_server}/")
    await page.click("text=Регистрация")
    await page.fill("#f-surname", "Кузнецова")
    await page.fill("#f-name", "Елена")
    await page.fill("#f-email", "elena@example.ru")
    await page.fill("#f-phone", "+7 912 000-11-22")
    await page.fill("#f-password", PASSWORD)
    await page.fill("#f-password_again", PASSWORD)
    await page.check("#f-consent")
    question = await page.locator("label[for=f-human_check]").inner_text()
    await page.fill("#f-human_check", solve(question))
    await page.screenshot(path=str(artifacts / "register.png"), full_page=True)
    await page.click("button:has-text('Зарегистрироваться')")
    await page.wait_for_selector("text=Подтвердите адрес электронной почты")

    await page.goto(last_link(settings, "/activate"))
    await page.click("button:has-text('Далее')")
    await page.wait_for_selector("text=Личный кабинет активирован")

    await sign_in(page, live_server, "elena@example.ru")
    await page.goto(f"{live_server}/profile")
    assert await page.locator("#profile-incomplete").is_visible()
    await page.fill("#f-birth_date", "1990-07-15")
    await page.fill("#f-snils", "112-233-445 95")
    for field, value in {
        "postal_index": "620014",
        "region": "Свердловская область",
        "city": "Екатеринбург",
        "street": "Малышева",
        "house": "5",
    }.items():
        await page.fill(f"#f-{field}", value)
    await page.click("button:has-text('Сохранить'):not(:has-text('уведомлений'))")
    await page.wait_for_selector("#profile-complete")
    await page.screenshot(path=str(artifacts / "profile-complete.png"), full_page=True)


async def test_staff_entrance_and_admin_pages(
    live_server: str, settings: Settings, browser: Any
) -> None:
    await make_admin(settings)
    page = await browser.new_page()
    await page.goto(f"{live_server}/")
    await page.click("footer >> text=Для сотрудников")
    await page.wait_for_selector("h1:has-text('Вход для сотрудников')")
    await sign_in(page, live_server, "admin", staff=True)
    assert await page.locator("h1").inner_text() == "Кабинет сотрудника"
    await page.click("text=Сотрудники")
    await page.click("text=Добавить сотрудника")
    await page.fill("#f-login", "ov1")
    await page.fill("#f-surname", "Орлов")
    await page.fill("#f-name", "Виктор")
    await page.check("input[name=roles][value=department]")
    await page.fill("#f-password", "Officer123")
    await page.click("button:has-text('Сохранить')")
    await page.wait_for_selector("td:has-text('Ответственное ведомство')")


async def test_version_for_the_visually_impaired_is_remembered(
    live_server: str, browser: Any, artifacts: Path
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_server}/")
    base_size = await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    await page.click("text=Версия для слабовидящих")
    await page.check("input[name=font][value=xlarge]")
    await page.check("input[name=scheme][value=white-on-black]")
    await page.check("input[name=spacing][value=wide]")
    await page.click("button:has-text('Включить версию для слабовидящих')")
    await page.wait_for_selector("html.a11y.font-xlarge.scheme-white-on-black.spacing-wide")
    assert page.url.endswith("/"), "back to the page the visitor came from"

    # Remembered in this browser: a new page still has it.
    other = await context.new_page()
    await other.goto(f"{live_server}/register")
    style = await other.evaluate(
        "(() => { const s = getComputedStyle(document.body);"
        " return [parseFloat(s.fontSize), s.backgroundColor, s.letterSpacing]; })()"
    )
    assert style[0] >= base_size * 1.8
    assert style[1] == "rgb(0, 0, 0)"
    assert style[2] not in ("normal", "0px")
    await other.screenshot(path=str(artifacts / "a11y-register.png"), full_page=True)

    await other.click("text=Настройки версии для слабовидящих")
    await other.click("button:has-text('Основная версия')")
    await other.wait_for_load_state()
    assert await other.get_attribute("html", "class") == ""
    await context.close()


async def test_sign_in_form_works_from_the_keyboard(
    live_server: str, settings: Settings, browser: Any
) -> None:
    await make_admin(settings)
    page = await browser.new_page()
    await page.goto(f"{live_server}/staff/login")
    # The first Tab reaches the skip link, which moves focus to the content.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip-link"
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "f-login"
    await page.keyboard.type("admin")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "f-password"
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h1:has-text('Кабинет сотрудника')")
