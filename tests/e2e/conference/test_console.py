"""The moderator's console with a full reception (15 citizens) on a tablet, in Chromium.

Fourteen citizens and the governor join as socket.io clients without media (fifteen
Chromium pages are too heavy for a test machine); one citizen is a real page. The console
must keep one line per person, touch targets of 44 px, the whole page inside the screen at
1024×768 and 768×1024, and each person's commands in their own menu.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from signaling.protocol import Role
from tests.e2e.conference.conftest import Person, press, reception_of
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

TABLETS = [(1024, 768), (768, 1024)]
LIGHT_CITIZENS = 14
ROW_MAX_PX = 52
TOUCH_PX = 44

GEOMETRY = """() => {
  const box = (el) => el.getBoundingClientRect();
  const rows = [...document.querySelectorAll('#participant-list li')];
  const list = document.getElementById('participant-list');
  const targets = [...document.querySelectorAll(
    '#participant-list button, #participant-filter, #end-conference, #default-layout')];
  const end = box(document.getElementById('end-conference'));
  return {
    pageHeight: document.documentElement.scrollHeight,
    pageWidth: document.documentElement.scrollWidth,
    rows: rows.length,
    rowHeights: rows.map((r) => Math.round(box(r).height)),
    smallestTarget: Math.min(...targets.map((t) => Math.min(box(t).height, box(t).width))),
    visibleRows: Math.floor(list.clientHeight / box(rows[0]).height),
    listScrolls: list.scrollHeight > list.clientHeight,
    selfView: Math.round(box(document.getElementById('self-view')).height),
    stage: Math.round(box(document.getElementById('stage')).height),
    endInside: end.top >= 0 && end.bottom <= innerHeight,
  };
}"""

MENU = """() => {
  const menu = document.getElementById('participant-menu').getBoundingClientRect();
  const controls = [...document.querySelectorAll(
    '#participant-menu button, #participant-menu select, #participant-menu input')];
  return {
    inside: menu.top >= 0 && menu.left >= 0
      && menu.bottom <= innerHeight && menu.right <= innerWidth,
    smallest: Math.min(...controls.map((c) => c.getBoundingClientRect().height)),
    labels: controls.map((c) => c.textContent.trim() || c.dataset.action),
  };
}"""


async def rows_shown(moderator: Person) -> int:
    return int(await moderator.page.locator("#participant-list li").count())


async def test_fifteen_citizens_on_a_tablet(
    open_person: Callable[..., Any],
    light_people: Callable[..., Awaitable[None]],
    demo_links: dict[str, str],
    artifacts: Path,
) -> None:
    reception = reception_of(demo_links["moderator"])
    moderator = await open_person("moderator")
    await moderator.wait_body("ready", "true")
    citizen = await open_person("citizen-1")
    await citizen.wait_body("ready", "true")
    await light_people(reception, "host", "Губернатор", Role.HOST)
    for n in range(1, LIGHT_CITIZENS + 1):
        surname = "Константинопольская-Верхнеднепровская" if n % 5 == 0 else "Петрова"
        await light_people(reception, f"guest-{n:02}", f"{surname} Анна {n:02}", Role.CITIZEN)
    await wait_until(
        lambda: _equals(rows_shown(moderator), 17), timeout=10, message="all 17 people listed"
    )
    await press(moderator, "citizen-1", "set_floor")
    await press(moderator, "guest-02", "hold")
    await moderator.page.wait_for_selector('li[data-id="guest-02"][data-state="held"]')
    await moderator.page.wait_for_selector('li[data-id="citizen-1"][data-state="on_air"]')
    # Those who send no media at all are marked so.
    await moderator.page.wait_for_selector('li[data-id="guest-03"] [aria-label="Нет камеры"]')
    assert (
        await moderator.page.locator('li[data-id="citizen-1"] [aria-label="Нет камеры"]').count()
        == 0
    )

    page = moderator.page
    for width, height in TABLETS:
        await page.set_viewport_size({"width": width, "height": height})
        await page.wait_for_timeout(300)
        geometry = await page.evaluate(GEOMETRY)
        print(f"{width}×{height}: {geometry}")
        assert geometry["rows"] == 17
        assert geometry["pageHeight"] <= height
        assert geometry["pageWidth"] <= width
        assert max(geometry["rowHeights"]) <= ROW_MAX_PX, geometry["rowHeights"]
        assert geometry["smallestTarget"] >= TOUCH_PX
        assert geometry["visibleRows"] >= 7
        assert geometry["selfView"] <= 80
        assert geometry["stage"] >= 250
        assert geometry["endInside"]
        await page.screenshot(path=str(artifacts / f"console-{width}x{height}.png"))

        # The last person's menu opens inside the screen, every control big enough to touch.
        last = page.locator("#participant-list li").last
        await last.scroll_into_view_if_needed()
        await last.locator('[data-action="menu"]').click()
        await page.wait_for_selector("#participant-menu:not([hidden])")
        menu = await page.evaluate(MENU)
        print(f"{width}×{height} menu: {menu}")
        assert menu["inside"]
        assert menu["smallest"] >= TOUCH_PX
        assert "Удалить из конференции" in menu["labels"]
        await page.screenshot(path=str(artifacts / f"console-menu-{width}x{height}.png"))
        await page.keyboard.press("Escape")
        await page.wait_for_selector("#participant-menu", state="hidden")

    # Filtered by state: each filter shows the staff and the citizens in that state.
    for name, citizens in (("on_air", ["citizen-1"]), ("held", ["guest-02"]), ("waiting", None)):
        await page.select_option("#participant-filter", name)
        shown = await page.eval_on_selector_all(
            '#participant-list li:not([data-id="moderator"]):not([data-id="host"])',
            "(rows) => rows.map((r) => r.dataset.id)",
        )
        if citizens is None:
            assert len(shown) == 13
            assert not {"citizen-1", "guest-02"} & set(shown)
        else:
            assert shown == citizens
    await page.select_option("#participant-filter", "all")
    assert await rows_shown(moderator) == 17


async def _equals(value: Awaitable[int], expected: int) -> bool:
    return await value == expected
