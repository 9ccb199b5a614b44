"""Checks on a client's SDP before aiortc applies it: an offer to publish, an answer to receive.

aiortc's parser lets through much that its peer connection then trips over half-way
through applying the description: a `TypeError` on an attribute without a value, a
`StopIteration` for an a=fmtp of a payload type nobody mapped, a BUNDLE group naming an
unknown mid that swaps the connection's transport for None. Whatever of that can be told
from the text is refused here first, before aiortc changes anything, as an
`InvalidDescription` (`invalid_sdp`) that says what was wrong: the line checks follow
aiortc's parser (`aiortc.sdp`, pinned in pyproject.toml) line by line, the section checks
what its peer connection and the SFU need of each audio or video section.
`tests/unit/sfu/test_description.py` fuzzes them with mangled real offers.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator

from aiortc import sdp as aiortc_sdp
from aiortc.codecs import CODECS
from aiortc.exceptions import InvalidAccessError, OperationError
from aiortc.rtcdtlstransport import X509_DIGEST_ALGORITHMS
from aiortc.rtcpeerconnection import find_common_codecs
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import FORBIDDEN_PAYLOAD_TYPES

from sfu.codec import AUDIO_LEVEL_URI
from sfu.errors import InvalidDescription

log = logging.getLogger(__name__)

SessionDescription = aiortc_sdp.SessionDescription
MediaDescription = aiortc_sdp.MediaDescription

MEDIA_KINDS = ("audio", "video")
M_LINE = re.compile(r"^m=([^ ]+) ([0-9]+) ([A-Z/]+) (.+)$")
"""aiortc's own pattern for an m-line."""
CONNECTION = re.compile(r"^IN (IP4|IP6) ([^ ]+)$")
"""aiortc's own pattern for a c= value."""
TOKEN = re.compile(r"^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]{1,32}$")
"""A mid: an RFC 4566 token, and short."""
ICE_UFRAG = re.compile(r"^[A-Za-z0-9+/]{4,256}$")
ICE_PWD = re.compile(r"^[A-Za-z0-9+/]{22,256}$")
"""RFC 8839: ice-char, 4 to 256 of them in a ufrag, 22 to 256 in a password."""
MSID = re.compile(r"^\S+( \S+)?$")
FINGERPRINT = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*$")
DIGEST_BYTES = {"sha-256": 32, "sha-384": 48, "sha-512": 64}
MAX_SSRC = 2**32 - 1
MAX_PAYLOAD_TYPE = 127
ONE_BYTE_EXTENSION_IDS = range(1, 15)
"""The SFU writes the audio level in the one-byte form (RFC 8285) to a subscriber."""
DIRECTIONS = aiortc_sdp.DIRECTIONS
"""inactive, sendonly, recvonly, sendrecv: bit 1 is sending, bit 2 receiving."""


def check_offer(sdp: str, previous: SessionDescription | None = None) -> SessionDescription:
    """The parsed offer of a publisher, or InvalidDescription saying what is wrong with it.

    `previous` is the last offer applied on the connection: existing sections keep their
    place, kind and mid (aiortc matches transceivers by them and cannot recycle one).
    """
    description = _parse(sdp, "offer")
    media = description.media
    if not any(m.kind in MEDIA_KINDS for m in media):
        raise InvalidDescription("the offer has no audio or video to publish")
    for m in media:
        if m.kind not in MEDIA_KINDS:
            raise InvalidDescription(
                f"the offer has a section of kind {_quote(m.kind)}: only audio and video are taken"
            )
    if previous is not None:
        if len(media) < len(previous.media):
            raise InvalidDescription("the offer drops media sections of the previous one")
        for index, (old, new) in enumerate(zip(previous.media, media, strict=False)):
            if (old.kind, old.rtp.muxId) != (new.kind, new.rtp.muxId):
                raise InvalidDescription(
                    f"media section {index + 1} was {old.kind} with mid {old.rtp.muxId};"
                    " it cannot change"
                )
    _check_sections(description, "offer")
    for m in media:
        if not _media_codecs(find_common_codecs(CODECS[m.kind], m.rtp.codecs)):
            raise InvalidDescription(f"{_name(m, 'offer')} has no codec the server accepts")
    return description


