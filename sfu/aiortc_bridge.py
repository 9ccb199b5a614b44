"""Every use of aiortc/aioice internals lives here, so an aiortc upgrade breaks one module.

aiortc is pinned exactly in pyproject.toml; tests/unit/sfu/test_aiortc_bridge.py fails
loudly when one of these hooks no longer fits the installed version.

The SFU forwards RTP without decoding: on a publisher's connection it takes decrypted RTP
straight from the DTLS transport (the receivers never start their decoder threads), and on a
subscriber's connection it writes rewritten RTP through the DTLS transport's SRTP context
(the senders never start their encoder loops). aiortc keeps doing ICE, DTLS, SDP and RTCP
demultiplexing.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import random
import socket
import struct
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import aioice
import aioice.candidate
import aioice.ice
import aioice.turn
import pylibsrtp
from aiortc import RTCDtlsTransport, RTCRtpReceiver, RTCRtpSender
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import RTCRtpReceiveParameters, RTCRtpSendParameters
from aiortc.rtp import AnyRtcpPacket, RtcpPacket
from pylibsrtp._binding import ffi as srtp_ffi
from pylibsrtp._binding import lib as srtp_lib

from sfu._send import SrtpSender

log = logging.getLogger(__name__)

_original_get_host_addresses: Callable[[bool, bool], list[str]] = aioice.ice.get_host_addresses
_allowed_hosts: tuple[str, ...] = ()


def _restricted_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    """Gather only on the configured addresses (aioice never offers loopback by itself)."""
    if not _allowed_hosts:
        return _original_get_host_addresses(use_ipv4, use_ipv6)
    return [
        addr
        for addr in _allowed_hosts
        if (use_ipv4 and ":" not in addr) or (use_ipv6 and ":" in addr)
    ]


def restrict_host_addresses(addresses: Sequence[str]) -> None:
    """Limit the ICE host candidates of every connection in this process.

    aioice reads host addresses through a module-level function with no per-connection
    option, so the restriction is process-wide; an empty list restores every interface.
    """
    global _allowed_hosts
    _allowed_hosts = tuple(addresses)
    aioice.ice.get_host_addresses = _restricted_host_addresses


# --- ICE: host candidates inside the configured UDP port range ----------------------------

AIOICE_COMPONENT_CANDIDATES = aioice.ice.Connection.get_component_candidates
"""aioice's own gathering, kept for what the port range leaves to it (and the hook test)."""
_port_range: tuple[int, int] | None = None


def restrict_ports(low: int | None, high: int | None) -> None:
    """Bind every connection's host candidates inside [low, high] (None: any free port).

    Behind a firewall or Docker's port publishing only that range reaches the server, and
    aioice always binds port 0; process-wide like the host addresses.
    """
    global _port_range
    _port_range = None if low is None or high is None else (low, high)
    aioice.ice.Connection.get_component_candidates = _component_candidates  # type: ignore[method-assign]


async def _component_candidates(
    self: aioice.ice.Connection,
    component: int,
    addresses: list[str],
    timeout: int = 5,  # noqa: ASYNC109 (aioice's signature)
) -> list[aioice.Candidate]:
    """aioice's gathering, with host sockets bound inside the port range.

    Host and server-reflexive candidates are made here as aioice makes them; relayed ones
    (TURN, whose local port does not matter) are left to aioice, asked for no host ones.
    """
    if _port_range is None:
        return await AIOICE_COMPONENT_CANDIDATES(self, component, addresses, timeout)
    candidates: list[aioice.Candidate] = []
    protocols: list[aioice.ice.StunProtocol] = []
    for address in addresses:
        try:
            protocol = await _bind_in_range(self, address, *_port_range)
        except OSError as exc:
            log.error("no ICE host candidate on %s: %s", address, exc)
            continue
        host, port = protocol.transport.get_extra_info("sockname")[:2]
        protocol.local_candidate = aioice.Candidate(
            foundation=aioice.candidate.candidate_foundation("host", "udp", host),
            component=component,
            transport="udp",
            priority=aioice.candidate.candidate_priority(component, "host"),
            host=host,
            port=port,
            type="host",
        )
        candidates.append(protocol.local_candidate)
        protocols.append(protocol)
    self._protocols += protocols
    if self.stun_server:
        stun_server = self.stun_server
        queries = [
            asyncio.create_task(aioice.ice.server_reflexive_candidate(protocol, stun_server))
            for protocol in protocols
            if ipaddress.ip_address(protocol.local_candidate.host).version == 4
        ]
        if queries:
            done, pending = await asyncio.wait(queries, timeout=timeout)
            for task in pending:
                task.cancel()
            candidates += [t.result()[0] for t in done if t.exception() is None]
    return candidates + await AIOICE_COMPONENT_CANDIDATES(self, component, [], timeout)


