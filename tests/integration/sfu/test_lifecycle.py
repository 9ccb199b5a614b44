"""Closing cascades down and leaves no task or socket behind; errors are named."""

from __future__ import annotations

import asyncio
import os

import pytest

from config import Settings
from sfu import DuplicateTransport, InvalidDescription, MediaKind, Router, RouterClosed
from sfu.consumer import Consumer
from tests.helpers import wait_until
from tests.integration.sfu.peers import Clients, change

pytestmark = pytest.mark.timeout(40)


def open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except FileNotFoundError:  # the listing's own descriptor, closed meanwhile
            continue
    return count


def other_tasks() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()}


async def test_router_close_cascades_and_leaves_nothing_behind(settings: Settings) -> None:
    sockets_before = open_sockets()
    tasks_before = other_tasks()
    router = Router(settings.rtc, name="closing")
    clients = Clients(settings.rtc, router)
    states: list[tuple[str, str, str]] = []
    router.on_connection_state(lambda *event: states.append(event))
    await clients.publisher("speaker")
    change(router, "speaker", on_air=True)
    listener = await clients.subscriber("listener")
    await wait_until(lambda: listener.frames_of("speaker", "video") >= 5, timeout=10)
    assert ("speaker", "publisher", "connected") in states
    assert ("listener", "subscriber", "connected") in states
    producers = list(router.producers())
    consumers = list(router.subscribers["listener"].consumers.values())

    await router.close()
    await router.close()  # idempotent
    assert all(p.closed for p in producers)
    assert all(c.state is Consumer.State.CLOSED for c in consumers)
    assert not router.publishers
    assert not router.subscribers
    with pytest.raises(RouterClosed):
        await router.add_publisher("late")
    await clients.close()
    await wait_until(lambda: other_tasks() <= tasks_before, timeout=10, message="tasks to end")
    await wait_until(lambda: open_sockets() <= sockets_before, timeout=10, message="sockets")


async def test_one_timer_serves_every_transport_of_a_router(settings: Settings) -> None:
    """Reports and caps of all participants run in one wake-up a second, not one each."""
    tasks_before = other_tasks()
    router = Router(settings.rtc, name="ticking")
    try:
        await router.add_publisher("speaker")
        for listener in ("a", "b", "c"):
            await router.add_subscriber(listener)
        assert len(other_tasks() - tasks_before) == 1
        ticked: list[str] = []
        for transport in [*router.publishers.values(), *router.subscribers.values()]:
            transport.tick = lambda t=transport: ticked.append(t.participant_id)  # type: ignore[method-assign]
        await wait_until(lambda: len(ticked) >= 4, timeout=3, message="a tick")
        assert sorted(ticked[:4]) == ["a", "b", "c", "speaker"]
    finally:
        await router.close()


async def test_removing_a_participant_closes_its_transports(
    router: Router, clients: Clients
) -> None:
    await clients.publisher("speaker")
    change(router, "speaker", on_air=True)
    listener = await clients.subscriber("listener")
    await wait_until(lambda: listener.frames_of("speaker", "video") >= 5, timeout=10)
    publisher = router.publishers["speaker"]
    await router.remove_participant("speaker")
    assert publisher.closed
    assert all(p.closed for p in publisher.producers.values())
    await wait_until(lambda: not router.subscribers["listener"].consumers, timeout=5)


async def test_bad_input_gets_a_named_error_and_loses_nothing(
    router: Router, clients: Clients
) -> None:
    transport = await router.add_publisher("someone")
    with pytest.raises(InvalidDescription):
        await transport.accept_offer("v=0\r\nthis is not SDP\r\n")
    with pytest.raises(InvalidDescription):
        await transport.accept_offer("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nbroken\r\n")
    with pytest.raises(DuplicateTransport):
        await router.add_publisher("someone")
    with pytest.raises(ValueError, match="positive"):
        change(router, "someone", send_limit_kbps=0)
    change(
        router, "someone", paused=frozenset({MediaKind.VIDEO})
    )  # before it publishes: remembered
    await clients.publisher("other")
    change(router, "other", on_air=True)
    listener = await clients.subscriber("listener")
    await wait_until(lambda: listener.frames_of("other", "video") >= 5, timeout=10)


async def test_a_connection_the_client_closes_is_reported_as_failed(settings: Settings) -> None:
    """A browser's pc.close() must not leave the participant "connected" with no media."""
    router = Router(settings.rtc, name="remote-close")
    clients = Clients(settings.rtc, router)
    states: list[tuple[str, str, str]] = []
    router.on_connection_state(lambda *event: states.append(event))
    try:
        speaker = await clients.publisher("speaker")
        await wait_until(lambda: ("speaker", "publisher", "connected") in states, timeout=10)
        await speaker.pc.close()
        await wait_until(lambda: ("speaker", "publisher", "failed") in states, timeout=10)
        await router.remove_participant("speaker")  # the server's own close adds nothing
        assert states.count(("speaker", "publisher", "failed")) == 1
        assert ("speaker", "publisher", "closed") not in states
    finally:
        await router.close()
        await clients.close()