def check_answer(sdp: str, offer: SessionDescription) -> SessionDescription:
    """The parsed answer of a subscriber to `offer` (the server's own), or InvalidDescription."""
    description = _parse(sdp, "answer")
    offered = [(m.kind, m.rtp.muxId) for m in offer.media]
    answered = [(m.kind, m.rtp.muxId) for m in description.media]
    if answered != offered:
        expected = ", ".join(f"{kind} {mid}" for kind, mid in offered)
        raise InvalidDescription(
            f"the answer's media sections do not match the offer's ({expected})"
        )
    _check_sections(description, "answer")
    for m, o in zip(description.media, offer.media, strict=True):
        role = m.dtls.role if m.dtls is not None else None
        if role not in ("client", "server"):
            raise InvalidDescription(f"{_name(m, 'answer')} must say a=setup:active or passive")
        allowed = DIRECTIONS.index(_reverse(o.direction or "inactive"))
        if DIRECTIONS.index(m.direction or "inactive") & ~allowed:
            raise InvalidDescription(
                f"{_name(m, 'answer')} is {m.direction}; the offer was {o.direction}"
            )
        offered_types = {c.mimeType.lower() for c in _media_codecs(o.rtp.codecs)}
        common = _media_codecs(find_common_codecs(CODECS[m.kind], m.rtp.codecs))
        if not any(c.mimeType.lower() in offered_types for c in common):
            raise InvalidDescription(f"{_name(m, 'answer')} has no codec the server offered")
        for extension in m.rtp.headerExtensions:
            if extension.uri == AUDIO_LEVEL_URI and extension.id not in ONE_BYTE_EXTENSION_IDS:
                raise InvalidDescription(
                    f"{_name(m, 'answer')} puts the audio level at extension id"
                    f" {extension.id}; 1-14 are possible"
                )
    return description


# --- the text: every line as aiortc's parser reads it ---------------------------------------


def _parse(sdp: str, what: str) -> SessionDescription:
    """Check every line aiortc reads, then let aiortc parse the whole."""
    kind = ""
    sections: list[list[tuple[int, str]]] = []
    # str.splitlines, as aiortc: \r, \v, \x1c and the like end a line too
    for number, line in enumerate(sdp.splitlines(), start=1):
        if line.startswith("m="):
            _check_m_line(line, number)
            kind = line[2:].split(" ", 1)[0]
            sections.append([])
        if not sections:
            _check_session_line(line, number)
        else:
            _check_media_line(line, number, kind)
            sections[-1].append((number, line))
    for lines in sections:
        _check_references(lines)
    try:
        description = SessionDescription.parse(sdp)
    except Exception as exc:  # anything the line checks did not foresee
        raise InvalidDescription(f"the {what} cannot be parsed ({type(exc).__name__})") from exc
    description.type = what
    return description


Check = Callable[[str | None], bool]


def _is_int(text: str | None, low: int | None = None, high: int | None = None) -> bool:
    if text is None:
        return False
    try:
        value = int(text)
    except ValueError:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _fingerprint(value: str | None) -> bool:
    return value is not None and len(value.split()) == 2


def _group(value: str | None) -> bool:
    return value is not None


def _setup(value: str | None) -> bool:
    return value in aiortc_sdp.DTLS_SETUP_ROLE


SESSION_ATTRIBUTES: dict[str, Check] = {
    "fingerprint": _fingerprint,
    "group": _group,
    "msid-semantic": _group,
    "setup": _setup,
}


