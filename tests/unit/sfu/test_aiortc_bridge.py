"""The aiortc internals sfu/aiortc_bridge.py relies on still fit the installed aiortc (and
the few that only tests and the benchmark use: tests/aiortc_hooks.py, bench/sfu).

Each check is named after the hook it protects, so an aiortc upgrade that breaks one fails
here with that name instead of silently forwarding nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import inspect
import socket
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace

import aioice.ice
import aioice.turn
import pylibsrtp
import pytest
from aiortc import RTCDtlsTransport, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc.rtcdtlstransport import RtpRouter
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import RTCRtpSendParameters
from aiortc.rtp import RTCP_PSFB_PLI, AnyRtcpPacket, RtcpPsfbPacket

from config.settings import RtcSettings
from sfu import aiortc_bridge as bridge
from sfu.peer import new_peer_connection
from tests.helpers import wait_until


def params(function: Callable[..., object]) -> list[str]:
    return list(inspect.signature(function).parameters)


def source(function: Callable[..., object]) -> str:
    return inspect.getsource(function)


CONNECT = getattr(RTCPeerConnection, "_RTCPeerConnection__connect", None)
"""The private coroutine that starts senders and receivers once DTLS is up."""


def connect_source() -> str:
    return "" if CONNECT is None else source(CONNECT)


HOOKS: dict[str, Callable[[], bool]] = {
    "aiortc pinned at 1.16.0": lambda: importlib.metadata.version("aiortc") == "1.16.0",
    "intercept_rtp, tests filter_rtp: DTLS hands decrypted RTP to _handle_rtp_data": lambda: (
        params(RTCDtlsTransport._handle_rtp_data) == ["self", "data", "arrival_time_ms"]
        and inspect.iscoroutinefunction(RTCDtlsTransport._handle_rtp_data)
        and "await self._handle_rtp_data(data, arrival_time_ms=arrival_time_ms)"
        in source(RTCDtlsTransport._recv_next)
    ),
    "take_over_receiver: the connection starts receivers with receiver.receive(params)": lambda: (
        params(RTCRtpReceiver.receive) == ["self", "parameters"]
        and "await transceiver.receiver.receive(" in connect_source()
    ),
    "take_over_sender: the connection starts senders with sender.send(params)": lambda: (
        params(RTCRtpSender.send) == ["self", "parameters"]
        and "await transceiver.sender.send(" in connect_source()
    ),
    "sender_ssrcs: senders announce _ssrc and _rtx_ssrc": lambda: (
        "self._ssrc = random32()" in source(RTCRtpSender.__init__)
        and "self._rtx_ssrc = random32()" in source(RTCRtpSender.__init__)
    ),
    "register_rtcp_*: DTLS routes RTCP to registered receivers and senders": lambda: (
        params(RTCDtlsTransport._register_rtp_receiver) == ["self", "receiver", "parameters"]
        and params(RTCDtlsTransport._register_rtp_sender) == ["self", "sender", "parameters"]
        and params(RTCDtlsTransport._unregister_rtp_receiver) == ["self", "receiver"]
        and params(RTCDtlsTransport._unregister_rtp_sender) == ["self", "sender"]
        and "await recipient._handle_rtcp_packet(packet)"
        in source(RTCDtlsTransport._handle_rtcp_data)
        and "self.senders.get(packet.media_ssrc)" in source(RtpRouter.route_rtcp)
    ),
    "learn_ssrc: RtpRouter keeps ssrc_table": lambda: (
        "self.ssrc_table" in source(RtpRouter.__init__)
    ),
    "rtp_output: DTLS keeps _state, _tx_srtp; ICE keeps _connection._nominated; "
    "a pair's transport is a datagram transport with a socket, or TURN's without": lambda: (
        "self._tx_srtp" in source(RTCDtlsTransport._send_rtp)
        and "self._state != State.CONNECTED" in source(RTCDtlsTransport._send_rtp)
        and "self._nominated" in source(aioice.ice.Connection.sendto)
        and "active_pair.protocol.send_data(data, active_pair.remote_addr)"
        in source(aioice.ice.Connection.sendto)
        and "self.transport.sendto(data, addr)" in source(aioice.ice.StunProtocol.send_data)
        and "'socket'" not in source(aioice.turn.TurnTransport.get_extra_info)
    ),
    "receive_srtp_directly: aioice protocols of _connection._protocols get datagrams; "
    "DTLS decrypts SRTP and SRTCP with _rx_srtp and routes RTCP by _rtp_router": lambda: (
        params(aioice.ice.StunProtocol.datagram_received) == ["self", "data", "addr"]
        and "self._protocols += host_protocols" in source(bridge.AIOICE_COMPONENT_CANDIDATES)
        and "self._rx_srtp.unprotect(data)" in source(RTCDtlsTransport._recv_next)
        and "self._rx_srtp.unprotect_rtcp(data)" in source(RTCDtlsTransport._recv_next)
        and "self._rtp_router.route_rtcp(packet)" in source(RTCDtlsTransport._handle_rtcp_data)
    ),
    "SrtpContext: a pylibsrtp Session keeps its libsrtp context in _srtp": lambda: (
        "self._srtp = ffi.gc(srtp" in source(pylibsrtp.Session.__init__)
        and "func(self._srtp[0], self._cdata, len_p)" in source(pylibsrtp.Session._Session__process)  # type: ignore[attr-defined]
    ),
    "tests filter_sent_rtp: everything sent goes through DTLS _send_rtp(data)": lambda: (
        params(RTCDtlsTransport._send_rtp) == ["self", "data"]
        and "await self.transport._send_rtp(" in source(RTCRtpSender._run_rtp)
    ),
    "bench on_keyframe_request: PLI/FIR reach sender._send_keyframe()": lambda: (
        "self._send_keyframe()" in source(RTCRtpSender._handle_rtcp_packet)
    ),
    "restrict_ports: aioice gathers host sockets in get_component_candidates; "
    "srflx through server_reflexive_candidate": lambda: (
        params(bridge.AIOICE_COMPONENT_CANDIDATES) == ["self", "component", "addresses", "timeout"]
        and "self.get_component_candidates(" in source(aioice.ice.Connection.gather_candidates)
        and "lambda: StunProtocol(self), local_addr=(address, 0)"
        in source(bridge.AIOICE_COMPONENT_CANDIDATES)
        and params(aioice.ice.server_reflexive_candidate) == ["protocol", "stun_server"]
        and params(aioice.ice.StunProtocol.__init__) == ["self", "receiver"]
    ),
    "restrict_host_addresses: aioice gathers through get_host_addresses": lambda: (
        "get_host_addresses(" in inspect.getsource(aioice.ice.Connection.gather_candidates)
    ),
}


@pytest.mark.parametrize("hook", list(HOOKS))
def test_hook_fits_installed_aiortc(hook: str) -> None:
    assert HOOKS[hook](), f"aiortc changed under the SFU hook: {hook}"


async def test_rtp_output_sends_on_a_live_connection_and_refuses_otherwise() -> None:
    """The synchronous send path finds its socket, SRTP context and state on a real pair."""
    settings = RtcSettings(host_addresses=["127.0.0.1"])
    offerer, answerer = new_peer_connection(settings), new_peer_connection(settings)
    got: list[bytes] = []
    try:
        offerer.addTransceiver("audio", direction="sendonly")
        await offerer.setLocalDescription(await offerer.createOffer())
        await answerer.setRemoteDescription(offerer.localDescription)
        receiving = answerer.getTransceivers()[0].receiver.transport
        bridge.intercept_rtp(receiving, lambda data, arrival: got.append(data))
        await answerer.setLocalDescription(await answerer.createAnswer())
        sending = offerer.getTransceivers()[0].sender.transport
        send = bridge.rtp_output(sending)
        assert send(b"\x80\x60" + bytes(10)) is False  # not connected yet
        await offerer.setRemoteDescription(answerer.localDescription)
        await wait_until(lambda: sending._state is DtlsState.CONNECTED, timeout=10)
        packet = b"\x80\x60\x00\x01" + bytes(8) + b"payload"
        assert send(packet) is True
        await wait_until(lambda: packet in got, timeout=3)
        # a forwarded packet in its parts, written by the compiled sender
        level = bytes((0xBE, 0xDE, 0x00, 0x01, 0x10, 0x85, 0, 0))
        assert send.rtp(0x90, 0xE0, 2, 3000, 0x01020304, level, b"frame") is True
        forwarded = b"\x90\xe0\x00\x02\x00\x00\x0b\xb8\x01\x02\x03\x04" + level + b"frame"
        await wait_until(lambda: forwarded in got, timeout=3)
        assert send.rtp(0x80, 0x60, 3, 0, 0, b"", bytes(1500)) is False  # no room for SRTP
    finally:
        await offerer.close()
        await answerer.close()
    assert send(b"\x80\x60" + bytes(10)) is False  # closed
    assert send.rtp(0x80, 0x60, 3, 0, 0, b"", b"late") is False
    await asyncio.sleep(0)


@contextlib.asynccontextmanager
async def direct_pair(
    on_rtp: bridge.RtpHandler | None,
) -> AsyncIterator[tuple[RTCDtlsTransport, RTCDtlsTransport, bridge.SrtpOutput]]:
    """An offerer sending audio to an answerer that reads SRTP in the socket callback,
    connected: (the answerer's DTLS transport, the offerer's, the offerer's output)."""
    settings = RtcSettings(host_addresses=["127.0.0.1"])
    offerer, answerer = new_peer_connection(settings), new_peer_connection(settings)
    try:
        offerer.addTransceiver("audio", direction="sendonly")
        await offerer.setLocalDescription(await offerer.createOffer())
        await answerer.setRemoteDescription(offerer.localDescription)
        await answerer.setLocalDescription(await answerer.createAnswer())
        receiving = answerer.getTransceivers()[0].receiver.transport
        bridge.receive_srtp_directly(receiving, on_rtp)
        sending = offerer.getTransceivers()[0].sender.transport
        await offerer.setRemoteDescription(answerer.localDescription)
        await wait_until(lambda: receiving._state is DtlsState.CONNECTED, timeout=10)
        await wait_until(lambda: sending._state is DtlsState.CONNECTED, timeout=10)
        yield receiving, sending, bridge.rtp_output(sending)
    finally:
        await offerer.close()
        await answerer.close()


async def test_receive_srtp_directly_decrypts_a_burst_in_one_loop_turn() -> None:
    """Packets queued together are decrypted in the socket callbacks of one wake-up, in order.

    The server's loop (uvloop) reads a burst of datagrams per readiness event; a loop that
    took one datagram per turn would pay the wake-up cost per packet instead of per burst.
    """
    loop = asyncio.get_running_loop()
    turn = 0
    turns: list[int] = []
    got: list[bytes] = []

    def count_turns() -> None:
        nonlocal turn
        turn += 1
        if len(got) < 20:
            loop.call_soon(count_turns)

    def received(data: bytes, arrival: int) -> None:
        got.append(data)
        turns.append(turn)

    async with direct_pair(received) as (_, _, send):
        burst = [b"\x80\x60" + seq.to_bytes(2, "big") + bytes(8) + b"payload" for seq in range(20)]
        for packet in burst:  # synchronous: all queued before the receiving side reads
            assert send(packet)
        loop.call_soon(count_turns)
        await wait_until(lambda: len(got) >= len(burst), timeout=3)
        assert got == burst
        assert len(set(turns)) == 1, f"the burst took loop turns {sorted(set(turns))}"


def srtp_pair() -> tuple[pylibsrtp.Session, pylibsrtp.Session]:
    key = bytes(range(30))
    outbound = pylibsrtp.Policy(key=key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND)
    inbound = pylibsrtp.Policy(key=key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND)
    return pylibsrtp.Session(outbound), pylibsrtp.Session(inbound)


def test_srtp_context_interoperates_with_pylibsrtp() -> None:
    sender, receiver = srtp_pair()
    fast_sender = bridge.SrtpContext(sender)
    rtp = [b"\x80\x60" + seq.to_bytes(2, "big") + bytes(8) + bytes([seq]) * 900 for seq in range(3)]
    rtcp = b"\x80\xc8\x00\x06" + bytes(24)  # an empty sender report
    assert [receiver.unprotect(fast_sender.protect(p)) for p in rtp] == rtp
    assert receiver.unprotect_rtcp(fast_sender.protect_rtcp(rtcp)) == rtcp

    sender, receiver = srtp_pair()
    fast_receiver = bridge.SrtpContext(receiver)
    protected = [sender.protect(p) for p in rtp]
    assert [fast_receiver.unprotect(p) for p in protected] == rtp
    assert fast_receiver.unprotect_rtcp(sender.protect_rtcp(rtcp)) == rtcp
    with pytest.raises(pylibsrtp.Error):
        fast_receiver.unprotect(protected[0])  # a replay
    with pytest.raises(pylibsrtp.Error):
        fast_receiver.unprotect(protected[1][:-1] + bytes([protected[1][-1] ^ 1]))  # forged
    with pytest.raises(ValueError, match="too long"):
        fast_sender.protect(rtp[0] + bytes(1500))


class _Reports:
    """An RTCP sink that notes the loop turn each packet reached it in."""

    def __init__(self) -> None:
        self.packets: list[AnyRtcpPacket] = []
        self.turns: list[int] = []
        self.turn = 0
        self.fail = False

    def on_rtcp(self, packet: AnyRtcpPacket) -> None:
        self.packets.append(packet)
        self.turns.append(self.turn)
        if self.fail:
            raise RuntimeError("a sink's fault")


async def test_receive_srtp_directly_routes_rtcp_to_its_sink_in_the_socket_callback() -> None:
    """A listener's reports reach the consumer's sink without aiortc's queue and coroutines;
    a forged packet is dropped and a failing sink does not stop the next packet."""
    loop = asyncio.get_running_loop()
    sink = _Reports()
    ssrc = 0x1234

    def count_turns() -> None:
        sink.turn += 1
        if len(sink.packets) < 3:
            loop.call_soon(count_turns)

    async with direct_pair(None) as (receiving, sending, send):
        bridge.register_rtcp_sender(receiving, sink, ssrc, RTCRtpSendParameters())
        pli = bytes(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=ssrc))
        other = bytes(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=ssrc + 1))
        forged = bytearray(bridge.SrtpContext(sending._tx_srtp).protect_rtcp(pli))
        forged[-1] ^= 1
        await sending.transport._connection.sendto(bytes(forged), 1)
        sink.fail = True
        assert send(pli)
        assert send(other)  # about nobody here: routed nowhere
        assert send(pli)
        loop.call_soon(count_turns)
        await wait_until(lambda: len(sink.packets) >= 2, timeout=3)
        assert [p.media_ssrc for p in sink.packets] == [ssrc, ssrc]
        assert len(set(sink.turns)) == 1, f"the reports took loop turns {sorted(set(sink.turns))}"


def test_a_route_the_compiled_sender_cannot_take_falls_back_to_aioice() -> None:
    """A scoped IPv6 address (or a TURN relay, which has no socket) keeps the Python path."""
    outbound, _ = srtp_pair()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as own:
        for address, compiled in ((("127.0.0.1", 5000), True), (("fe80::1%eth0", 5000), False)):
            transport = SimpleNamespace(get_extra_info=lambda name, s=own: s)
            route = bridge._Route()
            assert route.follow(SimpleNamespace(protocol=SimpleNamespace(transport=transport),
                                                remote_addr=address))  # fmt: skip
            assert (route.sender(outbound) is not None) is compiled
    relay = SimpleNamespace(get_extra_info=lambda name: None)
    route = bridge._Route()
    assert route.follow(SimpleNamespace(protocol=SimpleNamespace(transport=relay), remote_addr=()))
    assert route.sender(outbound) is None
