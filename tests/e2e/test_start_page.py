"""The start page in real headless Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]


async def test_start_page_in_chromium(live_server: str, browser: Any, artifacts: Path) -> None:
    page = await browser.new_page(viewport={"width": 1024, "height": 768})
    await page.goto(f"{live_server}/")
    assert await page.locator("h1").inner_text() == "Интерактивная приемная Губернатора"
    assert await page.get_attribute("html", "lang") == "ru"
    shot = artifacts / "start-page.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5000

    await page.click("text=EN")
    await page.wait_for_selector("html[lang=en]")
    assert "Interactive Reception" in await page.locator("h1").inner_text()