async def _bind_in_range(
    connection: aioice.ice.Connection, address: str, low: int, high: int
) -> aioice.ice.StunProtocol:
    """A STUN protocol on the first free port of the range, tried from a random one."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    ports = list(range(low, high + 1))
    start = random.randrange(len(ports))
    for port in ports[start:] + ports[:start]:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.bind((address, port))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                continue
            raise
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, aioice.turn.UDP_SOCKET_BUFFER_SIZE)
            _, protocol = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: aioice.ice.StunProtocol(connection), sock=sock
            )
        except BaseException:
            sock.close()
            raise
        return protocol
    raise OSError(errno.EADDRINUSE, f"every UDP port in {low}-{high} is taken")


# --- SRTP: libsrtp called without pylibsrtp's per-packet wrapper ---------------------------

SRTP_BUFFER_SIZE = 1500
"""pylibsrtp's own buffer size: nothing longer is protected or unprotected."""


class SrtpContext:
    """Protects and unprotects with the libsrtp context of a pylibsrtp Session.

    pylibsrtp allocates a length cell and copies through a cffi buffer on every call, which
    costs more than the cipher itself on the forwarding path; this keeps one writable buffer
    and one length cell per context. Same-thread use only, as everything on the event loop.
    """

    __slots__ = ("_buffer", "_context", "_length", "_pointer", "_session", "_view")

    def __init__(self, session: pylibsrtp.Session) -> None:
        self._session = session  # owns the libsrtp context (freed with the session)
        self._context = session._srtp[0]
        self._buffer = bytearray(SRTP_BUFFER_SIZE)
        self._view = memoryview(self._buffer)
        self._pointer = srtp_ffi.from_buffer("char[]", self._buffer)
        self._length = srtp_ffi.new("int *")

    @property
    def session(self) -> pylibsrtp.Session:
        return self._session

    def _process(self, function: Any, data: bytes, trailer: int) -> bytes:
        size = len(data)
        if size > SRTP_BUFFER_SIZE - trailer:
            raise ValueError("packet is too long")
        self._view[:size] = data
        self._length[0] = size
        code = function(self._context, self._pointer, self._length)
        if code:
            raise pylibsrtp.Error(pylibsrtp.ERRORS[code])  # what pylibsrtp would raise
        return self._view[: self._length[0]].tobytes()

    def protect(self, packet: bytes) -> bytes:
        return self._process(srtp_lib.srtp_protect, packet, pylibsrtp.SRTP_MAX_TRAILER_LEN)

    def protect_rtcp(self, packet: bytes) -> bytes:
        return self._process(
            srtp_lib.srtp_protect_rtcp, packet, pylibsrtp.SRTP_MAX_SRTCP_TRAILER_LEN
        )

    def unprotect(self, packet: bytes) -> bytes:
        return self._process(srtp_lib.srtp_unprotect, packet, 0)

    def unprotect_rtcp(self, packet: bytes) -> bytes:
        return self._process(srtp_lib.srtp_unprotect_rtcp, packet, 0)


class _SrtpCache:
    """The SrtpContext of whichever Session a DTLS transport holds now (rekeyed on restart)."""

    __slots__ = ("context",)

    def __init__(self) -> None:
        self.context: SrtpContext | None = None

    def of(self, session: pylibsrtp.Session) -> SrtpContext:
        context = self.context
        if context is None or context.session is not session:
            context = self.context = SrtpContext(session)
        return context


