"""In real Chromium: an over-limit file is refused next to the field before anything is
sent, and the typed text stays; the counter counts an emoji as one character."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import Settings
from portal.adapters.db import Database
from tests.e2e.portal.accounts_helpers import make_complete_citizen, sign_in
from tests.integration.portal.appeals.conftest import add_reference

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


async def test_an_over_limit_file_is_refused_in_the_page_and_the_text_stays(
    live_server: str, settings: Settings, browser: Any, tmp_path: Path
) -> None:
    await make_complete_citizen(settings)
    db = Database(settings.database_url)
    try:
        await add_reference(db)
    finally:
        await db.close()
    big = tmp_path / "скан.pdf"
    with big.open("wb") as handle:  # 21 MB, sparse: the page reads only its size
        handle.write(b"%PDF-1.4\n")
        handle.truncate(21 * 2**20)

    page = await browser.new_page()
    await sign_in(page, live_server, "anna@example.ru")
    await page.goto(f"{live_server}/appeals/new")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    await page.select_option("#topic_id", label="Жилищно-коммунальное хозяйство")
    await page.select_option("#municipality_id", label="г. Екатеринбург")
    await page.fill("#title", "Нет горячей воды")
    typed = "Нет горячей воды 😀😀 с первого числа."
    await page.fill("#text", typed)
    assert await page.locator("#text-counter [data-count]").inner_text() == str(len(typed))
    await page.check("#consent")

    await page.set_input_files("#files", str(big))
    error = page.locator("#files-error")
    await error.wait_for(state="visible")
    assert "Файлы больше 20 МБ в сумме" in await error.inner_text()
    await page.click("button:has-text('Отправить заявку')")
    assert await page.evaluate("document.getElementById('files').validationMessage")
    assert posts == [], "nothing is sent while a file is over the limit"
    assert page.url.endswith("/appeals/new")
    assert await page.input_value("#text") == typed
    assert await page.input_value("#title") == "Нет горячей воды"
