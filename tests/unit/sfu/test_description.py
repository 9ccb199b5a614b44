"""A publisher's offer is checked before aiortc applies it: whatever is wrong with it is
`invalid_sdp` with a message, never an exception from deep inside aiortc (`media_failed`),
and a refused offer leaves the connection as it was."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sfu.description import check_offer, not_applied
from sfu.errors import InvalidDescription
from sfu.publisher import PublisherTransport
from tests.unit.sfu.sdp_mutations import CHROMIUM_OFFER, LOOPBACK, aiortc_offer, mutated

pytestmark = pytest.mark.timeout(60)


def _ignore(*_: object) -> None:
    pass


def publisher() -> PublisherTransport:
    return PublisherTransport(LOOPBACK, "a", _ignore, _ignore, _ignore)


@pytest.fixture
async def offers() -> list[str]:
    return [CHROMIUM_OFFER, await aiortc_offer()]


def edit(sdp: str, old: str, new: str) -> str:
    assert old in sdp, old
    return sdp.replace(old, new, 1)


def refusal(sdp: str) -> str:
    with pytest.raises(InvalidDescription) as caught:
        check_offer(sdp)
    assert caught.value.code == "invalid_sdp"
    return str(caught.value)


async def test_real_offers_pass(offers: list[str]) -> None:
    for offer in offers:
        description = check_offer(offer)
        assert [m.kind for m in description.media] == ["audio", "video"]
        transport = publisher()
        try:
            assert "a=recvonly" in await transport.accept_offer(offer)
        finally:
            await transport.close()


BROKEN = [
    # (what aiortc raised from setRemoteDescription/createAnswer, the edit, the message)
    pytest.param(
        "a=fmtp:97 apt=96", "a=fmtp:93 apt=96", "a=fmtp for payload type 93, which no a=rtpmap",
        id="fmtp-of-unmapped-type-StopIteration",
    ),
    pytest.param(
        "a=group:BUNDLE 0 1", "a=group", "malformed a=group line (line 5)",
        id="group-without-value-AttributeError",
    ),
    pytest.param(
        "a=setup:actpass\r\na=mid:0", "a=mid:0", "audio section (mid 0) has no a=setup",
        id="no-setup-AttributeError",
    ),
    pytest.param(
        "a=sendonly\r\na=msid", "a=msid", "no direction",
        id="no-direction-ValueError-in-createAnswer",
    ),
    pytest.param(
        "0c6e1a4e-3b8f-4bb3-9d43-3f4e0a6d5b11\r\na=rtcp-mux", "\r\na=rtcp-mux",
        "malformed a=msid line (line 22)",
        id="msid-of-a-stream-and-a-space-IndexError",
    ),
    pytest.param(
        "a=group:BUNDLE 0 1", "a=group:BUNDLE 7 0 1", "a=group:BUNDLE names a mid",
        id="bundle-of-unknown-mid-breaks-the-transport",
    ),
    pytest.param(
        "a=group:BUNDLE 0 1", "a=group:BUNDLE 1 0", "must begin with the first section's mid",
        id="bundle-led-by-another-mid-closes-the-ice-transport",
    ),
    pytest.param(
        "packetization-mode=1;profile-level-id=42e01f",
        "packetization-mode;profile-level-id=42e01f",
        "'packetization-mode' must be a number",
        id="h264-packetization-mode-without-value-TypeError",
    ),
    pytest.param(
        "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96",
        "a=rtpmap:300 rtx/90000\r\na=fmtp:300 apt=96",
        "a=rtpmap for payload type 300, which the m-line does not list",
        id="rtx-payload-type-300-AssertionError-in-setLocalDescription",
    ),
    pytest.param(
        "m=video 9 UDP/TLS/RTP/SAVPF 96", "m=text 9 UDP/TLS/RTP/SAVPF 96",
        "a section of kind 'text'",
        id="text-section-AttributeError-in-createAnswer",
    ),
    pytest.param(
        "a=ssrc:2931281472 cname", "a=ssrc:2931281472cname", "malformed a=ssrc line",
        id="ssrc-without-attribute-ValueError",
    ),
    pytest.param(
        "a=fingerprint:sha-256 4A:AD", "a=fingerprint:sha-256 4A:AD:zz", "malformed sha-256",
        id="fingerprint-not-hex-failing-only-at-dtls",
    ),
    pytest.param(
        "a=ice-ufrag:Hq7x", "a=ice-ufrag:H q", "a=ice-ufrag is not 4-256",
        id="ice-ufrag-not-ice-chars-failing-only-at-ice",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), BROKEN)
async def test_what_aiortc_tripped_over_is_refused_by_name(
    old: str, new: str, message: str
) -> None:
    sdp = edit(CHROMIUM_OFFER, old, new)
    assert message in refusal(sdp)
    transport = publisher()
    try:
        with pytest.raises(InvalidDescription) as caught:
            await transport.accept_offer(sdp)
        assert message in str(caught.value)
        # nothing of the connection changed: the real offer is answered afterwards
        answer = await transport.accept_offer(CHROMIUM_OFFER)
        assert "a=group:BUNDLE 0 1" in answer
    finally:
        await transport.close()


def test_messages_say_which_section_lacks_a_codec() -> None:
    no_video_codec = edit(CHROMIUM_OFFER, "a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP7/90000")
    for h264 in ("102", "104", "106"):
        no_video_codec = edit(no_video_codec, f"a=rtpmap:{h264} H264", f"a=rtpmap:{h264} H263")
    assert refusal(no_video_codec) == (
        "the offer's video section (mid 1) has no codec the server accepts"
    )
    assert refusal(edit(CHROMIUM_OFFER, "m=audio 9 UDP", "m=audio x UDP")) == (
        "malformed m-line (line 8)"
    )
    assert "no audio or video" in refusal("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")


async def test_a_renegotiation_keeps_the_sections() -> None:
    transport = publisher()
    try:
        await transport.accept_offer(CHROMIUM_OFFER)
        swapped = edit(CHROMIUM_OFFER, "a=mid:1", "a=mid:2").replace("BUNDLE 0 1", "BUNDLE 0 2")
        with pytest.raises(InvalidDescription, match="media section 2 was video with mid 1"):
            await transport.accept_offer(swapped)
        inactive = CHROMIUM_OFFER.replace("a=sendonly", "a=inactive")
        assert "a=inactive" in await transport.accept_offer(inactive)
    finally:
        await transport.close()


def test_exceptions_from_aiortc_are_the_clients_fault_unless_the_servers() -> None:
    def stop_iteration() -> RuntimeError:
        try:
            asyncio.run(_raise_stop_iteration())
        except RuntimeError as exc:
            return exc
        raise AssertionError("no RuntimeError")

    for exc in (TypeError("x"), KeyError("x"), IndexError("x"), stop_iteration()):
        refused = not_applied(exc, "offer")
        assert refused is not None
        assert str(refused) == "the offer cannot be applied"
    refused = not_applied(ValueError("RTCP mux is not enabled"), "answer")
    assert str(refused) == "the answer cannot be applied: RTCP mux is not enabled"
    for servers in (OSError(98, "every UDP port in 40000-40009 is taken"), MemoryError()):
        assert not_applied(servers, "offer") is None
    assert not_applied(RuntimeError("event loop is closed"), "offer") is None


async def _raise_stop_iteration() -> None:
    next(iter([]))


async def test_a_server_failure_stays_a_media_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """No port to gather on is no fault of the offer: it is not called invalid_sdp."""
    transport = publisher()

    async def no_port(*_: object) -> None:
        raise OSError(98, "every UDP port in 40000-40009 is taken")

    monkeypatch.setattr(transport.pc, "setLocalDescription", no_port)
    try:
        with pytest.raises(OSError, match="UDP port"):
            await transport.accept_offer(CHROMIUM_OFFER)
    finally:
        await transport.close()


async def test_aiortc_exceptions_on_a_checked_offer_are_invalid_sdp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the checks miss and aiortc raises on is still the offer's fault."""
    transport = publisher()

    async def trips(*_: object) -> None:
        raise AttributeError("'NoneType' object has no attribute 'split'")

    monkeypatch.setattr(transport.pc, "setRemoteDescription", trips)
    try:
        with pytest.raises(InvalidDescription, match=r"^the offer cannot be applied$"):
            await transport.accept_offer(CHROMIUM_OFFER)
    finally:
        await transport.close()


@given(data=st.data())
@settings(
    max_examples=400,
    derandomize=True,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_mutated_offers_are_answered_or_invalid_sdp(
    offers: list[str], data: st.DataObject
) -> None:
    """Each mutated offer goes to a fresh connection: it is answered or refused as
    `invalid_sdp` (nothing else escapes), and once refused the real offer is answered on
    the same connection."""
    base = data.draw(st.sampled_from(offers), label="base")
    sdp = data.draw(mutated(base), label="offer")
    transport = publisher()
    try:
        message = None
        try:
            await transport.accept_offer(sdp)
        except InvalidDescription as refused:
            message = str(refused)
        event("answered" if message is None else "invalid_sdp")
        if message is not None:
            assert 0 < len(message) < 200
            assert "a=recvonly" in await transport.accept_offer(base)
    finally:
        await transport.close()