# --- RTP in: a publisher's connection -------------------------------------------------------

RtpHandler = Callable[[bytes, int], None]
"""Receives one decrypted RTP packet (raw bytes) and its arrival time in milliseconds."""


class RtcpSink(Protocol):
    """What the SFU registers with a DTLS transport to get its RTCP."""

    def on_rtcp(self, packet: AnyRtcpPacket) -> None: ...


class RtcpHandle:
    """Speaks aiortc's private receiver/sender protocol on behalf of an SFU object."""

    def __init__(self, sink: RtcpSink, ssrc: int) -> None:
        self._ssrc = ssrc  # RtpRouter keys senders by this attribute
        self.sink = sink

    async def _handle_rtcp_packet(self, packet: AnyRtcpPacket) -> None:
        self.sink.on_rtcp(packet)

    async def _handle_rtp_packet(self, packet: Any, arrival_time_ms: int) -> None:
        """Unused: intercept_rtp() takes RTP before aiortc parses it."""

    def _handle_disconnect(self) -> None:
        """Nothing to stop: no decoder thread was ever started."""


def intercept_rtp(dtls: RTCDtlsTransport, handler: RtpHandler) -> None:
    """Hand every decrypted RTP packet of this transport to `handler`, unparsed.

    aiortc would parse each packet into an RtpPacket and route it to a receiver that
    reassembles and decodes frames; the SFU needs neither, only the bytes.
    """

    async def _handle_rtp_data(data: bytes, arrival_time_ms: int) -> None:
        handler(data, arrival_time_ms)

    dtls._handle_rtp_data = _handle_rtp_data  # type: ignore[method-assign]


def take_over_receiver(
    receiver: RTCRtpReceiver, on_start: Callable[[RTCRtpReceiveParameters], None]
) -> None:
    """Keep aiortc from starting the receiver (its decoder thread and RTCP loop).

    RTCPeerConnection calls receiver.receive(parameters) once the connection is up; the SFU
    gets the negotiated parameters instead and does the receiving itself.
    """

    async def receive(parameters: RTCRtpReceiveParameters) -> None:
        on_start(parameters)

    receiver.receive = receive  # type: ignore[method-assign]


def register_rtcp_receiver(
    dtls: RTCDtlsTransport, sink: RtcpSink, parameters: RTCRtpReceiveParameters
) -> RtcpHandle:
    """Route the publisher's sender reports for these SSRCs to `sink`."""
    adapter = RtcpHandle(sink, ssrc=0)
    dtls._register_rtp_receiver(adapter, parameters)
    return adapter


def unregister_rtcp_receiver(dtls: RTCDtlsTransport, handle: RtcpHandle) -> None:
    dtls._unregister_rtp_receiver(handle)


def learn_ssrc(dtls: RTCDtlsTransport, handle: RtcpHandle, ssrc: int) -> None:
    """Let RTCP for an SSRC the SDP did not announce reach the same sink."""
    dtls._rtp_router.ssrc_table[ssrc] = handle


# --- RTP out: a subscriber's connection -----------------------------------------------------


def take_over_sender(
    sender: RTCRtpSender, on_start: Callable[[RTCRtpSendParameters], None]
) -> None:
    """Keep aiortc from starting the sender (its encoder loop and sender reports)."""

    async def send(parameters: RTCRtpSendParameters) -> None:
        on_start(parameters)

    sender.send = send  # type: ignore[method-assign]


def sender_ssrcs(sender: RTCRtpSender) -> tuple[int, int]:
    """The (media, RTX) SSRCs aiortc announced in the SDP for this sender."""
    return int(sender._ssrc), int(sender._rtx_ssrc)


def register_rtcp_sender(
    dtls: RTCDtlsTransport, sink: RtcpSink, ssrc: int, parameters: RTCRtpSendParameters
) -> RtcpHandle:
    """Route receiver reports, NACKs, PLIs and REMBs about `ssrc` to `sink`."""
    adapter = RtcpHandle(sink, ssrc=ssrc)
    dtls._register_rtp_sender(adapter, parameters)
    return adapter


