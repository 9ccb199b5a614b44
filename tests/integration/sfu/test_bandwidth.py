"""Per-participant bandwidth limits, checked on what the client actually receives/sends."""

from __future__ import annotations

import pytest

from sfu import MediaKind, Router
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
