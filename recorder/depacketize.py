"""From logged RTP packets back to codec frames, without decoding.

The track log keeps packets exactly as they came: late, twice (retransmissions), or not
at all. Here they are put back in sequence order, duplicates dropped, and each frame is
reassembled from its packets only when every one of them is there: a frame with a hole
is dropped rather than written corrupt, and after a lost video frame nothing is given
until the next key frame (the frames in between refer to what was lost).

Codec payload formats: VP8 (RFC 7741), H.264 (RFC 6184, given as Annex B: see
`recorder.h264`) and Opus (RFC 7587, one frame per packet).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from recorder.h264 import H264Assembler, nal_units
from recorder.track_log import Packet

_SEQ_MOD = 1 << 16
_TS_MOD = 1 << 32


@dataclass(frozen=True, slots=True)
class Frame:
    timestamp: int
    """The RTP timestamp, unwrapped past 2**32 (monotonic across the whole log)."""
    keyframe: bool
    data: bytes
    """The codec's own bitstream: a VP8 frame, an H.264 access unit (Annex B, SPS and
    PPS in front of every key frame) or an Opus packet."""


@dataclass(slots=True)
class DepacketizeStats:
    packets: int = 0
    duplicates: int = 0
    lost_packets: int = 0
    """Sequence numbers never seen between the first and the last one logged."""
    frames: int = 0
    dropped_frames: int = 0
    """Frames seen (at least one packet) but not given: incomplete, or waiting for a key."""
    skipped_before_keyframe: int = 0
    """Of those, video frames before the first key frame of the log."""
    gaps: list[int] = field(default_factory=list)


def unwrap(previous: int | None, value: int, modulus: int) -> int:
    """The extended value nearest to `previous` whose remainder is `value`."""
    if previous is None:
        return value
    delta = (value - previous) % modulus
    if delta >= modulus // 2:
        delta -= modulus
    return previous + delta


def in_sequence(packets: Iterable[Packet], stats: DepacketizeStats) -> list[tuple[int, Packet]]:
    """(extended sequence number, packet), sorted, without duplicates. Each number is
    unwrapped against the one before it in arrival order, so reordering and
    retransmissions within half the sequence space (32768 packets) are placed right."""
    by_seq: dict[int, Packet] = {}
    last: int | None = None
    for packet in packets:
        stats.packets += 1
        extended = unwrap(last, packet.sequence_number, _SEQ_MOD)
        last = extended
        if extended in by_seq:
            stats.duplicates += 1
            continue
        by_seq[extended] = packet
    ordered = sorted(by_seq.items())
    if ordered:
        stats.lost_packets = ordered[-1][0] - ordered[0][0] + 1 - len(ordered)
    return ordered


def strip_padding(payload: bytes, padding: bool) -> bytes:
    """The payload without RTP padding (RFC 3550 5.1: the last byte counts the padding).
    The log's writer is to call this before appending: the log keeps no padding flag."""
    if not padding or not payload:
        return payload
    count = payload[-1]
    return payload[: max(0, len(payload) - count)]


def vp8_descriptor(payload: bytes) -> tuple[bool, int] | None:
    """(starts a frame: S bit and partition 0, descriptor length); None if malformed."""
    if not payload:
        return None
    first = payload[0]
    pos = 1
    if first & 0x80:  # X
        if len(payload) < 2:
            return None
        ext = payload[1]
        pos = 2
        if ext & 0x80:  # I: picture id, 7 or 15 bits
            if len(payload) <= pos:
                return None
            pos += 2 if payload[pos] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            pos += 1
        if ext & 0x30:  # T or K
            pos += 1
    if pos > len(payload):
        return None
    return bool(first & 0x10) and first & 0x07 == 0, pos


def vp8_keyframe_size(frame: bytes) -> tuple[int, int] | None:
    """(width, height) from a VP8 key frame's header (RFC 6386 9.1), else None."""
    if len(frame) < 10 or frame[0] & 0x01 or frame[3:6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(frame[6:8], "little") & 0x3FFF
    height = int.from_bytes(frame[8:10], "little") & 0x3FFF
    return width, height


def _vp8_frame(run: list[Packet]) -> tuple[bytes, bool] | None:
    """The frame and whether it is a key frame, if `run` (consecutive packets of one
    timestamp) is a whole frame: starts at S with PID 0, ends at the marker."""
    parts = []
    for index, packet in enumerate(run):
        descriptor = vp8_descriptor(packet.payload)
        if descriptor is None:
            return None
        starts, length = descriptor
        if starts != (index == 0):
            return None
        parts.append(packet.payload[length:])
    if not run[-1].marker:
        return None
    data = b"".join(parts)
    if not data:
        return None
    return data, not data[0] & 0x01  # P bit clear: key frame


def frames(packets: Iterable[Packet], codec: str, stats: DepacketizeStats) -> Iterator[Frame]:
    """The track's whole frames in order. `codec` is the log header's MIME type."""
    name = codec.split("/")[-1].lower()
    if name not in ("vp8", "h264", "opus"):
        raise ValueError(f"cannot depacketize {codec}")
    video = name != "opus"
    assembler = H264Assembler()
    ordered = in_sequence(packets, stats)
    waiting_for_key = video
    seen_key = False
    last_ts: int | None = None
    index = 0
    previous_end: int | None = None
    while index < len(ordered):
        seq, packet = ordered[index]
        run_seq = [seq]
        run = [packet]
        index += 1
        if video:  # one frame = consecutive packets with the same timestamp
            while index < len(ordered) and ordered[index][1].timestamp == packet.timestamp:
                run_seq.append(ordered[index][0])
                run.append(ordered[index][1])
                index += 1
        stats.frames += 1
        contiguous = run_seq[-1] - run_seq[0] + 1 == len(run)
        gap_before = previous_end is not None and run_seq[0] != previous_end + 1
        previous_end = run_seq[-1]
        if gap_before:
            stats.gaps.append(run_seq[0])
        timestamp = unwrap(last_ts, packet.timestamp, _TS_MOD)
        last_ts = timestamp
        if not video:
            if packet.payload:
                yield Frame(timestamp, True, packet.payload)
            else:
                stats.dropped_frames += 1
            continue
        whole = None
        if contiguous and name == "vp8":
            whole = _vp8_frame(run)
        elif contiguous:
            units = nal_units(run)
            whole = assembler.frame(units) if units else None
        if gap_before:
            # a frame may have vanished whole: what follows may refer to it
            waiting_for_key = True
        if whole is None:
            waiting_for_key = True
            stats.dropped_frames += 1
            if not seen_key:
                stats.skipped_before_keyframe += 1
            continue
        data, keyframe = whole
        if keyframe:
            waiting_for_key = False
            seen_key = True
        if waiting_for_key:
            stats.dropped_frames += 1
            if not seen_key:
                stats.skipped_before_keyframe += 1
            continue
        yield Frame(timestamp, keyframe, data)
