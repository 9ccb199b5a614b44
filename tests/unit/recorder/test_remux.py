"""A track log becomes a playable file without re-encoding: real VP8 and Opus from the
encoders aiortc sends with, logged as RTP payloads, remuxed, then decoded in full. Packets
reordered or retransmitted change nothing; a lost packet costs its frame and the frames
that depend on it, never a corrupt one; video starts on a key frame."""

from __future__ import annotations

import fractions
import itertools
import math
import random
import struct
import subprocess
from dataclasses import replace
from pathlib import Path

import av
import imageio_ffmpeg
import pytest
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.opus import OpusEncoder
from aiortc.codecs.vpx import Vp8Encoder, vp8_depayload

from recorder.depacketize import DepacketizeStats, in_sequence, strip_padding, unwrap
from recorder.h264 import START_CODE, H264Assembler, nal_units
from recorder.remux import MediaFrame, RemuxError, read_frames, remux_track
from recorder.track_log import Packet, TrackHeader, TrackLogWriter

VIDEO = TrackHeader("video", "video/VP8", 90000, "42", 1_700_000_000.0)
H264 = TrackHeader("video", "video/H264", 90000, "42", 1_700_000_000.0)
AUDIO = TrackHeader("audio", "audio/opus", 48000, "42", 1_700_000_000.0)
FRAMES = 90
GOP = 30
FIRST_SEQ = 65_500  # the sequence numbers wrap past 65535 within the first second
FIRST_TS = (1 << 32) - 45_000  # the RTP timestamp wraps past 2**32 half a second in


def _image(width: int, height: int, index: int) -> av.VideoFrame:
    frame = av.VideoFrame(width, height, "yuv420p")
    for plane_index, plane in enumerate(frame.planes):
        plane.update(
            bytes(((x + index * 4) * (plane_index + 1)) % 256 for x in range(plane.buffer_size))
        )
    frame.pts = index
    frame.time_base = fractions.Fraction(1, 30)
    return frame


@pytest.fixture(scope="module")
def vp8() -> tuple[list[Packet], list[bytes], list[int]]:
    """(the logged packets, each frame's VP8 bitstream, each frame's first packet index)."""
    encoder = Vp8Encoder()
    packets: list[Packet] = []
    bitstreams: list[bytes] = []
    starts: list[int] = []
    seq = FIRST_SEQ
    for index in range(FRAMES):
        payloads, ts = encoder.encode(_image(320, 240, index), force_keyframe=index % GOP == 0)
        starts.append(len(packets))
        bitstreams.append(b"".join(vp8_depayload(p) for p in payloads))
        for n, payload in enumerate(payloads):
            rtp_ts = (FIRST_TS + ts) % (1 << 32)
            last = n == len(payloads) - 1
            packets.append(Packet(index / 30, seq % 65536, rtp_ts, last, payload))
            seq += 1
    assert any(b - a > 1 for a, b in itertools.pairwise(starts))
    return packets, bitstreams, starts


@pytest.fixture(scope="module")
def h264() -> tuple[list[Packet], list[int]]:
    """(the logged packets, each frame's first packet index): single NAL, STAP-A (SPS and
    PPS) and FU-A packets, as aiortc sends them."""
    encoder = H264Encoder()
    packets: list[Packet] = []
    starts: list[int] = []
    seq = FIRST_SEQ
    for index in range(FRAMES):
        payloads, ts = encoder.encode(_image(320, 240, index), force_keyframe=index % GOP == 0)
        starts.append(len(packets))
        for n, payload in enumerate(payloads):
            rtp_ts = (FIRST_TS + ts) % (1 << 32)
            last = n == len(payloads) - 1
            packets.append(Packet(index / 30, seq % 65536, rtp_ts, last, payload))
            seq += 1
    kinds = {p.payload[0] & 0x1F for p in packets}
    assert {24, 28} <= kinds  # STAP-A and FU-A are both exercised
    return packets, starts


