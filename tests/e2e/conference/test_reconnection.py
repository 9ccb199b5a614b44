"""Reconnection after the media path breaks while the signaling socket lives on.

The server's end of a citizen's publishing connection goes silent (its UDP socket stops
reading, its sends are dropped): to the browser this is a network path that died, as on a
network change, with no reload and no socket drop. The page must notice, rejoin within the
grace period, and come back on air with the moderator's mute still in force.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

from config import Settings
from signaling.setup import SIGNALING
from tests.e2e.conference.conftest import Person, press, reception_of
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


def break_path(pc: Any) -> None:
    """Nothing reaches this server-side connection and nothing leaves it any more."""
    connection = pc.getTransceivers()[0].receiver.transport.transport._connection
    for protocol in connection._protocols:
        protocol.datagram_received = lambda data, addr: None
        protocol.send_stun = lambda message, addr: None

        async def send_nothing(data: bytes, addr: tuple[str, int]) -> None:
            return None

        protocol.send_data = send_nothing


async def presence_is(person: Person, participant_id: str, value: str) -> bool:
    return bool(
        await person.page.evaluate(
            "([id, value]) => window.conference.state.participants.get(id)?.presence === value",
            [participant_id, value],
        )
    )


async def test_broken_media_path_rejoins_keeping_floor_and_mutes(
    open_person: Callable[..., Any],
    live_node: tuple[str, web.Application],
    demo_links: dict[str, str],
) -> None:
    moderator, citizen, listener = await on_air_and_muted(open_person)

    conference = live_node[1][SIGNALING].registry.get(reception_of(demo_links["citizen-1"]))
    assert conference is not None
    router = conference.router
    assert router is not None
    old_publisher = router.publishers["citizen-1"]
    break_path(old_publisher.pc)

    # The page notices the silence and rejoins: the socket reconnects, media start anew.
    # Chromium calls a silent path "disconnected" after some unanswered checks (~7 s here);
    # the page then waits DISCONNECTED_PATIENCE_MS (4 s) before it rejoins.
    broken = time.monotonic()
    await wait_until(
        lambda: republished(router, "citizen-1", old_publisher),
        timeout=30,
        interval=0.1,
        message="citizen-1 publishes anew",
    )
    print(f"path broken: published anew after {time.monotonic() - broken:.1f} s")
    await back_on_air(moderator, citizen, listener)

    # The SFU reports the new connection failed (ICE consent lost) and the server drops it
    # while the socket lives on: told it is "reconnecting", the page rejoins at once.
    # (Without that, the closed connection alone would take the page ~10 s to notice.)
    dropped = router.publishers["citizen-1"]
    await conference.drop("citizen-1")
    started = time.monotonic()
    await wait_until(
        lambda: republished(router, "citizen-1", dropped),
        timeout=5,
        interval=0.1,
        message="citizen-1 publishes again after the server dropped its media",
    )
    print(f"media dropped by the server: published anew after {time.monotonic() - started:.1f} s")
    await back_on_air(moderator, citizen, listener)


async def on_air_and_muted(open_person: Callable[..., Any]) -> tuple[Person, Person, Person]:
    """The moderator, citizen-1 on air and muted by the moderator, and citizen-2 who sees
    citizen-1."""
    moderator = await open_person("moderator")
    await moderator.wait_body("ready", "true")
    citizen = await open_person("citizen-1")
    await citizen.wait_body("ready", "true")
    listener = await open_person("citizen-2")
    await listener.wait_body("ready", "true")
    await press(moderator, "citizen-1", "set_floor")
    await citizen.wait_body("on-air", "true")
    await press(moderator, "citizen-1", "mute", kind="audio")
    await citizen.page.wait_for_selector("#toggle-mic.by-moderator:disabled")
    await listener.wait_frames("citizen-1")
    return moderator, citizen, listener


def republished(router: Any, participant_id: str, old: Any) -> bool:
    """A publisher connection other than `old` exists and is connected."""
    publisher = router.publishers.get(participant_id)
    return publisher not in (None, old) and publisher.connection_state == "connected"


async def back_on_air(moderator: Person, citizen: Person, listener: Person) -> None:
    """Connected, on air, still muted by the moderator, and seen by the other citizen."""
    await citizen.wait_body("on-air", "true")
    await citizen.page.wait_for_selector("#toggle-mic.by-moderator:disabled")
    await wait_until(
        lambda: presence_is(moderator, "citizen-1", "connected"),
        timeout=10,
        message="the moderator sees citizen-1 connected",
    )
    muted = '#participant-list li[data-id="citizen-1"] [aria-label="Звук отключен модератором"]'
    assert await listener.page.locator(muted).count() == 1
    await wait_until(
        lambda: decoding(listener, "citizen-1"),
        timeout=20,
        interval=0.2,
        message="the listener decodes citizen-1 again",
    )


async def decoding(person: Person, participant_id: str) -> bool:
    """Frames from the participant are being decoded right now (not before a rejoin)."""
    before = await person.frames_from(participant_id)
    await asyncio.sleep(0.5)
    return await person.frames_from(participant_id) > before + 3


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """A reception is let go at once when asked (no guard): the handover test needs it."""
    return make_settings(**{"server.development": True, "signaling.handover_after_s": 0})


async def test_pages_follow_a_reception_handed_to_another_node(
    open_person: Callable[..., Any],
    live_node: tuple[str, web.Application],
    demo_links: dict[str, str],
) -> None:
    """`closed {reason: "moved"}`: the page connects again at once and gets its place back
    (here from the same node, which claims the reception again, as the node the balancer
    picks does), shows no removal, and comes back on air, still muted by the moderator."""
    moderator, citizen, listener = await on_air_and_muted(open_person)

    registry = live_node[1][SIGNALING].registry
    rid = reception_of(demo_links["citizen-1"])
    old = registry.get(rid)
    moved = time.monotonic()
    await registry.let_go(rid, "the-node-the-balancer-picks")
    await wait_until(
        lambda: (conference := registry.get(rid)) is not None and conference is not old,
        timeout=10,
        message="the reception opened again",
    )
    await back_on_air(moderator, citizen, listener)
    print(f"handed over: everyone back on air {time.monotonic() - moved:.1f} s after")
    for person in (moderator, citizen, listener):
        assert await person.body("closed") is None, person.name
        assert await person.body("refusal") is None, person.name
