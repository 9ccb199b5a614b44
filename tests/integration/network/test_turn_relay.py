"""A citizen whose network lets no UDP reach the node takes part through the TURN relay.

aiortc citizens in the lab's citizen namespace (behind a masquerading router) join a node in
this process with the credential from their join; the host publishes from beside the node.
Everything the node logs meanwhile, at DEBUG, is searched for the secret and the credentials.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from signaling.protocol import Role
from signaling.turn import turn_credential
from tests.helpers import wait_until
from tests.integration.network.conftest import TURNS_PORT, Citizen, Coturn, NatLab
from tests.integration.signaling.conftest import ClientFactory, Node
from tests.integration.signaling.peers import MediaPeer

pytestmark = pytest.mark.timeout(60)

HOST_LUMA = 200
CITIZEN_LUMA = 60  # what tests/integration/network/citizen.py publishes


@pytest.fixture
async def staff(
    node: Node, make_client: ClientFactory
) -> AsyncIterator[Callable[[], Awaitable[tuple[MediaPeer, MediaPeer]]]]:
    """The moderator and the host, on the node's side of the lab (no relay of their own)."""
    made: list[MediaPeer] = []

    async def join() -> tuple[MediaPeer, MediaPeer]:
        await node.open()
        for user_id, role in (("mod", Role.MODERATOR), ("host", Role.HOST)):
            client = await make_client(node)
            assert (await client.join(node.token(user_id, role)))["ok"]
            made.append(MediaPeer(client, node.settings.rtc))
        moderator, host = made
        await host.publish(luma=HOST_LUMA)
        await moderator.subscribe()
        return moderator, host

    yield join
    for peer in made:
        await peer.close()


async def through_the_relay(
    nat_lab: NatLab,
    node: Node,
    staff: Any,
    coturn: Coturn,
    caplog: pytest.LogCaptureFixture,
    transport: str,
) -> dict[str, Any]:
    caplog.set_level(logging.DEBUG)
    citizen = Citizen(
        nat_lab.citizen,
        coturn.certificate,
        node.url,
        node.token("c1", Role.CITIZEN),
        nat_lab.citizen_address,
        transport,
        "host",
    )
    try:
        moderator, _ = await staff()
        report = await citizen.join(timeout=30)
        # And what the citizen publishes reaches the node through the relay too.
        assert (await moderator.client.call("preview", {"participant_id": "c1"}))["ok"]
        await wait_until(lambda: moderator.frames_of("c1") >= 3, timeout=15, message="c1")
        assert abs((moderator.luma_of("c1") or 0) - CITIZEN_LUMA) < 10
    finally:
        citizen.close()
    for connection in ("publisher", "subscriber"):
        pair = report[connection]
        assert pair["local_type"] == "relay", report
        assert pair["local_address"] == nat_lab.relay_address, report
        assert pair["relay_leg"] == transport, report
        assert (pair["remote_type"], pair["remote_address"]) == ("host", nat_lab.node_address)
    expires_at, _, participant = report["turn_username"].partition(":")
    assert participant == "c1"
    credentials = [
        turn_credential(coturn.secret, participant, int(expires_at))[1],
        *(server["credential"] for server in moderator.client.joined["ice_servers"]),
    ]
    logged = caplog.text + "".join(repr(vars(record)) for record in caplog.records)
    # the join, the ICE gathering and checks, and the node's connections logged at DEBUG:
    # where credentials would leak
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"signaling", "sfu", "aioice"} <= loggers, f"the node logged too little: {loggers}"
    for secret in (coturn.secret, *credentials):
        assert secret not in logged
    print(f"through TURN/{transport}: joined in {report['join_s']:.2f} s, first video after "
          f"{report['video_s']:.2f} s")  # fmt: skip
    return report


async def test_citizen_without_udp_to_the_node_goes_through_turn_over_udp(
    nat_lab: NatLab,
    node: Node,
    staff: Any,
    coturn: Coturn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    nat_lab.router.block(f"meta l4proto udp ip daddr {nat_lab.node_address}")
    await through_the_relay(nat_lab, node, staff, coturn, caplog, "udp")


async def test_citizen_without_any_udp_goes_through_turn_over_tcp(
    nat_lab: NatLab,
    node: Node,
    staff: Any,
    coturn: Coturn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    nat_lab.router.block("meta l4proto udp")
    await through_the_relay(nat_lab, node, staff, coturn, caplog, "tcp")


async def test_citizen_with_only_tls_on_443_goes_through_turns(
    nat_lab: NatLab,
    node: Node,
    staff: Any,
    coturn: Coturn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    nat_lab.router.block("meta l4proto udp")
    nat_lab.router.block(f"tcp dport != {TURNS_PORT} ip daddr {nat_lab.turn_address}")
    await through_the_relay(nat_lab, node, staff, coturn, caplog, "tls")