@pytest.fixture(scope="module")
def opus() -> list[Packet]:
    encoder = OpusEncoder()
    packets: list[Packet] = []
    seq = FIRST_SEQ
    for index in range(50):  # one second in 20 ms frames
        samples = b"".join(
            struct.pack("<hh", value, value)
            for n in range(960)
            for value in [int(8000 * math.sin(2 * math.pi * 440 * (index * 960 + n) / 48000))]
        )
        frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
        frame.planes[0].update(samples)
        frame.sample_rate = 48000
        frame.pts = index * 960
        frame.time_base = fractions.Fraction(1, 48000)
        payloads, ts = encoder.encode(frame)
        for payload in payloads:
            rtp_ts = (FIRST_TS + ts) % (1 << 32)
            packets.append(Packet(index / 50, seq % 65536, rtp_ts, False, payload))
            seq += 1
    return packets


def _log(path: Path, header: TrackHeader, packets: list[Packet]) -> Path:
    writer = TrackLogWriter(path, header)
    for p in packets:
        writer.append(p.arrival, p.sequence_number, p.timestamp, p.marker, p.payload)
    writer.close()
    return path


def _decode(path: Path) -> tuple[int, float]:
    """Every frame decoded (an error raises); ffmpeg's own decoder reports nothing either.
    Returns the frame count and the container's duration in seconds."""
    with av.open(str(path)) as container:
        stream = container.streams[0]
        count = sum(1 for _ in container.decode(stream))
        duration = (container.duration or 0) / 1_000_000
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return count, duration


def _frames(path: Path) -> list[MediaFrame]:
    return list(read_frames(path)[1])


def test_vp8_is_remuxed_whole_and_decodes_without_error(
    tmp_path: Path, vp8: tuple[list[Packet], list[bytes], list[int]]
) -> None:
    packets, bitstreams, _ = vp8
    log = _log(tmp_path / "v.log", VIDEO, packets)
    report = remux_track(log, tmp_path / "v.webm")
    assert (report.frames_written, report.frames_dropped, report.lost_packets) == (FRAMES, 0, 0)
    assert (report.width, report.height) == (320, 240)
    assert report.duration == pytest.approx(3.0, abs=0.01)
    frames = _frames(log)
    assert [f.data for f in frames] == bitstreams  # byte for byte: nothing re-encoded
    assert [f.keyframe for f in frames] == [i % GOP == 0 for i in range(FRAMES)]
    # the timestamp wrapped past 2**32 and the sequence past 65535: time still runs on
    assert all(abs(f.pts - i * 3000) <= 1 for i, f in enumerate(frames))
    count, duration = _decode(tmp_path / "v.webm")
    assert count == FRAMES
    assert duration == pytest.approx(3.0, abs=0.05)
    with av.open(str(tmp_path / "v.webm")) as container:
        assert container.streams.video[0].codec_context.name == "vp8"


def test_opus_is_remuxed_one_frame_per_packet(tmp_path: Path, opus: list[Packet]) -> None:
    log = _log(tmp_path / "a.log", AUDIO, opus)
    report = remux_track(log, tmp_path / "a.webm")
    assert report.frames_written == len(opus)
    assert report.frames_dropped == 0
    assert [f.data for f in _frames(log)] == [p.payload for p in opus]
    count, duration = _decode(tmp_path / "a.webm")
    assert count == len(opus)
    assert duration == pytest.approx(len(opus) * 0.02, abs=0.05)
    with av.open(str(tmp_path / "a.webm")) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.sample_rate) == ("opus", 48000)


@pytest.mark.parametrize("header", [VIDEO, AUDIO], ids=["vp8", "opus"])
def test_reordered_and_retransmitted_packets_change_nothing(
    tmp_path: Path,
    header: TrackHeader,
    vp8: tuple[list[Packet], list[bytes], list[int]],
    opus: list[Packet],
) -> None:
    packets = vp8[0] if header is VIDEO else opus
    shuffled = list(packets)
    rng = random.Random(11)
    for start in range(0, len(shuffled), 8):  # reordered within a window, as a network does
        window = shuffled[start : start + 8]
        rng.shuffle(window)
        shuffled[start : start + 8] = window
    for packet in rng.sample(packets, 15):  # retransmissions, arriving late
        shuffled.insert(min(len(shuffled), packets.index(packet) + rng.randint(1, 20)), packet)
    straight = _log(tmp_path / "straight.log", header, packets)
    messy = _log(tmp_path / "messy.log", header, shuffled)
    assert _frames(messy) == _frames(straight)
    report = remux_track(messy, tmp_path / "messy.webm")
    assert report.duplicate_packets == 15
    expected = remux_track(straight, tmp_path / "straight.webm")
    assert report == replace(expected, packets=len(shuffled), duplicate_packets=15)
    assert _decode(tmp_path / "messy.webm")[0] == report.frames_written


