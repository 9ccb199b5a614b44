"""Ending and leaving in real Chromium (issue: «Завершить прием для всех» showed a failed
command; nobody was told when the moderator or the governor left; a closed page kept the
camera on)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conference.conftest import Person
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

KEEP_TRACKS = "window.kept = window.conference.local.stream.getTracks(); window.kept.length"
RELEASED = "window.kept.every((track) => track.readyState === 'ended')"


async def keep_tracks(person: Person) -> None:
    """Hold on to the page's camera and microphone tracks to see them released later."""
    assert await person.page.evaluate(KEEP_TRACKS) == 2


async def released(person: Person) -> None:
    await wait_until(
        lambda: person.page.evaluate(RELEASED),
        timeout=5,
        message=f"{person.name}'s camera and microphone released",
    )


async def room_status(person: Person, text: str) -> None:
    await person.page.wait_for_selector(f'#room-status:not([hidden]):has-text("{text}")')


async def test_leaving_replacing_and_ending(
    open_person: Callable[..., Any], artifacts: Path
) -> None:
    moderator = await open_person("moderator")
    await moderator.wait_body("ready", "true")
    host = await open_person("host")
    citizen = await open_person("citizen-1")
    await host.wait_body("ready", "true")
    await citizen.wait_body("ready", "true")

    assert await citizen.page.locator("#console").is_hidden()  # the moderator's alone

    # A second tab of the same citizen replaces the first, which lets the camera go at once.
    await keep_tracks(citizen)
    tab = await open_person("citizen-1")
    await citizen.wait_body("closed", "replaced")
    await released(citizen)
    await tab.wait_body("ready", "true")
    citizen = tab

    # The governor leaves: the citizens are told.
    await host.page.click("#leave")
    await host.wait_body("closed", "left")
    await room_status(citizen, "Губернатор покинул прием")

    # The moderator leaves without ending: the citizens are told, nobody new gets in ...
    await moderator.page.click("#leave")
    await moderator.wait_body("closed", "left")
    await room_status(citizen, "Модератор покинул прием")
    late = await open_person("citizen-2")
    await late.wait_body("refusal", "moderator_absent")
    assert "Модератор еще не присоединился" in await late.page.inner_text("#notice-text")
    await citizen.page.screenshot(path=str(artifacts / "citizen-moderator-left.png"))

    # ... until the moderator is back: the waiting page joins by itself.
    await moderator.page.click("#rejoin")
    await moderator.wait_body("ready", "true")
    await late.wait_body("ready", "true")
    await citizen.page.wait_for_function(
        "!document.getElementById('room-status').textContent.includes('Модератор')"
    )
    assert "Губернатор покинул прием" in await citizen.page.inner_text("#room-status")

    # «Завершить прием для всех»: «Прием завершен» and the way back, no failed command.
    await keep_tracks(late)
    await keep_tracks(moderator)
    await moderator.page.click("#end-conference")
    await moderator.wait_body("closed", "reception_ended")
    await late.wait_body("closed", "reception_ended")
    await released(late)
    await released(moderator)
    await moderator.page.wait_for_timeout(500)  # a late acknowledgement would show here
    notice = await moderator.page.inner_text("#notice")
    assert "Прием завершен" in notice
    assert "Команда не выполнена" not in notice
    assert await moderator.page.locator("#console").is_hidden()
    way_back = moderator.page.locator("#way-back")
    assert await way_back.is_visible()
    assert await way_back.get_attribute("href") == "/receptions"
    await moderator.page.screenshot(path=str(artifacts / "moderator-ended.png"))


async def test_disconnected_citizen_releases_the_camera(open_person: Callable[..., Any]) -> None:
    moderator = await open_person("moderator")
    await moderator.wait_body("ready", "true")
    citizen = await open_person("citizen-1")
    await citizen.wait_body("ready", "true")
    await keep_tracks(citizen)
    ack = await moderator.page.evaluate(
        "window.conference.command('disconnect_participant', {participant_id: 'citizen-1'})"
    )
    assert ack == {"ok": True}
    await citizen.wait_body("closed", "kicked")
    await released(citizen)
    # «Присоединиться снова» opens the camera again.
    await citizen.page.click("#rejoin")
    await citizen.wait_body("ready", "true")
    assert await citizen.page.evaluate("window.conference.local.stream.getTracks().length") == 2
