"""A citizen's Chromium on a host of its own, linked to the node's by a link the test
impairs: loss, a rate cap, delay and jitter (bench.netlab).

The node listens, and gathers its ICE candidates, on its end of the link only; everyone
else's Chromium runs beside the node and reaches it on that same address. A plain-HTTP lab
address is not a secure context, so every browser is told to treat the node's origin as
one, as HTTPS would in production.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.netlab import DelayBridge, Host, Interface, Lab, unavailable_reason
from config import Settings
from signaling.protocol import Role
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import unavailable
from tests.e2e.conference.conftest import Person, opener, reception_of


@pytest.fixture
def lab() -> Iterator[Lab]:
    reason = unavailable_reason()
    if reason:
        unavailable(f"a network lab ({reason})")
    with Lab() as made:
        yield made


@dataclass(frozen=True)
class Delay:
    """Put the citizen's link through a delay bridge (`pytest.mark.parametrize(...,
    indirect=["citizen_link"])` with this as the parameter)."""

    delay_ms: float
    jitter_ms: float


@pytest.fixture
def citizen_link(
    lab: Lab, request: pytest.FixtureRequest, delay_bridges: list[DelayBridge]
) -> tuple[Interface, Interface]:
    """(the node's end, the citizen's end) of the link to the citizen's host."""
    delay = getattr(request, "param", None)
    citizen = lab.host("citizen")
    if not isinstance(delay, Delay):
        return lab.link(lab.root, citizen)
    node_end, citizen_end, bridge = lab.delayed_link(
        lab.root, citizen, lab.host("path"), delay.delay_ms, delay.jitter_ms
    )
    delay_bridges.append(bridge)
    return node_end, citizen_end


@pytest.fixture
def delay_bridges() -> list[DelayBridge]:
    """The delay bridge of the citizen's link, when it has one."""
    return []


@pytest.fixture
def citizen_host(citizen_link: tuple[Interface, Interface]) -> Host:
    return citizen_link[1].host


@pytest.fixture
def node_address(citizen_link: tuple[Interface, Interface]) -> str:
    return citizen_link[0].address


@pytest.fixture
def settings(make_settings: Callable[..., Settings], node_address: str) -> Settings:
    return make_settings(**{"server.development": True, "rtc.host_addresses": [node_address]})


def _args(live_server: str) -> list[str]:
    return [*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={live_server}"]


@pytest.fixture
async def browser(live_server: str) -> AsyncIterator[Any]:
    """Chromium beside the node."""
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium at {CHROMIUM}")
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=_args(live_server)
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def citizen_browser(live_server: str, lab: Lab, citizen_host: Host) -> AsyncIterator[Any]:
    """Chromium on the citizen's host, at the far end of the impaired link."""
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium at {CHROMIUM}")
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(
            executable_path=citizen_host.wrapper(CHROMIUM, lab.folder),
            headless=True,
            args=_args(live_server),
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def open_remote(
    citizen_browser: Any, demo_links: dict[str, str]
) -> AsyncIterator[Callable[..., Any]]:
    """Open a demo person's page in the citizen's Chromium."""
    async with opener(citizen_browser, demo_links) as open_as:
        yield open_as


async def stage(
    open_person: Callable[..., Any],
    open_remote: Callable[..., Any],
    light_people: Callable[..., Awaitable[None]],
    demo_links: dict[str, str],
    remote: str,
) -> tuple[Person, Person]:
    """The governor on air, a moderator (a light socket.io client), and citizen-3 who
    watches him; `remote` (the governor or the citizen) is the one whose page runs behind
    the impaired link. Returns the watching citizen and the governor."""
    await light_people(
        reception_of(demo_links["moderator"]), "moderator", "Модератор", Role.MODERATOR
    )
    people = {
        name: await (open_remote if name == remote else open_person)(name)
        for name in ("host", "citizen-3")
    }
    for person in people.values():
        await person.wait_body("ready", "true")
    await people["citizen-3"].wait_frames("host")
    return people["citizen-3"], people["host"]


@pytest.fixture
def staging(
    open_person: Callable[..., Any],
    open_remote: Callable[..., Any],
    light_people: Callable[..., Awaitable[None]],
    demo_links: dict[str, str],
) -> Callable[[str], Awaitable[tuple[Person, Person]]]:
    """`stage` with this test's people: call it with whose page is behind the link."""
    return lambda remote: stage(open_person, open_remote, light_people, demo_links, remote)


def record(artifacts: Path, measured: dict[str, Any]) -> str:
    """Keep what a test measured with its artifacts; the text, for assertion messages."""
    text = json.dumps(measured, indent=1, default=dataclasses.asdict)
    (artifacts / "measured.json").write_text(text)
    return text
