"""Moderator commands change what the SFU forwards, checked on real aiortc peers' frames."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from signaling.protocol import Role
from tests.helpers import arrivals_after_stop, sfu_forwards, wait_until
from tests.integration.signaling.conftest import ClientFactory, Node
from tests.integration.signaling.peers import MediaPeer

pytestmark = pytest.mark.timeout(90)

PeerFactory = Callable[[str, Role], Awaitable[MediaPeer]]


@pytest.fixture
async def peer(node: Node, make_client: ClientFactory) -> AsyncIterator[PeerFactory]:
    made: list[MediaPeer] = []

    async def join(user_id: str, role: Role) -> MediaPeer:
        client = await make_client(node)
        ack = await client.join(node.token(user_id, role))
        assert ack["ok"], ack
        media = MediaPeer(client, node.settings.rtc)
        made.append(media)
        return media

    yield join
    for media in made:
        await media.close()


async def stopped(node: Node, peer: MediaPeer, publisher: str, kind: str = "video") -> int:
    """Frames that still reach `peer` once its node's router says it stopped forwarding."""
    me = peer.client.joined["snapshot"]["you"]

    def forwarding() -> bool:
        conference = node.namespace.registry.get("r1")
        router: Any = conference.router if conference else None
        return router is not None and sfu_forwards(router.stats(), me, publisher, kind)

    return await arrivals_after_stop(lambda: peer.frames_of(publisher, kind), forwarding)


async def test_floor_mute_hold_as_forwarded(node: Node, peer: PeerFactory) -> None:
    await node.open()
    moderator = await peer("mod", Role.MODERATOR)
    host = await peer("host", Role.HOST)
    a = await peer("a", Role.CITIZEN)
    b = await peer("b", Role.CITIZEN)
    await host.publish(luma=40)
    await a.publish(luma=200)
    await moderator.subscribe()
    await b.subscribe()

    # Everyone sees and hears the host from the start; a waiting citizen reaches nobody.
    await wait_until(lambda: b.frames_of("host") >= 5, timeout=15, message="host video at B")
    await wait_until(lambda: b.frames_of("host", "audio") >= 5, timeout=5)
    assert abs((b.luma_of("host") or 0) - 40) < 10
    assert b.frames_of("a") == 0
    assert moderator.frames_of("a") == 0

    # Preview: only the moderator sees the waiting citizen.
    assert (await moderator.client.call("preview", {"participant_id": "a"}))["ok"]
    await wait_until(lambda: moderator.frames_of("a") >= 3, timeout=10, message="preview")
    assert await stopped(node, b, "a") == 0
    await moderator.client.call("preview", {"participant_id": None})

    # «Включить видео и звук»: B now receives A.
    await moderator.client.call("set_floor", {"participant_id": "a", "on_air": True})
    await wait_until(lambda: b.frames_of("a") >= 3, timeout=10, message="A's video at B")
    assert abs((b.luma_of("a") or 0) - 200) < 10

    # «Отключить видео»: A's video stops at B, A's audio keeps flowing.
    await moderator.client.call("mute", {"participant_id": "a", "kind": "video", "muted": True})
    assert await stopped(node, b, "a", "video") == 0
    before = b.frames_of("a", "audio")
    await wait_until(lambda: b.frames_of("a", "audio") > before, timeout=5, message="A heard")
    await moderator.client.call("mute", {"participant_id": "a", "kind": "video", "muted": False})
    before = b.frames_of("a")
    await wait_until(lambda: b.frames_of("a") > before + 3, timeout=10, message="unmuted")

    # «Временно отключить»: B receives nothing at all, then everything again.
    await moderator.client.call("hold", {"participant_id": "b", "held": True})
    assert await stopped(node, b, "host") == 0
    assert await stopped(node, b, "a", "audio") == 0
    await moderator.client.call("hold", {"participant_id": "b", "held": False})
    before = b.frames_of("host")
    await wait_until(lambda: b.frames_of("host") > before + 3, timeout=10, message="restored")

    # Back to listener: A stops reaching B.
    await moderator.client.call("set_floor", {"participant_id": "a", "on_air": False})
    assert await stopped(node, b, "a") == 0


async def test_removed_participant_stops_publishing_and_reconnect_restores_media(
    node: Node, peer: PeerFactory
) -> None:
    await node.open()
    moderator = await peer("mod", Role.MODERATOR)
    a = await peer("a", Role.CITIZEN)
    b = await peer("b", Role.CITIZEN)
    await a.publish(luma=200)
    await moderator.client.call("set_floor", {"participant_id": "a", "on_air": True})
    await b.subscribe()
    await wait_until(lambda: b.frames_of("a") >= 3, timeout=15, message="A at B")

    # A reloads the page within the grace period: new connection, new peer connections,
    # and the floor kept, so B sees A's new camera without the moderator doing anything.
    await a.client.sio.disconnect()
    await a.close()
    back = await peer("a", Role.CITIZEN)
    me = next(p for p in back.client.joined["snapshot"]["participants"] if p["id"] == "a")
    assert me["on_air"] is True
    await back.publish(luma=120)
    await wait_until(
        lambda: abs((b.luma_of("a") or 0) - 120) < 10, timeout=15, message="A back on air at B"
    )

    await moderator.client.call("remove_participant", {"participant_id": "a"})
    await back.client.wait_for("closed")
    assert await stopped(node, b, "a") == 0