def test_a_lost_packet_drops_its_frame_and_the_delta_frames_until_the_next_key(
    tmp_path: Path, vp8: tuple[list[Packet], list[bytes], list[int]]
) -> None:
    packets, bitstreams, starts = vp8
    lost = starts[10] + 1 if starts[11] - starts[10] > 1 else starts[10]
    log = _log(tmp_path / "v.log", VIDEO, packets[:lost] + packets[lost + 1 :])
    report = remux_track(log, tmp_path / "v.webm")
    kept = list(range(10)) + list(range(GOP, FRAMES))
    assert report.frames_written == len(kept)
    assert report.frames_dropped == GOP - 10
    assert report.lost_packets == 1
    assert [f.data for f in _frames(log)] == [bitstreams[i] for i in kept]
    assert _decode(tmp_path / "v.webm")[0] == len(kept)


def test_a_whole_lost_frame_also_waits_for_the_next_key(
    tmp_path: Path, vp8: tuple[list[Packet], list[bytes], list[int]]
) -> None:
    packets, bitstreams, starts = vp8
    log = _log(tmp_path / "v.log", VIDEO, packets[: starts[40]] + packets[starts[41] :])
    kept = list(range(40)) + list(range(60, FRAMES))
    assert [f.data for f in _frames(log)] == [bitstreams[i] for i in kept]


def test_a_log_that_starts_mid_gop_starts_at_the_first_key_frame(
    tmp_path: Path, vp8: tuple[list[Packet], list[bytes], list[int]]
) -> None:
    packets, bitstreams, starts = vp8
    # the first packet logged is the middle of frame 40's packets (if it has several)
    log = _log(tmp_path / "v.log", VIDEO, packets[starts[40] + 1 :])
    report = remux_track(log, tmp_path / "v.webm")
    frames = _frames(log)
    assert frames[0].keyframe
    assert frames[0].pts == 0
    assert [f.data for f in frames] == bitstreams[60:]
    assert report.frames_dropped == 20
    assert report.duration == pytest.approx(1.0, abs=0.01)
    assert _decode(tmp_path / "v.webm")[0] == FRAMES - 60


@pytest.mark.parametrize("header", [VIDEO, AUDIO], ids=["vp8", "opus"])
def test_a_log_torn_at_the_end_still_remuxes(
    tmp_path: Path,
    header: TrackHeader,
    vp8: tuple[list[Packet], list[bytes], list[int]],
    opus: list[Packet],
) -> None:
    packets = vp8[0] if header is VIDEO else opus
    log = _log(tmp_path / "t.log", header, packets)
    with log.open("r+b") as handle:  # killed in the middle of the last write
        handle.truncate(log.stat().st_size - 100)
    report = remux_track(log, tmp_path / "t.webm")
    expected = FRAMES - 1 if header is VIDEO else len(opus) - 1
    assert report.frames_written == expected
    assert _decode(tmp_path / "t.webm")[0] == expected


def test_an_empty_log_gives_an_empty_file_not_an_error(tmp_path: Path) -> None:
    log = _log(tmp_path / "e.log", VIDEO, [])
    report = remux_track(log, tmp_path / "e.webm")
    assert (report.frames_written, report.duration) == (0, 0.0)


def test_sequence_numbers_wrap_and_late_packets_are_placed_by_their_neighbours() -> None:
    stats = DepacketizeStats()
    arrivals = [65534, 65535, 1, 0, 2, 65535, 3]
    packets = [Packet(0.0, seq, 0, False, b"x") for seq in arrivals]
    ordered = in_sequence(packets, stats)
    assert [seq for seq, _ in ordered] == [65534, 65535, 65536, 65537, 65538, 65539]
    assert (stats.duplicates, stats.lost_packets) == (1, 0)
    assert unwrap((1 << 32) - 10, 20, 1 << 32) == (1 << 32) + 20
    assert unwrap(5, (1 << 32) - 5, 1 << 32) == -5


