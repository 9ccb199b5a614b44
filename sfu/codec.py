"""The negotiated codec of a producer, and matching it on a subscriber's m-line."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiortc import RTCRtpCodecCapability, RTCRtpReceiver
from aiortc.rtcrtpparameters import RTCRtpCodecParameters, RTCRtpParameters

from sfu.types import MediaKind

AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
FORWARDED_MIME_TYPES = ("audio/opus", "video/vp8", "video/h264")


@dataclass(frozen=True, slots=True)
class NegotiatedCodec:
    """One side's view of a codec: payload types are per connection, the rest must match."""

    mime_type: str
    clock_rate: int
    payload_type: int
    rtx_payload_type: int | None
    channels: int | None = None
    parameters: dict[str, str | int | None] = field(default_factory=dict)

    @property
    def is_video(self) -> bool:
        return self.mime_type.lower().startswith("video/")


def negotiated_codec(parameters: RTCRtpParameters) -> NegotiatedCodec:
    """The first negotiated codec (what the remote sends or will receive) and its RTX."""
    media = [c for c in parameters.codecs if c.mimeType.lower() != _rtx_mime(c)]
    if not media:
        raise ValueError("no media codec was negotiated")
    main: RTCRtpCodecParameters = media[0]
    rtx = next(
        (
            c.payloadType
            for c in parameters.codecs
            if c.mimeType.lower() == _rtx_mime(c) and c.parameters.get("apt") == main.payloadType
        ),
        None,
    )
    return NegotiatedCodec(
        mime_type=main.mimeType,
        clock_rate=main.clockRate,
        payload_type=_payload_type(main),
        rtx_payload_type=rtx,
        channels=main.channels,
        parameters=dict(main.parameters),
    )


def _payload_type(codec: RTCRtpCodecParameters) -> int:
    if codec.payloadType is None:
        raise ValueError(f"{codec.mimeType} was negotiated without a payload type")
    return int(codec.payloadType)


def _rtx_mime(codec: RTCRtpCodecParameters) -> str:
    return codec.mimeType.split("/")[0].lower() + "/rtx"


def extension_id(parameters: RTCRtpParameters, uri: str) -> int:
    """The id negotiated for a header extension on this m-line, 0 when absent."""
    return next((ext.id for ext in parameters.headerExtensions if ext.uri == uri), 0)


def preferences_for(codec: NegotiatedCodec, kind: MediaKind) -> list[RTCRtpCodecCapability]:
    """Codec preferences that make a subscriber's m-line carry exactly the producer's codec.

    The SFU cannot transcode, so a subscriber that does not accept the codec simply gets a
    rejected m-line; RTX stays offered so lost packets can be resent.
    """
    supported = RTCRtpReceiver.getCapabilities(kind.value)
    capabilities = supported.codecs if supported is not None else []
    same = [c for c in capabilities if c.mimeType.lower() == codec.mime_type.lower()]
    if codec.mime_type.lower() == "video/h264":
        wanted = (
            codec.parameters.get("packetization-mode"),
            str(codec.parameters.get("profile-level-id", ""))[:4].lower(),
        )
        exact = [
            c
            for c in same
            if (
                c.parameters.get("packetization-mode"),
                str(c.parameters.get("profile-level-id", ""))[:4].lower(),
            )
            == wanted
        ]
        same = exact or same
    rtx = [c for c in capabilities if c.mimeType.lower() == f"{kind.value}/rtx"]
    return same[:1] + rtx


def is_forwardable(codec: NegotiatedCodec) -> bool:
    return codec.mime_type.lower() in FORWARDED_MIME_TYPES
