"""Per-participant bandwidth limits, checked on what the client actually receives/sends."""

from __future__ import annotations

import pytest

from sfu import MediaKind, ReceivedVideo, Router
from tests.helpers import wait_until
from tests.integration.sfu.peers import Clients, change

pytestmark = pytest.mark.timeout(60)


async def test_receive_cap_below_video_leaves_audio_only_and_lifting_it_restores_video(
    router: Router, clients: Clients
) -> None:
    await clients.publisher("speaker", noise=True)
    change(router, "speaker", on_air=True)
    capped = await clients.subscriber("capped")
    free = await clients.subscriber("free")
    await wait_until(lambda: capped.frames_of("speaker", "video") >= 30, timeout=10)
    uncapped_kbps = await capped.measure_kbps()
    assert uncapped_kbps > 350, "the noisy picture should need well over the cap"

    change(router, "capped", receive_limit_kbps=250)
    await wait_until(
        lambda: (
            router.stats()["participants"]["capped"]["subscriber"]["enforced"]["video"]
            == "audio_only"
        ),
        timeout=5,
    )
    capped_kbps = await capped.measure_kbps()
    assert capped_kbps < 250
    assert capped_kbps > 10  # audio still flows
    frames = capped.frames_of("speaker", "video")
    audio = capped.frames_of("speaker", "audio")
    assert await free.measure_kbps() > 350  # the cap is per subscriber
    assert capped.frames_of("speaker", "video") - frames <= 1
    assert capped.frames_of("speaker", "audio") - audio > 50

    change(router, "capped", receive_limit_kbps=None)
    await wait_until(lambda: capped.frames_of("speaker", "video") > frames + 30, timeout=5)


async def test_send_limit_reaches_the_publisher_as_remb(router: Router, clients: Clients) -> None:
    await clients.publisher("speaker", noise=True)
    change(router, "speaker", on_air=True)
    await clients.subscriber("listener")
    producer = await wait_until(
        lambda: next((p for p in router.producers() if p.kind is MediaKind.VIDEO), None)
    )
    # aiortc's VP8 encoder starts at 500 kbit/s and never goes below 250 kbit/s
    await wait_until(lambda: producer.received.bitrate_bps > 450_000, timeout=10)
    change(router, "speaker", send_limit_kbps=260)
    # its rate control overshoots a little; measured here as received payload bitrate
    await wait_until(lambda: 0 < producer.received.bitrate_bps < 360_000, timeout=10)
    stats = router.stats()["participants"]["speaker"]["publisher"]
    assert stats["send_limit_kbps"] == 260


async def test_a_capped_subscriber_keeps_the_featured_video_and_is_told_which_is_off(
    router: Router, clients: Clients
) -> None:
    told: list[tuple[str, ReceivedVideo]] = []
    router.on_received_video(lambda subscriber, received: told.append((subscriber, received)))
    # Muted sound: no active speaker to outrank the host, and no audio in the budget.
    muted = frozenset({MediaKind.AUDIO})
    await clients.publisher("citizen", noise=True)  # first, so its m-line comes first
    await clients.publisher("host", noise=True)
    change(router, "citizen", on_air=True, paused=muted)
    change(router, "host", on_air=True, paused=muted, featured=True)
    listener = await clients.subscriber("listener")
    await wait_until(
        lambda: min(listener.frames_of(p, "video") for p in ("host", "citizen")) >= 30,
        timeout=10,
    )
    assert told == []

    # Each noisy picture needs about 500 kbit/s: one fits in 700, two do not.
    change(router, "listener", receive_limit_kbps=700)
    await wait_until(lambda: told == [("listener", ReceivedVideo(off=("citizen",)))], timeout=5)
    citizen_frames = listener.frames_of("citizen", "video")
    host_frames = listener.frames_of("host", "video")
    await wait_until(lambda: listener.frames_of("host", "video") > host_frames + 30, timeout=5)
    assert listener.frames_of("citizen", "video") - citizen_frames <= 1

    change(router, "listener", receive_limit_kbps=None)
    await wait_until(lambda: told[-1] == ("listener", ReceivedVideo()), timeout=5)
    await wait_until(
        lambda: listener.frames_of("citizen", "video") > citizen_frames + 30, timeout=5
    )