async def test_level_limits_audio_mute_and_the_end_reach_the_router(
    node: Node, peer: PeerFactory
) -> None:
    await node.open()
    moderator = await peer("mod", Role.MODERATOR)
    a = await peer("a", Role.CITIZEN)
    b = await peer("b", Role.CITIZEN)
    await a.publish(luma=200)
    await b.publish(luma=90)
    await b.subscribe()
    conference = node.namespace.registry.get("r1")
    assert conference is not None
    router: Any = conference.router
    await moderator.client.call("set_floor", {"participant_id": "a", "on_air": True})
    await wait_until(lambda: b.frames_of("a", "audio") >= 5, timeout=15, message="A heard")

    # The level travels to every receiver in A's record (the SFU forwards Opus untouched).
    await moderator.client.call("set_mic_level", {"participant_id": "a", "gain_db": -6})
    await b.client.wait_for("participant", lambda p: p["id"] == "a" and p["gain_db"] == -6)
    await moderator.client.call("limit_bandwidth", {"participant_id": "b", "kbps": 256})
    stats = router.stats()["participants"]["b"]
    assert stats["subscriber"]["receive_limit_kbps"] == 256
    assert stats["publisher"]["send_limit_kbps"] == 256

    # «Отключить звук»: A's sound stops at B.
    await moderator.client.call("mute", {"participant_id": "a", "kind": "audio", "muted": True})
    assert await stopped(node, b, "a", "audio") == 0

    # «Отключить участника»: A's media is gone from the router.
    await moderator.client.call("disconnect_participant", {"participant_id": "a"})
    await a.client.wait_for("closed")
    assert "a" not in router.publishers
    assert await stopped(node, b, "a", "audio") == 0

    await moderator.client.call("end_conference")
    await b.client.wait_for("closed")
    assert router.closed


async def test_each_moderator_command_sweeps_the_forwarding_rules_at_most_once(
    node: Node, peer: PeerFactory
) -> None:
    """A command changes the forwarding state of the participants it is about: the router
    re-evaluates consumers once for each when that matters to forwarding, and not at all
    otherwise."""
    await node.open()
    moderator = await peer("mod", Role.MODERATOR)
    host = await peer("host", Role.HOST)
    a = await peer("a", Role.CITIZEN)
    b = await peer("b", Role.CITIZEN)
    for publisher, luma in ((moderator, 30), (host, 60), (a, 200)):
        await publisher.publish(luma=luma)
    for subscriber in (moderator, a, b):
        await subscriber.subscribe()
    await wait_until(lambda: b.frames_of("host") >= 3, timeout=15, message="host at B")
    conference = node.namespace.registry.get("r1")
    assert conference is not None
    router: Any = conference.router
    sweep = router._apply_rules
    sweeps = 0

    def counted(*args: Any) -> None:
        nonlocal sweeps
        sweeps += 1
        sweep(*args)

    commands: list[tuple[str, dict[str, Any], int]] = [
        # A check changes two states: the moderator receives A, A receives the moderator.
        ("preview", {"participant_id": "a"}, 2),
        ("preview", {"participant_id": None}, 2),
        ("set_floor", {"participant_id": "a", "on_air": True}, 1),
        ("mute", {"participant_id": "a", "kind": "video", "muted": True}, 0),
        ("hold", {"participant_id": "b", "held": True}, 1),
        ("limit_bandwidth", {"participant_id": "b", "kbps": 300}, 0),
        ("set_mic_level", {"participant_id": "a", "gain_db": -6}, 0),
        ("set_layout", {"layout": "grid"}, 0),
        ("set_floor", {"participant_id": "a", "on_air": True}, 0),
    ]
    counts: list[tuple[str, dict[str, Any], int]] = []
    router._apply_rules = counted
    try:
        for event, payload, _ in commands:
            sweeps = 0
            ack = await moderator.client.call(event, payload)
            assert ack["ok"], ack
            counts.append((event, payload, sweeps))
    finally:
        del router._apply_rules
    assert counts == commands


async def test_a_private_check_is_heard_by_the_two_alone(node: Node, peer: PeerFactory) -> None:
    """Seed 002: the moderator checks a waiting citizen's picture and sound in a
    conversation; the citizen is told, nobody else sees or hears either of them."""
    await node.open()
    moderator = await peer("mod", Role.MODERATOR)
    host = await peer("host", Role.HOST)
    a = await peer("a", Role.CITIZEN)
    b = await peer("b", Role.CITIZEN)
    await moderator.publish(luma=90)
    await host.publish(luma=40)
    await a.publish(luma=200)
    for listener in (moderator, a, b):
        await listener.subscribe()
    await wait_until(lambda: b.frames_of("host") >= 5, timeout=15, message="host video at B")
    assert a.frames_of("mod", "audio") == 0  # off air, the moderator reaches nobody

    assert (await moderator.client.call("preview", {"participant_id": "a"}))["ok"]
    record = await b.client.wait_for("participant", lambda p: p["id"] == "a")
    assert record["checked_by"] == "mod"
    await wait_until(lambda: moderator.frames_of("a", "audio") >= 5, timeout=10, message="A heard")
    await wait_until(lambda: a.frames_of("mod", "audio") >= 5, timeout=10, message="mod at A")
    await wait_until(lambda: a.frames_of("mod") >= 3, timeout=10, message="mod seen by A")
    assert await stopped(node, b, "a", "audio") == 0
    assert await stopped(node, b, "mod", "audio") == 0
    assert await stopped(node, host, "mod", "audio") == 0

    # On air, the check is over: A is heard by everyone and no longer hears the moderator.
    assert (await moderator.client.call("set_floor", {"participant_id": "a", "on_air": True}))["ok"]
    record = await b.client.wait_for("participant", lambda p: p["id"] == "a" and p["on_air"])
    assert record["checked_by"] is None
    await wait_until(lambda: b.frames_of("a", "audio") >= 5, timeout=10, message="A on air")
    assert await stopped(node, a, "mod", "audio") == 0
