"""RTP read and written as bytes: the forwarding path never builds packet objects.

Parsing one header per incoming packet and writing a 12-byte header per outgoing copy is
what keeps fan-out cheap (aiortc's RtpPacket parse/serialize costs several times more).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

RTP_VERSION_BITS = 0x80
_HEADER = struct.Struct("!BBHII")
_EXT_HEADER = struct.Struct("!HH")
ONE_BYTE_PROFILE = 0xBEDE
TWO_BYTE_PROFILE_MASK = 0xFFF0
TWO_BYTE_PROFILE = 0x1000


@dataclass(slots=True)
class RtpView:
    """The parts of an incoming packet the SFU looks at; `payload` includes any padding."""

    marker: bool
    payload_type: int
    sequence_number: int
    timestamp: int
    ssrc: int
    padding: bool
    extensions: bytes
    payload: bytes
    extension_profile: int


def parse_rtp(data: bytes) -> RtpView:
    """Parse the fixed header, CSRCs and extension block; raise ValueError if malformed."""
    if len(data) < 12:
        raise ValueError("RTP packet shorter than its header")
    first, second, seq, ts, ssrc = _HEADER.unpack_from(data)
    if first >> 6 != 2:
        raise ValueError(f"RTP version {first >> 6} is not 2")
    offset = 12 + 4 * (first & 0x0F)
    extensions = b""
    profile = 0
    if first & 0x10:
        if len(data) < offset + 4:
            raise ValueError("RTP extension header truncated")
        profile, words = _EXT_HEADER.unpack_from(data, offset)
        start = offset + 4
        offset = start + 4 * words
        extensions = data[start:offset]
    if len(data) < offset:
        raise ValueError("RTP header longer than the packet")
    # positional: keyword arguments cost measurably once per packet
    return RtpView(
        second > 0x7F,  # marker
        second & 0x7F,  # payload type
        seq,
        ts,
        ssrc,
        first & 0x20 != 0,  # padding
        extensions,
        data[offset:],  # payload
        profile,  # extension profile
    )


def find_extension(view: RtpView, ext_id: int) -> bytes | None:
    """The value of one header extension element (RFC 8285, one- or two-byte form)."""
    data = view.extensions
    if not data or not ext_id:
        return None
    pos = 0
    if view.extension_profile == ONE_BYTE_PROFILE:
        while pos < len(data):
            byte = data[pos]
            if byte == 0:  # padding
                pos += 1
                continue
            element_id, length = byte >> 4, (byte & 0x0F) + 1
            if element_id == 15:
                return None
            if element_id == ext_id:
                return data[pos + 1 : pos + 1 + length]
            pos += 1 + length
    elif view.extension_profile & TWO_BYTE_PROFILE_MASK == TWO_BYTE_PROFILE:
        while pos + 1 < len(data):
            element_id = data[pos]
            if element_id == 0:
                pos += 1
                continue
            length = data[pos + 1]
            if element_id == ext_id:
                return data[pos + 2 : pos + 2 + length]
            pos += 2 + length
    return None


def audio_level(view: RtpView, ext_id: int) -> tuple[bool, int] | None:
    """RFC 6464: (voice activity flag, level in -dBov 0..127) when the extension is there."""
    value = find_extension(view, ext_id)
    if not value:
        return None
    return bool(value[0] & 0x80), value[0] & 0x7F


def audio_level_extension(ext_id: int, level_byte: int) -> bytes:
    """A one-byte-form extension block carrying only the audio level."""
    return bytes((0xBE, 0xDE, 0x00, 0x01, (ext_id << 4), level_byte, 0, 0))


def write_header(
    marker: bool,
    payload_type: int,
    seq: int,
    ts: int,
    ssrc: int,
    padding: bool,
    has_extension: bool,
) -> bytes:
    first = RTP_VERSION_BITS | (0x20 if padding else 0) | (0x10 if has_extension else 0)
    return _HEADER.pack(first, (0x80 if marker else 0) | payload_type, seq, ts, ssrc)


# --- codec payloads: key frames and temporal layers, read without decoding ---

ALL_LAYERS = 3
"""The highest VP8 temporal layer id: forwarding up to it forwards everything."""


@dataclass(frozen=True, slots=True)
class FrameInfo:
    """What forwarding decisions need from one video packet."""

    keyframe: bool
    """The packet starts a key frame: a consumer may begin (or resume) here."""
    temporal_layer: int
    """VP8 TID (0 when the publisher does not use temporal scalability)."""
    layer_sync: bool
    """VP8 Y bit: switching up to this layer is safe from this frame on."""


_FRAME_INFOS = {
    (keyframe, layer, sync): FrameInfo(keyframe, layer, sync)
    for keyframe in (False, True)
    for layer in range(ALL_LAYERS + 1)
    for sync in (False, True)
}
"""Every possible value, made once: the forwarding path looks one up per video packet
instead of building a frozen object."""
NO_FRAME_INFO = _FRAME_INFOS[False, 0, False]


def vp8_frame_info(payload: bytes) -> FrameInfo:
    """Parse the VP8 payload descriptor (RFC 7741 section 4.2)."""
    if not payload:
        return NO_FRAME_INFO
    first = payload[0]
    start_of_partition = bool(first & 0x10)
    partition_id = first & 0x07
    pos = 1
    tid = 0
    layer_sync = False
    if first & 0x80:  # X: extended control bits
        if len(payload) < 2:
            return NO_FRAME_INFO
        ext = payload[1]
        pos = 2
        if ext & 0x80:  # I: picture id
            if len(payload) <= pos:
                return NO_FRAME_INFO
            pos += 2 if payload[pos] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            pos += 1
        if ext & 0x30:  # T or K: TID/Y/KEYIDX byte
            if len(payload) <= pos:
                return NO_FRAME_INFO
            if ext & 0x20:
                tid = payload[pos] >> 6
                layer_sync = bool(payload[pos] & 0x20)
            pos += 1
    keyframe = (
        start_of_partition
        and partition_id == 0
        and len(payload) > pos
        and not payload[pos] & 0x01  # P bit clear: key frame
    )
    return _FRAME_INFOS[keyframe, tid, layer_sync]


_H264_IDR = 5
_H264_SPS = 7
_H264_STAP_A = 24
_H264_FU_A = 28


def h264_frame_info(payload: bytes) -> FrameInfo:
    """Key frame = an IDR slice or SPS starts here (single NAL, STAP-A or FU-A start)."""
    if not payload:
        return NO_FRAME_INFO
    nal_type = payload[0] & 0x1F
    keyframe = False
    if nal_type in (_H264_IDR, _H264_SPS):
        keyframe = True
    elif nal_type == _H264_STAP_A:
        pos = 1
        while pos + 2 < len(payload):
            size = (payload[pos] << 8) | payload[pos + 1]
            if payload[pos + 2] & 0x1F in (_H264_IDR, _H264_SPS):
                keyframe = True
                break
            pos += 2 + size
    elif nal_type == _H264_FU_A and len(payload) > 1:
        keyframe = bool(payload[1] & 0x80) and payload[1] & 0x1F in (_H264_IDR, _H264_SPS)
    return _FRAME_INFOS[keyframe, 0, False]
