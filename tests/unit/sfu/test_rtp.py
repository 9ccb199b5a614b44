"""Reading RTP headers, extensions and codec descriptors as bytes."""

from __future__ import annotations

import pytest
from aiortc.codecs.vpx import VpxPayloadDescriptor
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import HeaderExtensionsMap, RtpPacket

from sfu.rtp import (
    audio_level,
    audio_level_extension,
    h264_frame_info,
    parse_rtp,
    vp8_frame_info,
    write_header,
)

AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"


def aiortc_packet(**extensions: object) -> bytes:
    """A packet serialized by aiortc itself, with mid (id 1) and audio level (id 5)."""
    ext_map = HeaderExtensionsMap()
    ext_map.configure(
        RTCRtpParameters(
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:sdes:mid"),
                RTCRtpHeaderExtensionParameters(id=5, uri=AUDIO_LEVEL_URI),
            ]
        )
    )
    packet = RtpPacket(payload_type=111, sequence_number=65535, timestamp=123456, ssrc=42)
    packet.marker = 1
    packet.payload = b"opus-payload"
    for name, value in extensions.items():
        setattr(packet.extensions, name, value)
    return packet.serialize(ext_map)


def test_header_and_extensions_as_aiortc_writes_them() -> None:
    view = parse_rtp(aiortc_packet(mid="0", audio_level=(True, 37)))
    assert (view.marker, view.payload_type, view.sequence_number) == (True, 111, 65535)
    assert (view.timestamp, view.ssrc, view.payload) == (123456, 42, b"opus-payload")
    assert audio_level(view, 5) == (True, 37)
    assert audio_level(view, 2) is None
    assert audio_level(parse_rtp(aiortc_packet(mid="0")), 5) is None


def test_rewritten_packet_parses_back_in_aiortc() -> None:
    data = write_header(True, 100, 7, 9000, 1234, False, True) + audio_level_extension(3, 0x85)
    data += b"payload"
    ext_map = HeaderExtensionsMap()
    ext_map.configure(
        RTCRtpParameters(
            headerExtensions=[RTCRtpHeaderExtensionParameters(id=3, uri=AUDIO_LEVEL_URI)]
        )
    )
    packet = RtpPacket.parse(data, ext_map)
    assert (packet.payload_type, packet.sequence_number, packet.timestamp, packet.ssrc) == (
        100,
        7,
        9000,
        1234,
    )
    assert packet.extensions.audio_level == (True, 5)
    assert packet.payload == b"payload"


@pytest.mark.parametrize(
    "data",
    [b"", b"\x80" * 11, b"\x40" + bytes(11), b"\x90\x60" + bytes(10) + b"\xbe\xde\x00\x09"],
    ids=["empty", "short", "version-1", "extension-overrun"],
)
def test_malformed_packets_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="RTP"):
        parse_rtp(data)


def test_vp8_key_frame_and_temporal_layer() -> None:
    descriptor = VpxPayloadDescriptor(partition_start=1, partition_id=0, picture_id=300)
    key = bytes(descriptor) + b"\x10\x02\x00"  # P bit clear
    delta = bytes(descriptor) + b"\x11\x02\x00"
    assert vp8_frame_info(key).keyframe
    assert not vp8_frame_info(delta).keyframe
    continuation = bytes(VpxPayloadDescriptor(partition_start=0, partition_id=0, picture_id=300))
    assert not vp8_frame_info(continuation + b"\x10").keyframe
    # X=1; I,L,T set; 15-bit picture id; TL0PICIDX; TID=2, Y=1
    layered = bytes([0x90, 0xE0, 0x81, 0x2C, 0x05, 0b1010_0000]) + b"\x11"
    info = vp8_frame_info(layered)
    assert (info.keyframe, info.temporal_layer, info.layer_sync) == (False, 2, True)


def test_h264_key_frames_in_every_packetization() -> None:
    assert h264_frame_info(bytes([0x65, 0x88])).keyframe  # single IDR NAL
    assert not h264_frame_info(bytes([0x41, 0x9A])).keyframe  # non-IDR slice
    stap_a = bytes([0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE])
    assert h264_frame_info(stap_a).keyframe  # SPS + PPS aggregated
    assert h264_frame_info(bytes([0x7C, 0x85, 0x00])).keyframe  # FU-A start of IDR
    assert not h264_frame_info(bytes([0x7C, 0x05, 0x00])).keyframe  # FU-A middle
