"""A whole node with the development page on, and people who open the conference page."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import struct
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import socketio
from aiohttp import ClientSession

from config import Settings
from signaling.protocol import Role, mint_join_token
from signaling.server import NAMESPACE
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import unavailable
from tests.helpers import wait_until

TONE_HZ = 400
TONE_RATE = 48_000
TONE_PEAK = 0.1  # −20 dBFS: +20 dB of gain at a receiver still does not clip


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(**{"server.development": True})


@dataclass
class Person:
    name: str
    page: Any

    async def received(self) -> dict[str, dict[str, int]]:
        return dict(await self.page.evaluate("window.conference.received()"))

    async def frames_from(self, participant_id: str, kind: str = "video") -> int:
        return int((await self.received()).get(participant_id, {}).get(kind, 0))

    async def wait_frames(
        self, participant_id: str, more_than: int = 5, timeout: float = 20
    ) -> int:
        return await wait_until(
            lambda: self._more(participant_id, more_than),
            timeout=timeout,
            interval=0.2,
            message=f"{self.name} decodes {participant_id}'s video",
        )

    async def _more(self, participant_id: str, than: int) -> int:
        frames = await self.frames_from(participant_id)
        return frames if frames > than else 0

    async def body(self, attribute: str) -> str | None:
        value = await self.page.get_attribute("body", f"data-{attribute}")
        return None if value is None else str(value)

    async def wait_body(self, attribute: str, value: str, timeout: float = 15) -> None:
        selector = f'body[data-{attribute}="{value}"]'
        await self.page.wait_for_selector(selector, state="attached", timeout=timeout * 1000)


def reception_of(link: str) -> str:
    """The reception id from a join link's token claims (docs/protocol.md, «Join tokens»)."""
    token = unquote(link.split("#token=", 1)[1])
    body = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return str(claims["r"])


ROW_ACTIONS = frozenset({"set_floor", "tech_info", "menu"})
"""What the moderator has on a participant's line; the rest is in the person's menu."""


async def control(person: Person, participant_id: str, action: str, **data: str) -> Any:
    """A moderator console control for a participant: on their line, or in their menu
    («Управление участниками приема»), opened for it when it is not open yet."""
    extra = "".join(f'[data-{key}="{value}"]' for key, value in data.items())
    row = f'#participant-list li[data-id="{participant_id}"]'
    if action in ROW_ACTIONS:
        return person.page.locator(f'{row} [data-action="{action}"]{extra}')
    found = person.page.locator(
        f'#participant-menu [data-action="{action}"][data-id="{participant_id}"]{extra}'
    )
    if not await found.is_visible():
        await person.page.click(f'{row} [data-action="menu"]')
    return found


async def press(person: Person, participant_id: str, action: str, **data: str) -> None:
    """Click a moderator console control for a participant."""
    await (await control(person, participant_id, action, **data)).click()


@pytest.fixture
async def demo_links(live_server: str) -> dict[str, str]:
    """Join links for every demo person, from the development page's JSON."""
    url = f"{live_server}/dev/conference/links.json"
    async with ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        data = await response.json()
    return {link["user_id"]: f"{live_server}{link['url']}" for link in data["links"]}


async def _goto(page: Any, url: str, tries: int = 3) -> None:
    """Open `url`, again if Chromium saw its network change meanwhile: a browser started in
    a lab host sees the host's links still settling (the delay bridge turning offloads
    off), aborts the navigation with ERR_NETWORK_CHANGED, and a person would reload."""
    from playwright.async_api import Error

    for attempt in range(tries):
        try:
            await page.goto(url)
            return
        except Error as error:
            if "ERR_NETWORK_CHANGED" not in str(error) or attempt == tries - 1:
                raise
            await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def opener(browser: Any, demo_links: dict[str, str]) -> AsyncIterator[Callable[..., Any]]:
    """Open demo people's pages in `browser`, each in a context of its own (a tablet's
    size and touch), all closed on leaving."""
    contexts: list[Any] = []

    async def open_as(user_id: str, *, init_script: str | None = None) -> Person:
        context = await browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
        contexts.append(context)
        if init_script:
            await context.add_init_script(init_script)
        page = await context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        await _goto(page, demo_links[user_id])
        return Person(user_id, page)

    try:
        yield open_as
    finally:
        for context in contexts:
            await context.close()


@pytest.fixture
async def open_person(
    browser: Any, demo_links: dict[str, str]
) -> AsyncIterator[Callable[..., Any]]:
    async with opener(browser, demo_links) as open_as:
        yield open_as


@pytest.fixture
def tone_wav(tmp_path: Path) -> Path:
    """Two seconds of a steady sine, a whole number of periods so the looped file has no seam."""
    path = tmp_path / "tone.wav"
    samples = [
        round(32767 * TONE_PEAK * math.sin(2 * math.pi * TONE_HZ * n / TONE_RATE))
        for n in range(2 * TONE_RATE)
    ]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(TONE_RATE)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


@pytest.fixture
async def tone_browser(tone_wav: Path) -> AsyncIterator[Any]:
    """Chromium whose fake microphone plays the tone.

    Its autoplay policy is the default one (document user activation required): a page's
    AudioContext stays suspended until the visitor clicks or presses a key.
    """
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium at {CHROMIUM}")
    args = [*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={tone_wav}"]
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def light_people(
    live_server: str, settings: Settings
) -> AsyncIterator[Callable[..., Awaitable[None]]]:
    """People who join by socket.io only: listed in the console, sending no media."""
    clients: list[socketio.AsyncClient] = []
    key = settings.secrets.token_key
    assert key is not None

    async def join(
        reception_id: str, user_id: str, name: str, role: Role, appeal_id: str | None = None
    ) -> None:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(live_server, namespaces=[NAMESPACE], transports=["websocket"])
        clients.append(client)
        token = mint_join_token(
            key.get_secret_value(), reception_id, user_id, name, role, 600, appeal_id=appeal_id
        )
        ack = await client.call("join", {"token": token}, namespace=NAMESPACE, timeout=10)
        assert ack["ok"], ack

    yield join
    for client in clients:
        await client.disconnect()
