"""Stats for the moderator's technical view and the Prometheus collector, from live media."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from sfu import Router
from sfu.metrics import SfuCollector
from tests.helpers import wait_until
from tests.integration.sfu.peers import Clients, change

pytestmark = pytest.mark.timeout(40)


async def test_stats_report_traffic_quality_and_enforced_caps(
    router: Router, clients: Clients
) -> None:
    await clients.publisher("speaker")
    change(router, "speaker", on_air=True)
    listener = await clients.subscriber("listener")
    change(router, "listener", receive_limit_kbps=5000)
    await wait_until(lambda: listener.frames_of("speaker", "video") >= 30, timeout=10)

    def video_consumer() -> dict[str, object]:
        consumers = router.stats()["participants"]["listener"]["subscriber"]["consumers"]
        return next(c for c in consumers.values() if c["kind"] == "video")

    await wait_until(lambda: video_consumer()["rtt_ms"] is not None, timeout=6)
    await wait_until(lambda: video_consumer()["bitrate_kbps"] > 0, timeout=3)
    consumer = video_consumer()
    assert consumer["packets"] > 0
    assert consumer["frames"] >= 30
    assert consumer["fraction_lost"] == 0
    subscriber = router.stats()["participants"]["listener"]["subscriber"]
    assert subscriber["state"] == "connected"
    assert subscriber["receive_limit_kbps"] == 5000
    assert subscriber["enforced"]["video"] == "full"
    producer = next(
        p
        for p in router.stats()["participants"]["speaker"]["publisher"]["producers"].values()
        if p["kind"] == "video"
    )
    assert producer["keyframe_requests"] >= 1  # asked for when the listener started
    assert producer["frames"] >= 30
    assert producer["packets_lost"] == 0


async def test_prometheus_collector_sums_live_routers(router: Router, clients: Clients) -> None:
    registry = CollectorRegistry()
    collector = SfuCollector(registry, lambda: [router])
    await clients.publisher("speaker")
    change(router, "speaker", on_air=True)
    listener = await clients.subscriber("listener")
    await wait_until(lambda: listener.frames_of("speaker", "video") >= 10, timeout=10)
    labels = {"reception": "test-reception", "kind": "video"}
    assert registry.get_sample_value("sfu_consumers_forwarding", labels) == 1
    assert registry.get_sample_value("sfu_sent_bytes_total", labels) > 0
    assert registry.get_sample_value("sfu_received_bytes_total", labels) > 0
    text = generate_latest(registry).decode()
    assert (
        'sfu_transports{reception="test-reception",role="subscriber",state="connected"} 1.0' in text
    )
    collector.close()
    assert registry.get_sample_value("sfu_consumers_forwarding", labels) is None
