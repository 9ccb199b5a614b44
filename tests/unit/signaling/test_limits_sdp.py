"""SDP size and m-lines are checked before the media stack parses anything."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaling.protocol import ErrorCode, SignalingError
from signaling.protocol.validation import check_sdp

AUDIO = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:{}\r\na=sendonly\r\n"


def offer(sections: int) -> str:
    return "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n" + "".join(
        AUDIO.format(i) for i in range(sections)
    )


def code(sdp: str, max_bytes: int = 10_000, max_media_sections: int = 4) -> str | None:
    try:
        check_sdp(sdp, max_bytes=max_bytes, max_media_sections=max_media_sections)
    except SignalingError as error:
        return error.code
    return None


def test_within_limits_passes() -> None:
    assert code(offer(4)) is None
    assert code(offer(4), max_bytes=len(offer(4))) is None


def test_size_is_counted_in_utf8_bytes() -> None:
    assert code(offer(1), max_bytes=len(offer(1)) - 1) == ErrorCode.SDP_TOO_LARGE
    cyrillic = offer(1) + "a=x:" + "я" * 100 + "\r\n"  # 100 characters, 200 bytes
    assert code(cyrillic, max_bytes=len(cyrillic) + 50) == ErrorCode.SDP_TOO_LARGE


def test_m_lines_are_counted_as_the_parser_splits_lines() -> None:
    assert code(offer(5)) == ErrorCode.TOO_MANY_MEDIA_SECTIONS
    # Bare \n, \r and other line breaks end a line for aiortc too.
    assert code("v=0\nm=audio\rm=video\x0bm=audio\u2028m=video\x1cm=audio") == (
        ErrorCode.TOO_MANY_MEDIA_SECTIONS
    )
    assert code("v=0\r\n a=m=audio m=video m=audio m=video m=audio") is None


def test_the_refusal_says_the_limit() -> None:
    with pytest.raises(SignalingError) as caught:
        check_sdp(offer(5), max_bytes=10_000, max_media_sections=4)
    wire = caught.value.to_wire()["error"]
    assert wire["max_media_sections"] == 4
    assert "5 media sections" in wire["message"]


@given(st.text(max_size=3000), st.integers(1, 4000), st.integers(0, 20))
@settings(max_examples=300, derandomize=True, deadline=None)
def test_any_text_is_passed_or_refused_with_a_limit_code(
    sdp: str, max_bytes: int, max_media_sections: int
) -> None:
    assert code(sdp, max_bytes, max_media_sections) in (
        None,
        ErrorCode.SDP_TOO_LARGE,
        ErrorCode.TOO_MANY_MEDIA_SECTIONS,
    )
