"""The composer's timing and grouping, without running ffmpeg: a track's stretches are put
on the wall clock however its RTP clock ran while off air, a connection's audio and video
are one participant file, and a tile without a picture gets a card."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from recorder.compose import (
    Stretch,
    Track,
    _placement,
    _subtract,
    render_graph,
    sessions,
    time_track,
)
from recorder.layout import plan
from recorder.track_log import TrackHeader, TrackLogWriter

T0 = 1_764_560_000.0


def _opus_log(path: Path, packets: list[tuple[float, int]]) -> Path:
    """(arrival, RTP timestamp) of 20 ms Opus packets (the payload is never decoded)."""
    writer = TrackLogWriter(path, TrackHeader("audio", "audio/opus", 48000, "u3", T0))
    for seq, (arrival, ts) in enumerate(packets):
        writer.append(arrival, seq % 65536, ts % (1 << 32), False, b"\xfc\xff\xfe")
    writer.close()
    return path


def _run(start: float, seconds: float, ts0: int, delay: float = 0.03) -> list[tuple[float, int]]:
    return [(start + n * 0.02 + delay, ts0 + n * 960) for n in range(int(seconds * 50))]


def test_a_gap_keeps_its_real_length_when_the_rtp_clock_ran_on(tmp_path: Path) -> None:
    base = (1 << 32) - 48000  # the RTP timestamp wraps one second in
    packets = _run(T0 + 1, 2, base) + _run(T0 + 10, 1, base + 9 * 48000)
    timed = time_track(_opus_log(tmp_path / "a.track", packets))
    assert timed is not None
    _, (first, second) = timed
    assert first.offset == pytest.approx(T0 + 1.03)
    assert second.offset == pytest.approx(first.offset)
    assert (first.first, first.last) == pytest.approx((T0 + 1.03, T0 + 3.01))
    assert second.first == pytest.approx(T0 + 10.03)
    assert first.last < second.boundary + first.offset < second.first


def test_a_clock_that_stood_still_off_air_is_re_anchored(tmp_path: Path) -> None:
    # the second stretch's timestamps follow straight on from the first's
    packets = _run(T0, 2, 5000) + _run(T0 + 30, 2, 5000 + 100 * 960)
    timed = time_track(_opus_log(tmp_path / "a.track", packets))
    assert timed is not None
    _, (first, second) = timed
    assert second.first == pytest.approx(T0 + 30.03)
    assert second.offset - first.offset == pytest.approx(28.0)
    assert second.boundary == pytest.approx(1.99)


def test_the_anchor_is_the_packet_that_waited_least(tmp_path: Path) -> None:
    jittered = [
        (arrival + (0.2 if n == 0 else 0.05 * (n % 4)), ts)
        for n, (arrival, ts) in enumerate(_run(T0, 3, 0))
    ]
    timed = time_track(_opus_log(tmp_path / "a.track", jittered))
    assert timed is not None
    assert timed[1][0].offset == pytest.approx(T0 + 0.03)


def test_a_drifting_sender_clock_is_followed_through_a_long_stretch(tmp_path: Path) -> None:
    """The sender's 20 ms are 20.004 ms of the wall clock (200 ppm: a slow sound card),
    over a 10-minute stretch with a network that delays every packet 30..80 ms."""
    rng = random.Random(5)
    drift = 200e-6
    packets = [
        (T0 + n * 0.02 * (1 + drift) + 0.03 + rng.random() * 0.05, 1000 + n * 960)
        for n in range(600 * 50)
    ]
    timed = time_track(_opus_log(tmp_path / "a.track", packets))
    assert timed is not None
    (stretch,) = timed[1]
    assert stretch.rate == pytest.approx(drift, abs=10e-6)
    assert stretch.offset == pytest.approx(T0 + 0.03, abs=0.002)
    # the last packet is placed where it was sent, not 120 ms early
    assert stretch.last == pytest.approx(T0 + 29_999 * 0.02 * (1 + drift) + 0.03, abs=0.005)


def test_placement_maps_file_time_to_reception_time_stretch_by_stretch() -> None:
    stretches = (
        Stretch(0.0, T0 + 1.0, 0.0, T0 + 1.0, T0 + 3.0),
        Stretch(2.5, T0 + 29.0, 100e-6, T0 + 32.0, T0 + 40.0),
    )
    header = TrackHeader("audio", "audio/opus", 48000, "u3", T0)
    track = Track(Path("a.track"), header, stretches, Path("a.webm"))
    expression = _placement(track, origin=T0).removesuffix("/TB")
    functions = {"gte": lambda a, b: float(a >= b), "lt": lambda a, b: float(a < b)}

    def placed(t: float) -> float:
        return float(eval(expression, functions, {"T": t}))

    assert placed(0.0) == pytest.approx(1.0)
    assert placed(2.0) == pytest.approx(3.0)
    assert placed(3.0) == pytest.approx(32.0 + 3.0 * 100e-6)
    assert placed(10.0) == pytest.approx(39.0 + 10.0 * 100e-6)


def test_a_video_stretch_without_a_key_frame_is_left_out(tmp_path: Path) -> None:
    writer = TrackLogWriter(
        tmp_path / "v.track", TrackHeader("video", "video/VP8", 90000, "u3", T0)
    )
    for start, key_first in ((0.0, True), (20.0, False)):
        seq = int(start * 30)  # off air, the packets sent were not logged
        for n in range(30):
            frame = b"\x00" if key_first and n == 0 else b"\x01"  # P bit: 0 on a key frame
            ts = int((start + n / 30) * 90000)
            writer.append(T0 + start + n / 30, seq, ts, True, b"\x10" + frame + b"vp8")
            seq += 1
    writer.close()
    timed = time_track(tmp_path / "v.track")
    assert timed is not None
    (only,) = timed[1]
    assert only.first == pytest.approx(T0)
    assert only.last == pytest.approx(T0 + 29 / 30)


def test_an_empty_track_has_no_timing(tmp_path: Path) -> None:
    assert time_track(_opus_log(tmp_path / "e.track", [])) is None


def _track(pid: str, kind: str, started_at: float, offset: float = 0.0) -> Track:
    codec = "audio/opus" if kind == "audio" else "video/VP8"
    header = TrackHeader(kind, codec, 90000, pid, started_at)
    stretch = Stretch(0.0, T0 + offset, 0.0, T0 + offset, T0 + offset + 5)
    return Track(Path(f"{pid}-{kind}.track"), header, (stretch,), Path(f"{pid}-{kind}.webm"))


def test_a_connection_audio_and_video_are_one_session_a_reconnect_another() -> None:
    tracks = [
        _track("u3", "audio", T0),
        _track("u3", "video", T0 + 0.2),
        _track("u3", "audio", T0 + 60),  # reconnected: new producers
        _track("u3", "video", T0 + 60.1),
        _track("u4", "audio", T0 + 1),  # audio only
        _track("h", "video", T0 - 5),
        _track("h", "audio", T0 - 5),
    ]
    grouped = sessions(tracks)
    assert [(s.participant_id, s.media(), s.suffix()) for s in grouped] == [
        ("h", "audio+video", ".webm"),
        ("u3", "audio+video", ".webm"),
        ("u3", "audio+video", ".webm"),
        ("u4", "audio", ".webm"),
    ]
    h264 = Track(
        Path("v.track"),
        TrackHeader("video", "video/H264", 90000, "u5", T0),
        tracks[0].stretches,
        Path("v.mkv"),
    )
    assert sessions([h264])[0].suffix() == ".mp4"


def test_windows_are_cut_where_covered() -> None:
    assert _subtract([(0, 10)], [(2, 3), (5, 12)]) == [(0, 2), (3, 5)]
    assert _subtract([(0, 10)], []) == [(0, 10)]
    assert _subtract([(4, 6)], [(0, 10)]) == []


def test_a_tile_without_a_picture_gets_a_card_and_a_shown_one_does_not(tmp_path: Path) -> None:
    events = [
        {"kind": "live", "at": T0},
        {"kind": "joined", "at": T0, "user_id": "h", "role": "host"},
        {"kind": "joined", "at": T0, "user_id": "u3", "role": "citizen"},
        {"kind": "on_air", "at": T0 + 1, "user_id": "u3", "detail": {"on_air": True}},
        {"kind": "ended", "at": T0 + 5},
    ]
    layout = plan(events)
    host = _track("h", "video", T0)  # frames from 0 to 5 s
    script = tmp_path / "graph.txt"
    args = render_graph(layout, [host], tmp_path / "out.mp4", script)
    graph = script.read_text()
    assert args[args.index("-/filter_complex") + 1] == str(script)
    assert "overlay" in graph
    # u3 sent no video: its large tile is a card from 1 s; the host's never is
    assert graph.count("drawbox") == 1
    assert "drawbox=color=0x2b3440:enable=gte(t\\,1.000)*lt(t\\,5.000):h=540" in graph
