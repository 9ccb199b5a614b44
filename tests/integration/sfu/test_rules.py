"""Forwarding rules from room state: on air, preview, hold and mute, without renegotiating."""

from __future__ import annotations

import time

import pytest
from aiortc import RTCSessionDescription

from sfu import MediaKind, Router
from tests.helpers import arrivals_after_stop, sfu_forwards, wait_until
from tests.integration.sfu.peers import ClientPublisher, Clients, ClientSubscriber, change

pytestmark = pytest.mark.timeout(60)


def frames(sub: ClientSubscriber, publisher: str, kind: str = "video") -> int:
    return sub.frames_of(publisher, kind)


async def stopped(router: Router, sub: ClientSubscriber, publisher: str, kind: str) -> int:
    """Frames that still reach `sub` once the router says it stopped forwarding them."""
    return await arrivals_after_stop(
        lambda: frames(sub, publisher, kind),
        lambda: sfu_forwards(router.stats(), sub.participant_id, publisher, kind),
    )


async def flowing(sub: ClientSubscriber, publisher: str, kind: str, more: int) -> None:
    before = frames(sub, publisher, kind)
    await wait_until(
        lambda: frames(sub, publisher, kind) > before + more,
        timeout=5,
        message=f"{publisher}'s {kind} at {sub.participant_id}",
    )


async def test_on_air_switch_reaches_listeners_fast_without_renegotiation(
    router: Router, clients: Clients
) -> None:
    await clients.publisher("alice", luma=60)
    await clients.publisher("boris", luma=200)
    change(router, "alice", on_air=True)
    listener = await clients.subscriber("listener")
    await wait_until(lambda: frames(listener, "alice") >= 10, timeout=10)
    assert frames(listener, "boris") == 0
    offers = 0

    def count_offer() -> None:
        nonlocal offers
        offers += 1

    assert listener.transport is not None
    listener.transport.on_negotiation_needed(count_offer)
    switched = time.monotonic()
    change(router, "alice", on_air=False)
    change(router, "boris", on_air=True)
    await wait_until(lambda: frames(listener, "boris") >= 1, timeout=2)
    track = listener.track_of("boris", "video")
    assert track is not None
    assert track.first_at is not None
    assert track.first_at - switched < 0.5
    assert abs(track.lumas[0] - 200) < 10
    assert await stopped(router, listener, "alice", "video") == 0
    assert await stopped(router, listener, "alice", "audio") == 0
    assert offers == 0


async def test_preview_only_for_the_moderator_and_narrowing(
    router: Router, clients: Clients
) -> None:
    await clients.publisher("citizen1", luma=60)
    await clients.publisher("citizen2", luma=120)
    moderator = await clients.subscriber("moderator")
    listener = await clients.subscriber("listener")
    change(router, "moderator", preview=True)
    await wait_until(lambda: frames(moderator, "citizen1") >= 5, timeout=10)
    await wait_until(lambda: frames(moderator, "citizen2") >= 5, timeout=10)
    assert frames(listener, "citizen1") == frames(listener, "citizen2") == 0
    change(router, "moderator", previewed="citizen2")
    assert await stopped(router, moderator, "citizen1", "video") == 0
    await flowing(moderator, "citizen2", "video", 5)
    change(router, "moderator", preview=False)
    assert await stopped(router, moderator, "citizen2", "video") == 0
    assert frames(listener, "citizen1") == frames(listener, "citizen2") == 0


async def test_hold_and_mute_are_separate_states(router: Router, clients: Clients) -> None:
    await clients.publisher("speaker")
    change(router, "speaker", on_air=True)
    held = await clients.subscriber("held")
    other = await clients.subscriber("other")
    await wait_until(lambda: frames(held, "speaker") >= 5 and frames(other, "speaker") >= 5)

    change(router, "held", held=True)
    assert await stopped(router, held, "speaker", "audio") == 0
    assert await stopped(router, held, "speaker", "video") == 0
    await flowing(other, "speaker", "video", 5)

    change(router, "speaker", paused=frozenset({MediaKind.AUDIO}))  # muted by the moderator
    assert await stopped(router, other, "speaker", "audio") == 0
    await flowing(other, "speaker", "video", 5)

    change(router, "held", held=False)  # released, but the speaker is still muted
    assert await stopped(router, held, "speaker", "audio") == 0
    await flowing(held, "speaker", "video", 5)

    change(router, "speaker", paused=frozenset())
    await flowing(held, "speaker", "audio", 10)
    await flowing(other, "speaker", "audio", 10)