def unregister_rtcp_sender(dtls: RTCDtlsTransport, handle: RtcpHandle) -> None:
    dtls._unregister_rtp_sender(handle)


RtpOutput = Callable[[bytes], bool]
"""Encrypt and send one whole RTP or RTCP packet; False when it could not be sent."""


class ForwardingOutput(Protocol):
    """What a consumer sends through: whole packets, and forwarded ones in their parts."""

    def __call__(self, data: bytes) -> bool: ...

    def rtp(
        self,
        first: int,
        second: int,
        seq: int,
        ts: int,
        ssrc: int,
        extension: bytes,
        payload: bytes,
    ) -> bool: ...


SRTP_PROTECT = int(srtp_ffi.cast("uintptr_t", srtp_ffi.addressof(srtp_lib, "srtp_protect")))
"""libsrtp's srtp_protect as pylibsrtp links it: the compiled sender calls the same one."""
_HEADER = struct.Struct("!BBHII")


class SrtpOutput:
    """A synchronous "encrypt and send" for RTP and RTCP on one subscriber's transport.

    aiortc's own path is four nested coroutines per packet; fan-out to many subscribers
    spends most of its time there, so the SFU protects with the transport's SRTP context
    and sends on the nominated ICE pair's socket at once. Forwarded packets (`rtp`) are
    written, protected and sent by one compiled call (sfu/_send.c) when the pair has a
    socket of its own; a pair through a TURN relay goes through aioice's TURN transport.
    Every send returns False when the transport cannot send (not connected yet, or closed).
    """

    __slots__ = ("_connection", "_dtls", "_route", "_srtp")

    def __init__(self, dtls: RTCDtlsTransport) -> None:
        self._dtls = dtls
        self._connection = dtls.transport._connection
        self._srtp = _SrtpCache()
        self._route = _Route()

    def _ready(self) -> _Route | None:
        if self._dtls._state is not DtlsState.CONNECTED:
            return None
        pair = self._connection._nominated.get(1)
        if pair is None:
            return None
        route = self._route
        if pair is not route.pair and not route.follow(pair):
            return None
        if route.transport.is_closing():
            return None
        return route

    def __call__(self, data: bytes) -> bool:
        """Send a packet built whole: RTCP, a retransmission."""
        route = self._ready()
        if route is None:
            return False
        context = self._srtp.of(self._dtls._tx_srtp)
        # the test aiortc itself uses: RTCP types 192..208 sit where RTP has M + PT
        protected = context.protect_rtcp(data) if 191 < data[1] < 209 else context.protect(data)
        route.transport.sendto(protected, route.address)
        return True

    def rtp(
        self,
        first: int,
        second: int,
        seq: int,
        ts: int,
        ssrc: int,
        extension: bytes,
        payload: bytes,
    ) -> bool:
        """Send a forwarded packet: header bytes and fields, the extension block (with its
        own header, or empty) and the payload, never joined in Python."""
        route = self._ready()
        if route is None:
            return False
        sender = route.sender(self._dtls._tx_srtp)
        if sender is None:
            return self(_HEADER.pack(first, second, seq, ts, ssrc) + extension + payload)
        try:
            return sender.send(first, second, seq, ts, ssrc, extension, payload)
        except (OSError, ValueError):
            # the socket failed, or a publisher's oversized packet leaves SRTP no room: as
            # lost, and the other listeners of the burst still get theirs
            return False


