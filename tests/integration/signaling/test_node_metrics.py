"""The whole node's /metrics shows the media of its live receptions."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from config import Settings
from signaling.protocol import Role
from signaling.setup import SIGNALING
from tests.helpers import wait_until
from tests.integration.signaling.conftest import ClientFactory, Node
from tests.integration.signaling.peers import MediaPeer

pytestmark = pytest.mark.timeout(60)


async def scrape(url: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as resp:
        assert resp.status == 200
        return await resp.text()


async def test_metrics_show_a_live_receptions_media(
    live_node: tuple[str, web.Application], settings: Settings, make_client: ClientFactory
) -> None:
    url, app = live_node
    namespace = app[SIGNALING]
    node = Node(url, namespace, web.AppRunner(app), settings)
    await node.open("r-metrics")
    before = await scrape(url)
    assert "# TYPE sfu_transports gauge" in before
    assert 'reception="reception-r-metrics"' not in before  # no router yet

    peers: list[MediaPeer] = []
    try:
        for user_id, role in (("mod", Role.MODERATOR), ("host", Role.HOST)):
            client = await make_client(node)
            ack = await client.join(node.token(user_id, role, reception_id="r-metrics"))
            assert ack["ok"], ack
            peers.append(MediaPeer(client, settings.rtc))
        moderator, host = peers
        await host.publish(luma=80)
        await moderator.subscribe()
        await wait_until(lambda: moderator.frames_of("host") >= 3, timeout=15, message="video")

        text = await scrape(url)
        assert 'sfu_producers{kind="video",reception="reception-r-metrics"} 1.0' in text
        assert 'sfu_producers{kind="audio",reception="reception-r-metrics"} 1.0' in text
        labels = 'reception="reception-r-metrics",role="{}",state="connected"'
        for role in ("publisher", "subscriber"):
            assert "sfu_transports{" + labels.format(role) + "}" in text
    finally:
        for peer in peers:
            await peer.close()