async def test_leaving_publisher_renegotiates_and_its_m_line_is_reused(
    router: Router, clients: Clients
) -> None:
    first = await clients.publisher("first", luma=60)
    change(router, "first", on_air=True)
    listener = await clients.subscriber("listener")
    await wait_until(lambda: frames(listener, "first") >= 5, timeout=10)
    mids = set(listener.owners)
    await router.remove_participant("first")
    await first.close()
    await clients.publisher("second", luma=200)
    change(router, "second", on_air=True)
    await wait_until(lambda: set(listener.owners.values()) == {"second"}, timeout=10)
    assert set(listener.owners) == mids  # same m-lines, now carrying the new publisher
    video = listener.track_of("second", "video")
    assert video is not None
    await wait_until(lambda: video.luma is not None and abs(video.luma - 200) < 10, timeout=10)


async def test_room_state_set_before_joining_applies_on_join(
    router: Router, clients: Clients
) -> None:
    change(router, "late", held=True)
    change(router, "speaker", paused=frozenset({MediaKind.VIDEO}))
    await clients.publisher("speaker")
    change(router, "speaker", on_air=True)
    late = await clients.subscriber("late")
    other = await clients.subscriber("other")
    await wait_until(lambda: frames(other, "speaker", "audio") >= 20, timeout=10)
    assert frames(other, "speaker") == 0  # video paused before it was even published
    assert frames(late, "speaker", "audio") == 0  # held before joining
    change(router, "late", held=False)
    change(router, "speaker", paused=frozenset())
    await wait_until(lambda: frames(late, "speaker") >= 5, timeout=5)


async def renegotiate(router: Router, publisher: ClientPublisher) -> None:
    await publisher.pc.setLocalDescription(await publisher.pc.createOffer())
    answer = await router.publishers[publisher.participant_id].accept_offer(
        publisher.pc.localDescription.sdp
    )
    await publisher.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))


async def test_a_track_the_publisher_stops_leaves_every_subscriber_and_may_return(
    router: Router, clients: Clients
) -> None:
    speaker = await clients.publisher("speaker", luma=90)
    change(router, "speaker", on_air=True)
    listener = await clients.subscriber("listener")
    await wait_until(lambda: frames(listener, "speaker") >= 5, timeout=10)
    camera = next(t for t in speaker.pc.getTransceivers() if t.kind == "video")

    camera.direction = "inactive"  # the client stops its camera and renegotiates
    await renegotiate(router, speaker)
    assert {p.kind for p in router.producers()} == {MediaKind.AUDIO}
    subscriber = router.subscribers["listener"]
    await wait_until(
        lambda: {c.kind for c in subscriber.consumers.values()} == {MediaKind.AUDIO},
        timeout=5,
        message="the video consumer to go",
    )
    audio = listener.frames_of("speaker", "audio")
    await wait_until(lambda: listener.frames_of("speaker", "audio") > audio + 10, timeout=5)

    camera.direction = "sendonly"  # and turns it back on
    await renegotiate(router, speaker)
    await wait_until(
        lambda: {p.kind for p in router.producers()} == {MediaKind.AUDIO, MediaKind.VIDEO},
        timeout=5,
        message="a new video producer",
    )
    await wait_until(
        lambda: (
            listener.frames_of("speaker", "video") >= 5
            and any(
                c.kind is MediaKind.VIDEO and c.frames >= 5 for c in subscriber.consumers.values()
            )
        ),
        timeout=10,
        message="video again",
    )