def _check_session_line(line: str, number: int) -> None:
    if line.startswith("v=") and not _is_int(line.strip()[2:]):
        raise _malformed("v=", number)
    if line.startswith("c=") and not CONNECTION.match(line[2:]):
        raise _malformed("c=", number)
    if line.startswith("a="):
        attribute, value = aiortc_sdp.parse_attr(line)
        check = SESSION_ATTRIBUTES.get(attribute)
        if check is not None and not check(value):
            raise _malformed(f"a={attribute}", number)


def _check_m_line(line: str, number: int) -> None:
    match = M_LINE.match(line)
    if match is None:
        raise InvalidDescription(f"malformed m-line (line {number})")
    if match.group(1) in MEDIA_KINDS:
        for text in match.group(4).split():
            if not _is_int(text, 0, MAX_PAYLOAD_TYPE) or int(text) in FORBIDDEN_PAYLOAD_TYPES:
                raise InvalidDescription(
                    f"m-line with payload type {_quote(text)}: 0-127 and not 72-76 (line {number})"
                )


def _candidate(value: str | None) -> bool:
    if value is None:
        return False
    bits = value.split()
    if len(bits) < 8 or bits[6] != "typ":
        return False
    if not (
        _is_int(bits[1], 1, 256) and _is_int(bits[3], 0, MAX_SSRC) and _is_int(bits[5], 0, 65535)
    ):
        return False
    return all(
        _is_int(bits[i + 1], 0, 65535) for i in range(8, len(bits) - 1, 2) if bits[i] == "rport"
    )


def _extmap(value: str | None) -> bool:
    if value is None or len(value.split()) != 2:
        return False
    ext_id = value.split()[0]
    if "/" in ext_id:
        if len(ext_id.split("/")) != 2:
            return False
        ext_id = ext_id.split("/")[0]
    return _is_int(ext_id, 1, 255)


def _rtcp(value: str | None) -> bool:
    if value is None:
        return False
    bits = value.split(" ", 1)
    return _is_int(bits[0], 0, 65535) and (len(bits) == 1 or bool(CONNECTION.match(bits[1])))


def _rtpmap(kind: str) -> Check:
    def check(value: str | None) -> bool:
        if value is None or " " not in value:
            return False
        format_id, description = value.split(" ", 1)
        bits = description.split("/")
        if len(bits) < 2 or not _is_int(bits[1], 1) or not _is_int(format_id):
            return False
        return kind != "audio" or len(bits) < 3 or _is_int(bits[2], 1)

    return check


def _sctpmap(value: str | None) -> bool:
    return value is not None and " " in value and _is_int(value.split(" ", 1)[0])


def _ssrc_group(value: str | None) -> bool:
    return value is not None and all(_is_int(bit, 0, MAX_SSRC) for bit in value.split()[1:])


def _ssrc(value: str | None) -> bool:
    if value is None or " " not in value:
        return False
    ssrc, description = value.split(" ", 1)
    return _is_int(ssrc, 0, MAX_SSRC) and ":" in description


def _msid(value: str | None) -> bool:
    return value is not None and MSID.match(value) is not None


def _mid(value: str | None) -> bool:
    return value is not None and TOKEN.match(value) is not None


def _rtcp_fb(value: str | None) -> bool:
    return value is not None and len(value.split(" ", 2)) >= 2


def _media_attributes(kind: str) -> dict[str, Check]:
    return {
        "candidate": _candidate,
        "extmap": _extmap,
        "fingerprint": _fingerprint,
        "max-message-size": _is_int,
        "mid": _mid,
        "msid": _msid,
        "rtcp": _rtcp,
        "rtcp-fb": _rtcp_fb,
        "setup": _setup,
        "rtpmap": _rtpmap(kind),
        "sctpmap": _sctpmap,
        "sctp-port": _is_int,
        "ssrc-group": _ssrc_group,
        "ssrc": _ssrc,
    }


MEDIA_ATTRIBUTES = {kind: _media_attributes(kind) for kind in ("audio", "video", "")}


