"""The conference page in real Chromium, run inside the lab's citizen namespace, behind a
router that lets no UDP reach the node: the browser gets through with the relay and the
credential from its join. What it selected is read from getStats."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from signaling.protocol import Role
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import unavailable
from tests.helpers import wait_until
from tests.integration.network.conftest import NatLab
from tests.integration.signaling.conftest import ClientFactory, Node
from tests.integration.signaling.peers import MediaPeer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

SELECTED_PAIRS = """async () => {
  const found = {};
  for (const side of ["publisher", "subscriber"]) {
    const pc = window.conference[side]?.pc;
    if (!pc) continue;
    const stats = await pc.getStats();
    for (const s of stats.values()) {
      const pair = s.type === "transport" && stats.get(s.selectedCandidatePairId);
      if (!pair) continue;
      const local = stats.get(pair.localCandidateId);
      const remote = stats.get(pair.remoteCandidateId);
      found[side] = {
        local_type: local.candidateType, relay_protocol: local.relayProtocol ?? null,
        local_address: local.address, remote_type: remote.candidateType,
        remote_address: remote.address,
      };
    }
  }
  return found;
}"""


@pytest.fixture
async def citizen_browser(nat_lab: NatLab, node: Node) -> AsyncIterator[Any]:
    """Debian's Chromium started inside the citizen's namespace. The node's plain-HTTP lab
    address counts as a secure origin, as 127.0.0.1 does, so that the page gets a camera."""
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium at {CHROMIUM}")
    executable = nat_lab.citizen.wrapper(CHROMIUM, nat_lab.lab.folder)
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={node.url}"],
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.mark.parametrize(
    ("udp_to", "relayed_over"),
    [("node", {"udp", "tcp"}), ("anywhere", {"tcp"})],
    ids=["no-udp-to-the-node", "no-udp-at-all"],
)
async def test_chromium_behind_nat_joins_through_turn(
    nat_lab: NatLab,
    node: Node,
    make_client: ClientFactory,
    citizen_browser: Any,
    udp_to: str,
    relayed_over: set[str],
) -> None:
    """The browser may reach the relay over UDP or TCP while UDP passes to it (the side
    that nominates takes the first pair to succeed); over TCP alone when no UDP passes."""
    only_to_node = f" ip daddr {nat_lab.node_address}" if udp_to == "node" else ""
    nat_lab.router.block("meta l4proto udp" + only_to_node)
    await node.open()
    peers = []
    for user_id, role in (("mod", Role.MODERATOR), ("host", Role.HOST)):
        client = await make_client(node)
        assert (await client.join(node.token(user_id, role)))["ok"]
        peers.append(MediaPeer(client, node.settings.rtc))
    moderator, host = peers
    try:
        await host.publish(luma=200)
        await moderator.subscribe()
        page = await (await citizen_browser.new_context()).new_page()
        started = time.monotonic()
        await page.goto(f"{node.url}/conference#token={node.token('c1', Role.CITIZEN)}")
        await page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=20_000)
        await wait_until(
            lambda: _frames_from(page, "host"), timeout=20, interval=0.2, message="host video"
        )
        video_s = time.monotonic() - started
        pairs = await wait_until(
            lambda: _both(page), timeout=10, interval=0.2, message="selected pairs"
        )
        # What the browser publishes reaches the node through the relay as well.
        assert (await moderator.client.call("preview", {"participant_id": "c1"}))["ok"]
        await wait_until(lambda: moderator.frames_of("c1") >= 3, timeout=15, message="c1")
    finally:
        for peer in peers:
            await peer.close()
    for side in ("publisher", "subscriber"):
        pair = pairs[side]
        assert pair["local_type"] == "relay", pairs
        assert pair["relay_protocol"] in relayed_over, pairs
        assert pair["local_address"] == nat_lab.relay_address, pairs
        assert (pair["remote_type"], pair["remote_address"]) == ("host", nat_lab.node_address)
    legs = "/".join(pairs[side]["relay_protocol"] for side in ("publisher", "subscriber"))
    print(f"Chromium through TURN ({legs}): the host's video {video_s:.2f} s after opening")


async def _frames_from(page: Any, participant_id: str) -> bool:
    received = await page.evaluate("window.conference.received()")
    return int(received.get(participant_id, {}).get("video", 0)) > 3


async def _both(page: Any) -> dict[str, Any] | None:
    pairs: dict[str, Any] = await page.evaluate(SELECTED_PAIRS)
    return pairs if len(pairs) == 2 else None
