"""No STUN/TURN server unless configured; ICE host candidates only where configured."""

from __future__ import annotations

import re
from pathlib import Path

import aioice.ice
from aiortc import RTCPeerConnection

from config import load_settings
from sfu.aiortc_bridge import restrict_host_addresses
from sfu.peer import new_peer_connection, rtc_configuration

ROOT = Path(__file__).parents[3]
OUR_PACKAGES = (
    "config",
    "reception",
    "portal",
    "sfu",
    "signaling",
    "recorder",
    "transcoder",
    "bench",
)


def test_default_configuration_has_no_ice_server() -> None:
    settings = load_settings(environ={})
    assert rtc_configuration(settings.rtc).iceServers == []


def test_configured_servers_are_passed_through() -> None:
    env = {
        "RECEPTION_RTC__ICE_SERVERS": '[{"urls": ["turn:127.0.0.1:3478"], '
        '"username": "u", "credential": "p"}]'
    }
    [server] = rtc_configuration(load_settings(environ=env).rtc).iceServers
    assert (server.urls, server.username, server.credential) == (["turn:127.0.0.1:3478"], "u", "p")


async def test_peer_connection_gathers_only_loopback_and_asks_no_stun() -> None:
    settings = load_settings(environ={"RECEPTION_RTC__HOST_ADDRESSES": '["127.0.0.1"]'})
    pc = new_peer_connection(settings.rtc)
    try:
        pc.addTransceiver("audio", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        candidates = re.findall(r"a=candidate:\S+ \d+ udp \d+ (\S+) \d+ typ (\w+)", sdp)
        assert candidates, sdp
        assert {addr for addr, _ in candidates} == {"127.0.0.1"}
        assert {kind for _, kind in candidates} == {"host"}  # no srflx: no STUN asked
        transport = pc.getTransceivers()[0].receiver.transport.transport
        assert transport._connection.stun_server is None
    finally:
        await pc.close()


async def test_aiortc_default_would_use_a_public_stun_server() -> None:
    """Why new_peer_connection exists: a bare RTCPeerConnection is not safe here."""
    pc = RTCPeerConnection()
    try:
        pc.addTransceiver("audio", direction="recvonly")
        transport = pc.getTransceivers()[0].receiver.transport.transport
        assert transport._connection.stun_server is not None
    finally:
        await pc.close()


def test_restriction_follows_settings_and_can_be_lifted() -> None:
    try:
        restrict_host_addresses(["127.0.0.1", "::1"])
        assert aioice.ice.get_host_addresses(True, False) == ["127.0.0.1"]
        assert aioice.ice.get_host_addresses(True, True) == ["127.0.0.1", "::1"]
    finally:
        restrict_host_addresses(["127.0.0.1"])  # the test session's own restriction


def test_only_sfu_peer_module_creates_peer_connections() -> None:
    """Every RTCPeerConnection of the product is built with the configured servers."""
    offenders = []
    for package in OUR_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "sfu" / "peer.py":
                continue
            if re.search(r"\bRTCPeerConnection\(", path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_every_m_line_shares_one_transport() -> None:
    from aiortc.rtcconfiguration import RTCBundlePolicy

    config = rtc_configuration(load_settings(environ={}).rtc)
    assert config.bundlePolicy is RTCBundlePolicy.MAX_BUNDLE