def _check_media_line(line: str, number: int, kind: str) -> None:
    if line.startswith("c=") and not CONNECTION.match(line[2:]):
        raise _malformed("c=", number)
    if line.startswith("a="):
        attribute, value = aiortc_sdp.parse_attr(line)
        check = MEDIA_ATTRIBUTES.get(kind, MEDIA_ATTRIBUTES[""]).get(attribute)
        if check is not None and not check(value):
            raise _malformed(f"a={attribute}", number)


def _check_references(lines: list[tuple[int, str]]) -> None:
    """Within one section: payload types mapped once, on the m-line, and a=fmtp only for
    mapped ones, with numbers where aiortc reads numbers."""
    m_line = lines[0][1]
    kind = m_line[2:].split(" ", 1)[0]
    # _check_m_line has made them numbers
    listed = {int(t) for t in m_line.split(" ", 3)[3].split()} if kind in MEDIA_KINDS else set()
    mapped: set[int] = set()
    for number, line in lines[1:]:
        if line.startswith("a=rtpmap:"):
            text = line[len("a=rtpmap:") :].split(" ", 1)[0]
            payload_type = int(text)
            if kind in MEDIA_KINDS and payload_type in mapped:
                raise InvalidDescription(
                    f"a second a=rtpmap for payload type {payload_type} (line {number})"
                )
            if kind in MEDIA_KINDS and payload_type not in listed:
                raise InvalidDescription(
                    f"a=rtpmap for payload type {payload_type}, which the m-line does not list"
                    f" (line {number})"
                )
            mapped.add(payload_type)
    for number, line in lines[1:]:
        if not line.startswith("a="):
            continue
        attribute, value = aiortc_sdp.parse_attr(line)
        if attribute != "fmtp":
            continue
        if value is None or " " not in value or not _is_int(value.split(" ", 1)[0]):
            raise _malformed("a=fmtp", number)
        format_id, parameters = value.split(" ", 1)
        if int(format_id) not in mapped:
            raise InvalidDescription(
                f"a=fmtp for payload type {int(format_id)}, which no a=rtpmap maps (line {number})"
            )
        for parameter in parameters.split(";"):
            key, equals, number_text = parameter.partition("=")
            numeric = key in aiortc_sdp.FMTP_INT_PARAMETERS or key == "packetization-mode"
            if (equals or key == "packetization-mode") and numeric and not _is_int(number_text):
                raise InvalidDescription(
                    f"a=fmtp parameter {_quote(key)} must be a number (line {number})"
                )


# --- the sections: what the peer connection and the SFU need of each -----------------------


def _check_sections(description: SessionDescription, what: str) -> None:
    mids: set[str] = set()
    ssrcs: set[int] = set()
    for m in description.media:
        name = _name(m, what)
        mid = m.rtp.muxId
        if not mid:  # aiortc's default is ""
            raise InvalidDescription(f"{name} has no a=mid")
        if mid in mids:
            raise InvalidDescription(f"two media sections have mid {mid}")
        mids.add(mid)
        if m.direction is None:
            raise InvalidDescription(
                f"{name} has no direction (a=sendrecv, sendonly, recvonly or inactive)"
            )
        if m.ice is None or not m.ice.usernameFragment or not m.ice.password:
            raise InvalidDescription(f"{name} has no a=ice-ufrag or a=ice-pwd")
        if not ICE_UFRAG.match(m.ice.usernameFragment):
            raise InvalidDescription(f"{name}: a=ice-ufrag is not 4-256 letters, digits, + or /")
        if not ICE_PWD.match(m.ice.password):
            raise InvalidDescription(f"{name}: a=ice-pwd is not 22-256 letters, digits, + or /")
        if m.dtls is None:
            raise InvalidDescription(f"{name} has no a=setup")
        _check_fingerprints(m, name)
        if not m.rtcp_mux:
            raise InvalidDescription(f"{name} has no a=rtcp-mux")
        for ssrc in {s.ssrc for s in m.ssrc}:
            if ssrc in ssrcs:
                raise InvalidDescription(f"SSRC {ssrc} is announced in two media sections")
            ssrcs.add(ssrc)
    bundle = next((g for g in description.group if g.semantic == "BUNDLE"), None)
    if bundle is not None and bundle.items:
        items = [str(item) for item in bundle.items]
        # aiortc moves every other mid onto the first one's transport and stops the
        # transport they had: only the first section's own transport may lead
        if len(set(items)) != len(items) or not set(items) <= mids:
            raise InvalidDescription("a=group:BUNDLE names a mid twice or a mid no section has")
        if items[0] != description.media[0].rtp.muxId:
            raise InvalidDescription("a=group:BUNDLE must begin with the first section's mid")


