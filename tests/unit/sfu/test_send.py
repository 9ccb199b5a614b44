"""The compiled sender: what it puts on the wire is what libsrtp and RFC 3550 say."""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterator

import pylibsrtp
import pytest
from pylibsrtp._binding import ffi

from sfu._send import BUFFER_SIZE, SrtpSender
from sfu.aiortc_bridge import SRTP_PROTECT

PROFILES = [
    (pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80, 30),
    (pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_128_GCM, 28),
    (pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_256_GCM, 44),
]


@pytest.fixture
def sink() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(2)
        yield s


@pytest.fixture
def source() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.setblocking(False)
        yield s


def sessions(profile: int, key_length: int) -> tuple[pylibsrtp.Session, pylibsrtp.Session]:
    key = os.urandom(key_length)
    policies = [
        pylibsrtp.Policy(key=key, ssrc_type=kind, srtp_profile=profile)
        for kind in (pylibsrtp.Policy.SSRC_ANY_OUTBOUND, pylibsrtp.Policy.SSRC_ANY_INBOUND)
    ]
    return pylibsrtp.Session(policies[0]), pylibsrtp.Session(policies[1])


def sender(fd: int, address: tuple[str, int], session: pylibsrtp.Session) -> SrtpSender:
    context = int(ffi.cast("uintptr_t", session._srtp[0]))
    return SrtpSender(
        fd, address[0], address[1], SRTP_PROTECT, context, pylibsrtp.SRTP_MAX_TRAILER_LEN
    )


@pytest.mark.parametrize(("profile", "key_length"), PROFILES)
def test_sent_packets_decrypt_to_the_header_extension_and_payload_given(
    sink: socket.socket, source: socket.socket, profile: int, key_length: int
) -> None:
    outbound, inbound = sessions(profile, key_length)
    send = sender(source.fileno(), sink.getsockname(), outbound)
    level = bytes((0xBE, 0xDE, 0x00, 0x01, 0x10, 0x85, 0, 0))
    packets = [
        (0x90, 0xE1, 65535, 0xFFFFFFFF, 0x01020304, level, b"\x01" * 160),
        (0x80, 0x61, 0, 0, 1, b"", os.urandom(1100)),
        (0xA0, 0x60, 1, 90000, 0xDEADBEEF, b"", b"\x00" * 3 + b"\x04"),
    ]
    for first, second, seq, ts, ssrc, extension, payload in packets:
        assert send.send(first, second, seq, ts, ssrc, extension, payload) is True
        plain = inbound.unprotect(sink.recv(2048))
        header = struct.pack("!BBHII", first, second, seq, ts, ssrc)
        assert plain == header + extension + payload


def test_an_ipv6_peer_is_reached(source: socket.socket) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    with (
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sink6,
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as source6,
    ):
        try:
            sink6.bind(("::1", 0))
            source6.bind(("::1", 0))
        except OSError:
            pytest.skip("no ::1 here")
        sink6.settimeout(2)
        outbound, inbound = sessions(*PROFILES[0])
        send = sender(source6.fileno(), sink6.getsockname()[:2], outbound)
        assert send.send(0x80, 96, 7, 8, 9, b"", b"video")
        assert inbound.unprotect(sink6.recv(2048)).endswith(b"video")


def test_wrong_input_is_refused_with_a_clear_error(
    sink: socket.socket, source: socket.socket
) -> None:
    outbound, _ = sessions(*PROFILES[0])
    send = sender(source.fileno(), sink.getsockname(), outbound)
    room = BUFFER_SIZE - pylibsrtp.SRTP_MAX_TRAILER_LEN - 12
    with pytest.raises(ValueError, match="too long"):
        send.send(0x80, 96, 1, 1, 1, b"", bytes(room + 1))
    assert send.send(0x80, 96, 1, 1, 1, b"", bytes(room))  # the longest that fits
    with pytest.raises(OverflowError):
        send.send(0x80, 96, 65536, 1, 1, b"", b"x")
    with pytest.raises(OverflowError):
        send.send(0x80, 96, 1, 1 << 32, 1, b"", b"x")
    with pytest.raises(TypeError):
        send.send(0x80, 96, 1, 1, 1, b"")
    with pytest.raises(TypeError):
        send.send(0x80, 96, 1, 1, 1, "text", b"x")
    with pytest.raises(ValueError, match="not an IP address"):
        sender(source.fileno(), ("reception.example", 5000), outbound)
    with pytest.raises(ValueError, match="SRTP context"):
        SrtpSender(source.fileno(), "127.0.0.1", 5000, SRTP_PROTECT, 0, 148)


def test_a_closed_socket_raises_instead_of_sending() -> None:
    outbound, _ = sessions(*PROFILES[0])
    closed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fd = closed.fileno()
    send = sender(fd, ("127.0.0.1", 9), outbound)
    closed.close()
    with pytest.raises(OSError, match="Bad file descriptor"):
        send.send(0x80, 96, 1, 1, 1, b"", b"x")
