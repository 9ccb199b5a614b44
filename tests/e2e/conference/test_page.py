"""The conference page on its own: refusal message, «Настройки», tablet viewport, English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


async def test_settings_tablet_viewport_and_messages(open_person: Callable[..., Any]) -> None:
    citizen = await open_person("citizen-1")
    await citizen.wait_body("refusal", "moderator_absent")
    page = citizen.page

    # «Настройки»: devices listed, a live preview and a moving microphone level meter.
    await page.click("#settings summary")
    await page.wait_for_selector("#camera option", state="attached")
    assert await page.locator("#microphone option").count() >= 1
    await wait_until(
        lambda: page.evaluate("document.getElementById('settings-preview').videoWidth > 0"),
        timeout=10,
        interval=0.2,
        message="settings preview",
    )
    await wait_until(
        lambda: page.evaluate("document.getElementById('mic-meter').value > 0"),
        timeout=10,
        interval=0.2,
        message="microphone level meter",
    )

    # A 1024×768 touch tablet: nothing wider than the screen, controls big enough to touch.
    assert await page.evaluate("document.documentElement.scrollWidth") <= 1024
    heights = await page.evaluate(
        "[...document.querySelectorAll('#controls button')].map(b => b.offsetHeight)"
    )
    assert heights
    assert min(heights) >= 44
    await page.tap("#compact")
    assert await page.get_attribute("body", "class") == "conference compact"

    await page.click('button[data-lang="en"]')
    assert "moderator has not joined" in await page.inner_text("#notice-text")
    await page.click('button[data-lang="ru"]')
    assert "Модератор еще не присоединился" in await page.inner_text("#notice-text")


async def test_page_without_token_says_the_link_is_invalid(
    open_person: Callable[..., Any], demo_links: dict[str, str]
) -> None:
    citizen = await open_person("citizen-1")
    await citizen.page.goto(demo_links["citizen-1"].split("#")[0])
    await citizen.page.wait_for_selector("#notice:not([hidden])")
    assert "недействительна" in await citizen.page.inner_text("#notice-text")
