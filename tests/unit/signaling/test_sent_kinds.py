"""What an offer publishes, read from its SDP: the console marks a citizen without a camera
or a microphone from this."""

from __future__ import annotations

from signaling.conference import sent_kinds
from signaling.protocol import MediaKind

HEAD = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


def section(kind: str, direction: str, port: int = 9) -> str:
    return f"m={kind} {port} UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na={direction}\r\n"


def test_camera_and_microphone() -> None:
    offer = HEAD + section("audio", "sendrecv") + section("video", "sendonly")
    assert sent_kinds(offer) == {MediaKind.AUDIO: True, MediaKind.VIDEO: True}


def test_no_camera_offers_no_video_section() -> None:
    assert sent_kinds(HEAD + section("audio", "sendonly")) == {
        MediaKind.AUDIO: True,
        MediaKind.VIDEO: False,
    }


def test_receive_only_inactive_and_rejected_sections_send_nothing() -> None:
    offer = (
        HEAD
        + section("audio", "recvonly")
        + section("video", "inactive")
        + section("video", "sendrecv", port=0)
        + section("application", "sendrecv")
    )
    assert sent_kinds(offer) == {MediaKind.AUDIO: False, MediaKind.VIDEO: False}
