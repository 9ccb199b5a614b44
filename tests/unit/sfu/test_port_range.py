"""rtc.udp_port_min/max: every ICE host candidate is bound inside the configured range."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
from collections.abc import Iterator
from typing import cast

import pytest
from aioice import stun
from aiortc import RTCPeerConnection

from config.settings import IceServer, RtcSettings
from sfu.aiortc_bridge import restrict_ports
from sfu.peer import new_peer_connection
from tests.helpers import wait_until


@pytest.fixture
def port_range() -> Iterator[tuple[int, int]]:
    low = random.randrange(20000, 30000, 10)
    try:
        yield low, low + 9
    finally:
        restrict_ports(None, None)  # process-wide: later tests bind anywhere again


def candidate_ports(pc: RTCPeerConnection) -> list[int]:
    return [
        int(line.split()[5])
        for line in pc.localDescription.sdp.splitlines()
        if line.startswith("a=candidate:")
    ]


async def test_connections_bind_and_connect_inside_the_range(
    port_range: tuple[int, int],
) -> None:
    low, high = port_range
    settings = RtcSettings(host_addresses=["127.0.0.1"], udp_port_min=low, udp_port_max=high)
    offerer, answerer = new_peer_connection(settings), new_peer_connection(settings)
    try:
        offerer.createDataChannel("check")
        await offerer.setLocalDescription(await offerer.createOffer())
        await answerer.setRemoteDescription(offerer.localDescription)
        await answerer.setLocalDescription(await answerer.createAnswer())
        await offerer.setRemoteDescription(answerer.localDescription)
        ports = candidate_ports(offerer) + candidate_ports(answerer)
        assert len(ports) == 2
        assert all(low <= port <= high for port in ports), ports
        assert ports[0] != ports[1]
        await wait_until(
            lambda: offerer.connectionState == answerer.connectionState == "connected",
            timeout=10,
            message="connected inside the port range",
        )
    finally:
        await offerer.close()
        await answerer.close()


async def test_a_taken_range_gives_no_candidate_and_says_why(
    port_range: tuple[int, int], caplog: pytest.LogCaptureFixture
) -> None:
    low, _ = port_range
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", low))
    settings = RtcSettings(host_addresses=["127.0.0.1"], udp_port_min=low, udp_port_max=low)
    pc = new_peer_connection(settings)
    try:
        pc.createDataChannel("check")
        with caplog.at_level(logging.ERROR, logger="sfu.aiortc_bridge"):
            await pc.setLocalDescription(await pc.createOffer())
        assert candidate_ports(pc) == []
        assert f"every UDP port in {low}-{low} is taken" in caplog.text
    finally:
        await pc.close()
        taken.close()


async def test_without_a_range_any_free_port_is_used(port_range: tuple[int, int]) -> None:
    settings = RtcSettings(host_addresses=["127.0.0.1"])
    pc = new_peer_connection(settings)
    try:
        pc.createDataChannel("check")
        await pc.setLocalDescription(await pc.createOffer())
        assert len(candidate_ports(pc)) == 1
    finally:
        await pc.close()


class StunResponder(asyncio.DatagramProtocol):
    """A loopback STUN server: answers Binding requests with the sender's address."""

    def __init__(self) -> None:
        self.sources: list[tuple[str, int]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        request = stun.parse_message(data)
        self.sources.append(addr)
        response = stun.Message(
            message_method=request.message_method,
            message_class=stun.Class.RESPONSE,
            transaction_id=request.transaction_id,
        )
        response.attributes["XOR-MAPPED-ADDRESS"] = addr
        self.transport.sendto(bytes(response), addr)


async def test_server_reflexive_candidates_come_from_the_range(
    port_range: tuple[int, int],
) -> None:
    low, high = port_range
    transport, responder = await asyncio.get_running_loop().create_datagram_endpoint(
        StunResponder, local_addr=("127.0.0.1", 0)
    )
    stun_port = transport.get_extra_info("sockname")[1]
    settings = RtcSettings(
        host_addresses=["127.0.0.1"],
        udp_port_min=low,
        udp_port_max=high,
        ice_servers=[IceServer(urls=[f"stun:127.0.0.1:{stun_port}"])],
    )
    pc = new_peer_connection(settings)
    try:
        pc.createDataChannel("check")
        await pc.setLocalDescription(await pc.createOffer())
        assert responder.sources
        assert all(low <= port <= high for _, port in responder.sources)
        assert " typ srflx " in pc.localDescription.sdp
    finally:
        await pc.close()
        transport.close()