def _check_fingerprints(m: MediaDescription, name: str) -> None:
    assert m.dtls is not None
    usable = 0
    for fingerprint in m.dtls.fingerprints:
        algorithm = fingerprint.algorithm.lower()
        if algorithm not in X509_DIGEST_ALGORITHMS:
            continue  # aiortc ignores it, so long as one it knows is there
        value = fingerprint.value
        if not FINGERPRINT.match(value) or len(value) != DIGEST_BYTES[algorithm] * 3 - 1:
            raise InvalidDescription(f"{name}: malformed {algorithm} a=fingerprint")
        usable += 1
    if not usable:
        raise InvalidDescription(
            f"{name} has no a=fingerprint the server can check (sha-256, sha-384 or sha-512)"
        )


def _media_codecs(codecs: list[RTCRtpCodecParameters]) -> list[RTCRtpCodecParameters]:
    return [c for c in codecs if not c.mimeType.lower().endswith("/rtx")]


def _reverse(direction: str) -> str:
    return {"sendonly": "recvonly", "recvonly": "sendonly"}.get(direction, direction)


def _name(m: MediaDescription, what: str) -> str:
    mid = m.rtp.muxId
    return f"the {what}'s {m.kind} section" + (f" (mid {mid})" if mid else "")


def _quote(text: str) -> str:
    """A client's text in a message: short and printable."""
    return repr(text[:20] + ("..." if len(text) > 20 else ""))


def _malformed(what: str, number: int) -> InvalidDescription:
    return InvalidDescription(f"malformed {what} line (line {number})")


# --- what aiortc raises anyway ---------------------------------------------------------------

APPLYING_ERRORS = (
    ValueError,
    TypeError,
    AttributeError,
    LookupError,
    AssertionError,
    InvalidAccessError,
    OperationError,
)
"""What aiortc raises on a description it cannot apply; OSError (no port, no socket),
MemoryError and the like are the server's own failures and stay `media_failed`."""
DELIBERATE = (ValueError, InvalidAccessError, OperationError)
"""aiortc's own refusals, whose message says something to the client."""


def not_applied(exc: BaseException, what: str) -> InvalidDescription | None:
    """The refusal for an exception aiortc raised applying a client's `what` (offer or
    answer) that the checks let through; None when it is no fault of the description."""
    if isinstance(exc, RuntimeError) and isinstance(exc.__cause__, StopIteration):
        exc = exc.__cause__  # a next() without default, inside a coroutine
    elif not isinstance(exc, APPLYING_ERRORS):
        return None
    log.warning("aiortc could not apply a checked %s: %r", what, exc)
    detail = f": {str(exc)[:120]}" if isinstance(exc, DELIBERATE) and str(exc) else ""
    return InvalidDescription(f"the {what} cannot be applied{detail}")


@contextlib.contextmanager
def applying(what: str) -> Iterator[None]:
    """Around aiortc applying a client's description: its exceptions become `invalid_sdp`."""
    try:
        yield
    except Exception as exc:
        refusal = not_applied(exc, what)
        if refusal is None:
            raise
        raise refusal from exc
