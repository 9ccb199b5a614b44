"""The stage and the words of the page in Chromium: the grid with three on air, the tribune
with one speaker, a card for someone without a camera, the warning before giving the floor
to a held citizen, the profile from a name, English labels for screen readers, the favicon."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from signaling.protocol import Role
from tests.e2e.conference.conftest import Person, press, reception_of

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PICTURES = """() => {
  const stage = document.getElementById('stage').getBoundingClientRect();
  const shown = [...document.querySelectorAll('#stage .tile:not(.hidden-by-layout)')];
  const area = shown.map((tile) => {
    const video = tile.querySelector('video');
    if (tile.classList.contains('no-video') || !video.videoWidth) return 0;
    const box = video.getBoundingClientRect();
    const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
    return video.videoWidth * scale * video.videoHeight * scale;
  });
  return {
    tiles: shown.length,
    share: area.reduce((a, b) => a + b, 0) / (stage.width * stage.height),
    main: (() => {
      const main = document.querySelector('#stage .tile.main');
      return main ? main.getBoundingClientRect().height / stage.height : 0;
    })(),
  };
}"""


async def pictures(person: Person) -> dict[str, float]:
    return dict(await person.page.evaluate(PICTURES))


async def test_grid_tribune_and_cards(
    open_person: Callable[..., Any],
    light_people: Callable[..., Awaitable[None]],
    demo_links: dict[str, str],
    artifacts: Path,
) -> None:
    moderator = await open_person("moderator")
    await moderator.page.set_viewport_size({"width": 1280, "height": 800})
    await moderator.wait_body("ready", "true")
    host = await open_person("host")
    await host.wait_body("ready", "true")
    await moderator.wait_frames("host")
    page = moderator.page

    # «Трибуна» with the governor alone: the picture fills the stage, no empty row below.
    await page.wait_for_function("document.getElementById('stage').classList.contains('solo')")
    solo = await pictures(moderator)
    print(f"tribune, one speaker: {solo}")
    assert solo["main"] > 0.95

    # Three on air in «Таблица»: the grid gives the pictures most of the stage.
    citizens = [await open_person(f"citizen-{n}") for n in (1, 2)]
    for citizen in citizens:
        await citizen.wait_body("ready", "true")
        await press(moderator, citizen.name, "set_floor")
    for citizen in citizens:
        await moderator.wait_frames(citizen.name)
    await page.click('button.layout[data-layout="grid"]')
    await page.wait_for_timeout(500)
    grid = await pictures(moderator)
    print(f"grid, three on air at 1280×800: {grid}")
    assert grid["tiles"] == 3
    assert grid["share"] > 0.5  # three letterboxed columns gave about a third
    await page.screenshot(path=str(artifacts / "grid-three.png"))

    # Someone without a camera on air: a card with their name, not an empty grey tile.
    await light_people(
        reception_of(demo_links["moderator"]), "guest-01", "Орлова Вера", Role.CITIZEN
    )
    await page.click('button.layout[data-layout="tribune_auto"]')
    await press(moderator, "guest-01", "set_floor")
    card = page.locator('#stage .tile.no-video[data-id="guest-01"] .tile-card')
    await card.wait_for(state="visible")
    assert "Нет камеры" in await card.inner_text()
    assert "ОВ" in await card.inner_text()
    await page.screenshot(path=str(artifacts / "no-camera-card.png"))

    # Giving the floor to a held citizen: the moderator is warned first.
    warnings: list[str] = []
    page.on("dialog", lambda dialog: warnings.append(dialog.message))
    await press(moderator, "citizen-1", "set_floor")  # back to listener
    await press(moderator, "citizen-1", "hold")
    await page.wait_for_selector('li[data-id="citizen-1"][data-state="held"]')
    await press(moderator, "citizen-1", "set_floor")
    await page.wait_for_selector('li[data-id="citizen-1"] [data-on-air="false"]')
    assert any("временно отключен" in warning for warning in warnings), warnings


async def test_profile_english_labels_and_favicon(
    open_person: Callable[..., Any],
    light_people: Callable[..., Awaitable[None]],
    demo_links: dict[str, str],
    live_server: str,
    artifacts: Path,
) -> None:
    missing: list[str] = []
    moderator = await open_person("moderator")
    moderator.page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    await moderator.wait_body("ready", "true")
    await light_people(
        reception_of(demo_links["moderator"]), "guest-01", "Орлова Вера", Role.CITIZEN, "42"
    )
    page = moderator.page
    await page.wait_for_selector('li[data-id="guest-01"]')

    # The name opens the profile: the appeal from the join token, the device in plain words.
    await page.click('li[data-id="guest-01"] .participant-name')
    await page.wait_for_selector("#tech-dialog[open]")
    profile = await page.inner_text("#tech-list")
    assert "Орлова Вера" in profile
    assert "Гражданин" in profile
    assert await page.get_attribute("#tech-list a", "href") == "/staff/appeals/42"
    await page.screenshot(path=str(artifacts / "profile.png"))
    await page.click("#tech-dialog button")

    # The English interface names every control in English for screen readers too.
    await page.click('button[data-lang="en"]')
    await page.wait_for_selector("html[lang=en]")
    assert await page.get_attribute("#controls", "aria-label") == "Control panel"
    assert await page.get_attribute("#toggle-mic", "aria-label") == "Microphone on/off"
    assert await page.get_attribute("#participant-filter", "aria-label") == "Show participants"
    row = page.locator('li[data-id="guest-01"]')
    menu_label = await row.locator('[data-action="menu"]').get_attribute("aria-label")
    assert menu_label == "Managing the reception's participants: Орлова Вера"
    floor_label = await row.locator('[data-action="set_floor"]').get_attribute("aria-label")
    assert floor_label == "Turn on video and sound: Орлова Вера"
    labels = await page.eval_on_selector_all(
        "#participant-list [aria-label]", "(els) => els.map((el) => el.getAttribute('aria-label'))"
    )
    assert "No camera" in labels
    assert not [label for label in labels if any("а" <= ch <= "я" for ch in label.split(":")[0])]
    await page.click('li[data-id="guest-01"] .participant-name')
    await page.wait_for_selector("#tech-dialog[open]")
    assert "Citizen" in await page.inner_text("#tech-list")

    # /favicon.ico answers for every page, the portal's too: no 404 in any log.
    async with ClientSession() as http, http.get(f"{live_server}/favicon.ico") as response:
        assert response.status == 200
        assert response.content_type == "image/svg+xml"
    await page.goto(f"{live_server}/")
    await page.wait_for_load_state("networkidle")
    assert missing == []
