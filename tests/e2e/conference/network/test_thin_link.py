"""A citizen on a thin link keeps the governor's sound and a moving picture, no limit set.

Real Chromium: the governor publishes the fake camera as VP8 L1T3 (the moderator joins by
socket.io alone, as a light client); a citizen listens from a host of its own whose link
from the node is then capped at 300 kbit/s (a tc token bucket, as a thin access line
queues and drops). Nobody sets a bandwidth limit: the SFU must find the link's size from
the listener's own feedback, keep the governor's audio whole and his video moving at a
lower frame rate, tell the listener, and give the video back once the link is wide again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from bench.netlab import Interface
from signaling.setup import SIGNALING
from tests.e2e.conference.conftest import Person
from tests.e2e.conference.inbound import host_consumer, host_video, measure
from tests.e2e.conference.network.conftest import record
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

LINK_KBPS = 300
SETTLE_S = 6.0
WINDOW_S = 10.0


def downlink_kbps(app: web.Application) -> int | None:
    for router in app[SIGNALING].registry.routers():
        value = router.stats()["participants"]["citizen-3"]["subscriber"]["downlink_kbps"]
        return None if value is None else int(value)
    return None


async def test_a_listener_behind_a_300_kbps_link_keeps_sound_and_a_moving_picture(
    staging: Callable[[str], Awaitable[tuple[Person, Person]]],
    citizen_link: tuple[Interface, Interface],
    artifacts: Path,
    live_node: tuple[str, web.Application],
) -> None:
    app = live_node[1]
    node_end = citizen_link[0]
    listener, _ = await staging("citizen-3")
    free = await measure(listener)
    assert free.fps > 5, free
    assert downlink_kbps(app) is None, "a wide link is never bounded"

    node_end.host.limit_rate(node_end, LINK_KBPS)
    capped_at = time.monotonic()
    await wait_until(lambda: downlink_kbps(app), timeout=15, message="the downlink is found")
    found_s = time.monotonic() - capped_at
    await asyncio.sleep(SETTLE_S)
    thin = await measure(listener, WINDOW_S)
    sfu = {**host_consumer(app), "downlink_kbps": downlink_kbps(app)}
    await listener.page.screenshot(path=str(artifacts / "listener-300kbps.png"))
    notice = await listener.page.inner_text("#received-video")

    node_end.host.clear_rate(node_end)
    lifted_at = time.monotonic()
    await wait_until(
        lambda: host_video(app) == "full", timeout=60, message="the governor's video whole again"
    )
    recovered_s = time.monotonic() - lifted_at
    measured = {
        "free": dataclasses.asdict(free),
        f"{LINK_KBPS} kbit/s link": {**dataclasses.asdict(thin), "sfu": sfu},
        "seconds to find the link": round(found_s, 1),
        "seconds to full video after the link widens": round(recovered_s, 1),
    }
    record(artifacts, measured)

    assert thin.fps > 0.5, measured  # the governor's picture keeps moving
    assert thin.fps < 0.8 * free.fps or thin.width < free.width, measured
    assert thin.kbps < LINK_KBPS, measured
    assert thin.audio_packets > 0.9 * 50 * WINDOW_S, measured  # Opus: 50 packets a second
    assert thin.concealed < 0.05, measured
    if sfu.get("enforced") != "full":  # the listener is told its video is reduced or off
        assert "Видео" in notice, notice