def test_rtp_padding_is_cut_by_its_count() -> None:
    assert strip_padding(b"abc\x00\x00\x03", True) == b"abc"
    assert strip_padding(b"abc\x00\x00\x03", False) == b"abc\x00\x00\x03"
    assert strip_padding(b"\x09", True) == b""


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_h264_is_remuxed_as_received_into_mp4_or_mkv(
    tmp_path: Path, suffix: str, h264: tuple[list[Packet], list[int]]
) -> None:
    packets, _ = h264
    log = _log(tmp_path / "h.log", H264, packets)
    out = tmp_path / f"h{suffix}"
    report = remux_track(log, out)
    assert (report.frames_written, report.frames_dropped) == (FRAMES, 0)
    assert (report.width, report.height) == (320, 240)
    frames = _frames(log)
    assert [f.keyframe for f in frames] == [i % GOP == 0 for i in range(FRAMES)]
    assert all(f.data.startswith(b"\x00\x00\x00\x01") for f in frames)  # Annex B
    count, duration = _decode(out)
    assert count == FRAMES
    assert duration == pytest.approx(3.0, abs=0.05)
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "h264"


def test_h264_reordered_duplicated_and_lost_packets(
    tmp_path: Path, h264: tuple[list[Packet], list[int]]
) -> None:
    packets, starts = h264
    straight = _frames(_log(tmp_path / "straight.log", H264, packets))
    messy = [*packets[:50], *packets[55:45:-1], packets[20], *packets[56:]]
    assert _frames(_log(tmp_path / "messy.log", H264, messy)) == straight
    # a lost fragment in frame 10 costs frames 10..29, never a corrupt one
    frame = 10 if starts[11] - starts[10] > 1 else 40
    lost = starts[frame] + 1 if starts[frame + 1] - starts[frame] > 1 else starts[frame]
    log = _log(tmp_path / "lost.log", H264, packets[:lost] + packets[lost + 1 :])
    report = remux_track(log, tmp_path / "lost.mp4")
    next_key = (frame // GOP + 1) * GOP
    assert report.frames_written == FRAMES - (next_key - frame)
    assert _decode(tmp_path / "lost.mp4")[0] == report.frames_written
    # started mid-GOP: the first frame written is the next key frame, SPS/PPS in front
    late = _frames(_log(tmp_path / "late.log", H264, packets[starts[5] :]))
    assert late[0].keyframe
    assert late == [
        replace(f, pts=f.pts - straight[GOP].pts, pts_seconds=late[i].pts_seconds)
        for i, f in enumerate(straight[GOP:])
    ]


def test_an_h264_log_without_a_key_frame_is_a_named_error(
    tmp_path: Path, h264: tuple[list[Packet], list[int]]
) -> None:
    packets, starts = h264
    log = _log(tmp_path / "h.log", H264, packets[starts[1] : starts[GOP]])
    with pytest.raises(RemuxError):
        remux_track(log, tmp_path / "h.mp4")


def test_an_h264_key_frame_gets_the_parameter_sets_sent_before_it() -> None:
    sps, pps, idr, slice_ = b"\x67\x42\x00\x1f", b"\x68\xce\x38\x80", b"\x65\x88", b"\x41\x9a"
    assembler = H264Assembler()
    assert assembler.frame([idr]) is None  # no SPS/PPS yet: it could not be decoded
    assert assembler.frame([sps, pps]) == (START_CODE + sps + START_CODE + pps, False)
    assert assembler.frame([idr]) == (START_CODE + sps + START_CODE + pps + START_CODE + idr, True)
    assert assembler.frame([slice_]) == (START_CODE + slice_, False)
    fu = [
        Packet(0.0, 1, 0, False, bytes((0x7C, 0x85)) + b"ab"),
        Packet(0.0, 2, 0, True, bytes((0x7C, 0x45)) + b"cd"),
    ]
    assert nal_units(fu) == [b"\x65abcd"]
    assert nal_units(fu[1:]) is None  # the start fragment is missing
    assert nal_units(fu[:1]) is None  # no end fragment, no marker