class _Route:
    """The nominated ICE pair's datagram transport and remote address, looked up once, and
    the compiled sender for its socket and the connection's SRTP session."""

    __slots__ = ("_fd", "_sender", "_session", "address", "pair", "transport")

    def __init__(self) -> None:
        self.pair: Any = None
        self.transport: Any = None
        self.address: tuple[Any, ...] = ()
        self._fd: int | None = None
        self._session: pylibsrtp.Session | None = None
        self._sender: SrtpSender | None = None

    def follow(self, pair: Any) -> bool:
        transport = pair.protocol.transport
        if transport is None:
            return False
        self.pair = pair
        self.transport = transport
        self.address = pair.remote_addr
        socket_ = transport.get_extra_info("socket")  # None through a TURN relay
        self._fd = socket_.fileno() if socket_ is not None else None
        self._session = None
        self._sender = None
        return True

    def sender(self, session: pylibsrtp.Session) -> SrtpSender | None:
        """The compiled sender, made again when DTLS rekeys; None without a socket of its
        own (a TURN relay) or for an address it cannot take."""
        if session is not self._session:
            self._session = session  # keeps the libsrtp context alive as long as the sender
            self._sender = None
            if self._fd is not None:
                try:
                    self._sender = SrtpSender(
                        self._fd,
                        self.address[0],
                        self.address[1],
                        SRTP_PROTECT,
                        int(srtp_ffi.cast("uintptr_t", session._srtp[0])),
                        pylibsrtp.SRTP_MAX_TRAILER_LEN,
                    )
                except ValueError:  # an address it cannot take (a scoped IPv6 one): aioice can
                    log.debug("no compiled sender for %s", self.address)
        return self._sender


def rtp_output(dtls: RTCDtlsTransport) -> SrtpOutput:
    """The subscriber transport's output (see SrtpOutput)."""
    return SrtpOutput(dtls)


def receive_srtp_directly(dtls: RTCDtlsTransport, on_rtp: RtpHandler | None) -> None:
    """Decrypt SRTP and SRTCP in the socket callback and deliver them at once.

    aiortc queues every datagram through aioice (a STUN parse attempt, an asyncio queue and
    a task wake-up) and then through three coroutines of the DTLS transport before anyone
    sees it: for a publisher's media that was most of the SFU's fixed cost, and for the
    receiver reports, NACKs and REMBs of every listener a tenth of the forwarding cost.
    RTP goes to `on_rtp` (a publisher's connection; None keeps aiortc's path, which a
    send-only connection never uses); RTCP goes to the SFU objects registered for its
    SSRCs. STUN and DTLS keep aiortc's path. Call once the ICE candidates are gathered
    (after setLocalDescription); packets arriving before the SRTP keys exist also keep
    aiortc's path, which `intercept_rtp` and the RTCP handles cover.
    """
    for protocol in dtls.transport._connection._protocols:
        _receive_directly(protocol, dtls, on_rtp)


def _receive_directly(protocol: Any, dtls: RTCDtlsTransport, on_rtp: RtpHandler | None) -> None:
    original = protocol.datagram_received
    srtp = _SrtpCache()

    def datagram_received(data: bytes, addr: tuple[Any, ...]) -> None:
        session = dtls._rx_srtp
        # SRTP and SRTCP: version 2 (first byte 128..191); RTCP types 192..208 sit where
        # RTP has M + PT
        if session is not None and len(data) > 12 and 127 < data[0] < 192:
            if 191 < data[1] < 209:
                try:
                    plain = srtp.of(session).unprotect_rtcp(data)
                except (pylibsrtp.Error, ValueError):
                    return  # not authentic, replayed or oversized: dropped, as aiortc would
                _deliver_rtcp(dtls, plain)
                return
            if on_rtp is not None:
                try:
                    plain = srtp.of(session).unprotect(data)
                except (pylibsrtp.Error, ValueError):
                    return
                on_rtp(plain, int(time.time() * 1000))
                return
        original(data, addr)

    protocol.datagram_received = datagram_received


def _deliver_rtcp(dtls: RTCDtlsTransport, data: bytes) -> None:
    """Route a compound RTCP packet as aiortc would, calling the SFU's sinks directly."""
    try:
        packets = RtcpPacket.parse(data)
    except ValueError:
        return  # malformed: dropped, as aiortc would
    for packet in packets:
        for recipient in dtls._rtp_router.route_rtcp(packet):
            # only RtcpHandles: aiortc's own receivers and senders never start on the SFU's
            # connections (take_over_receiver, take_over_sender)
            if isinstance(recipient, RtcpHandle):
                try:
                    recipient.sink.on_rtcp(packet)
                except Exception:  # one sink's fault must not cost the others their RTCP
                    log.exception("RTCP sink failed")
