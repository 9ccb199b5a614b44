"""The conference in real headless Chromium: host, moderator and two citizens in one test.

Each moderator command is checked from the other side: what another browser decodes
(read from getStats) and what its page shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from signaling.setup import SIGNALING
from tests.e2e.conference.conftest import Person, press
from tests.helpers import arrivals_after_stop, sfu_forwards, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


async def frozen(app: web.Application, person: Person, publisher: str) -> int:
    """Frames `person` still decodes once the SFU says it stopped forwarding `publisher`."""

    def forwarding() -> bool:
        return any(
            sfu_forwards(router.stats(), person.name, publisher, "video")
            for router in app[SIGNALING].registry.routers()
        )

    return await arrivals_after_stop(
        lambda: person.frames_from(publisher), forwarding, window=1.0, timeout=10
    )


async def test_reception_with_host_moderator_and_two_citizens(
    open_person: Callable[..., Any], artifacts: Path, live_node: tuple[str, web.Application]
) -> None:
    app = live_node[1]
    # A citizen before the moderator is told to wait, and gets in once the moderator joins.
    early = await open_person("citizen-1")
    await early.wait_body("refusal", "moderator_absent")
    assert "Модератор еще не присоединился" in await early.page.inner_text("#notice")

    moderator = await open_person("moderator")
    await moderator.wait_body("ready", "true")
    host = await open_person("host")
    await host.wait_body("ready", "true")
    citizen_a = early
    await citizen_a.wait_body("ready", "true")
    citizen_b = await open_person("citizen-2")
    await citizen_b.wait_body("ready", "true")

    # Everyone sees and hears the host from the start.
    for citizen in (citizen_a, citizen_b):
        await citizen.wait_frames("host")
        await wait_until(lambda c=citizen: c.frames_from("host", "audio"), timeout=10, interval=0.2)
    assert await citizen_b.frames_from("citizen-1") == 0
    assert await citizen_a.body("on-air") == "false"

    # «Проверить»: a private conversation. The moderator and the waiting citizen see and
    # hear each other, the citizen is told, and nobody else receives either of them.
    await press(moderator, "citizen-2", "preview")
    await moderator.page.wait_for_selector("#preview-box:not([hidden])")
    await moderator.wait_frames("citizen-2", more_than=3)
    await citizen_b.page.wait_for_selector("#preview-box:not([hidden])")
    await citizen_b.wait_frames("moderator", more_than=3)
    await wait_until(lambda: citizen_b.frames_from("moderator", "audio"), timeout=10, interval=0.2)
    assert "проверяет ваше видео и звук" in await citizen_b.page.inner_text("#my-status")
    assert await citizen_b.page.is_hidden("#preview-stop")
    assert await citizen_a.frames_from("citizen-2") == 0
    assert await citizen_a.frames_from("moderator", "audio") == 0
    await moderator.page.click("#preview-stop")
    await citizen_b.page.wait_for_selector("#preview-box", state="hidden")

    # The technical information of a participant, one click on the name.
    await moderator.page.click('#participant-list li[data-id="citizen-2"] .participant-name')
    await moderator.page.wait_for_selector("#tech-dialog[open]")
    tech = await moderator.page.inner_text("#tech-list")
    assert re.search(r"Chrome \d+", tech), tech  # in plain words, not the user agent
    assert "Mozilla/5.0" not in tech
    assert "Компьютер, Linux" in tech
    await moderator.page.click("#tech-dialog button")

    # «Включить видео и звук»: citizen B now decodes citizen A's camera.
    await press(moderator, "citizen-1", "set_floor")
    await citizen_a.wait_body("on-air", "true")
    await citizen_b.wait_frames("citizen-1", more_than=5)
    await citizen_b.page.wait_for_selector('#stage .tile[data-id="citizen-1"]')
    await citizen_b.page.wait_for_selector(
        '#participant-list li[data-id="citizen-1"][data-state="on_air"] [aria-label="В эфире"]'
    )

    # «Отключить видео»: A's video stops at B; A cannot turn it back on.
    await press(moderator, "citizen-1", "mute", kind="video")
    await citizen_a.page.wait_for_selector("#toggle-video.by-moderator:disabled")
    assert await frozen(app, citizen_b, "citizen-1") == 0
    await press(moderator, "citizen-1", "mute", kind="video")
    before = await citizen_b.frames_from("citizen-1")
    await citizen_b.wait_frames("citizen-1", more_than=before + 5)

    # «Временно отключить»: B receives nothing and is told so; then restored.
    await press(moderator, "citizen-2", "hold")
    await citizen_b.wait_body("held", "true")
    assert "временно отключил" in await citizen_b.page.inner_text("#my-status")
    assert await frozen(app, citizen_b, "host") == 0
    await press(moderator, "citizen-2", "hold")
    before = await citizen_b.frames_from("host")
    await citizen_b.wait_frames("host", more_than=before + 5)

    # A reload within the grace period: A comes back on air, B sees A again.
    await citizen_a.page.reload()
    await citizen_a.wait_body("ready", "true")
    await citizen_a.wait_body("on-air", "true")
    before = await citizen_b.frames_from("citizen-1")
    await citizen_b.wait_frames("citizen-1", more_than=before + 5)

    # The moderator goes on air from their own row like anyone else, and off again.
    await press(moderator, "moderator", "set_floor")
    await moderator.wait_body("on-air", "true")
    before = await citizen_b.frames_from("moderator")
    await citizen_b.wait_frames("moderator", more_than=before + 5)
    await press(moderator, "moderator", "set_floor")
    await moderator.wait_body("on-air", "false")

    # The moderator sets the layout everyone starts with.
    await moderator.page.select_option("#default-layout", "grid")
    await citizen_b.wait_body("layout", "grid")
    await citizen_a.wait_body("layout", "grid")
    await citizen_b.page.click('button.layout[data-layout="single_speaker"]')
    await citizen_b.wait_body("layout", "single_speaker")

    await citizen_b.page.screenshot(path=str(artifacts / "citizen-view.png"))
    await moderator.page.screenshot(path=str(artifacts / "moderator-view.png"))
    assert (artifacts / "citizen-view.png").stat().st_size > 10_000

    # «Удалить из конференции»: A is out, and a rejoin is refused even with a fresh link.
    await press(moderator, "citizen-1", "remove_participant")
    await citizen_a.wait_body("closed", "banned")
    assert "удалил вас" in await citizen_a.page.inner_text("#notice")
    await citizen_b.page.wait_for_selector(
        '#participant-list li[data-id="citizen-1"]', state="detached"
    )
    again = await open_person("citizen-1")
    await again.wait_body("refusal", "banned")
    assert "не можете присоединиться" in await again.page.inner_text("#notice")

    # The English switch.
    await again.page.click('button[data-lang="en"]')
    await again.page.wait_for_selector("html[lang=en]")
    assert await again.page.inner_text("#leave") == "Leave the conference"
