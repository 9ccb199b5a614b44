"""The recording benchmark's pure parts: CPU accounting, the round order, the RTP and SDP
ffmpeg is fed, the disorder it is tested with, and path (a) writing what it is given."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.recording import recording_cost, round_order
from bench.recording_paths import (
    KINDS,
    PAYLOAD_TYPES,
    SSRCS,
    Capture,
    per_media_second,
    perturb,
    playable,
    process_cpu_seconds,
    rtp_datagram,
    schedstat_seconds,
    sdp,
    write_logs,
)
from recorder.depacketize import DepacketizeStats, in_sequence
from recorder.track_log import Packet, TrackHeader, read_track
from sfu.rtp import parse_rtp


def _packets(count: int, start: float = 100.0) -> list[Packet]:
    return [
        Packet(
            start + i * 0.01, (65530 + i) & 0xFFFF, 3000 * (i // 3), i % 3 == 2, bytes([i % 256])
        )
        for i in range(count)
    ]


def test_schedstat_counts_nanoseconds_of_every_thread() -> None:
    assert schedstat_seconds(["1500000000 20 3\n", "500000000 7 1\n"]) == 2.0
    assert process_cpu_seconds(os.getpid()) > 0


def test_the_cost_per_stream_is_the_difference_of_the_means_with_its_spread() -> None:
    cost = recording_cost(off=[10.0, 12.0], on=[12.0, 14.0], streams=8)
    assert cost["pct_per_stream"] == 0.25
    assert cost["pct_per_stream_low"] == 0.0  # the least favourable pairing: (12 - 12) / 8
    assert cost["pct_per_stream_high"] == 0.5
    assert cost["ratio"] == round(13 / 11, 3)


def test_rounds_alternate_so_a_drift_falls_on_both_sides() -> None:
    assert round_order(3) == [False, True, True, False, False, True]


def test_cpu_per_media_second() -> None:
    assert per_media_second(0.02, 10.0, 2) == {"us_per_media_s": 2000.0, "pct_per_stream": 0.1}


def test_a_logged_packet_becomes_plain_rtp_again() -> None:
    packet = Packet(1.0, 65535, 4_000_000_000, True, b"\x10vp8")
    view = parse_rtp(rtp_datagram(packet, "video"))
    assert (view.sequence_number, view.timestamp, view.marker) == (65535, 4_000_000_000, True)
    assert (view.payload_type, view.ssrc, view.payload) == (96, SSRCS["video"], b"\x10vp8")


def test_the_sdp_announces_both_tracks_on_loopback() -> None:
    text = sdp({"audio": 40000, "video": 40002})
    assert "c=IN IP4 127.0.0.1\r\n" in text
    assert f"m=audio 40000 RTP/AVP {PAYLOAD_TYPES['audio']}\r\n" in text
    assert f"a=rtpmap:{PAYLOAD_TYPES['audio']} opus/48000/2\r\n" in text
    assert f"m=video 40002 RTP/AVP {PAYLOAD_TYPES['video']}\r\n" in text
    assert f"a=rtpmap:{PAYLOAD_TYPES['video']} VP8/90000\r\n" in text


def test_disorder_is_seeded_and_the_post_processor_undoes_it() -> None:
    packets = _packets(2000)
    rough = perturb(packets, seed=3)
    assert rough == perturb(packets, seed=3)
    assert rough != packets
    assert set(rough) == set(packets)
    again = len(rough) - len(packets)
    assert 10 < again < 100
    stats = DepacketizeStats()
    assert [p for _, p in in_sequence(rough, stats)] == packets  # across the 16-bit wrap
    assert stats.duplicates == again


def test_path_a_logs_both_tracks_as_they_arrived(tmp_path: Path) -> None:
    headers = {
        "audio": TrackHeader("audio", "audio/opus", 48000, "p1", 1.0),
        "video": TrackHeader("video", "video/VP8", 90000, "p1", 1.0),
    }
    capture = Capture(headers, {"audio": _packets(30, 100.005), "video": _packets(200)})
    assert capture.seconds == pytest.approx(1.99)
    assert [p.arrival for _, p in capture.merged()] == sorted(
        p.arrival for ps in capture.packets.values() for p in ps
    )
    assert len(capture.cut(1.0).packets["video"]) == 100
    logs = write_logs(capture, tmp_path)
    for kind in KINDS:
        header, logged = read_track(logs[kind])
        assert header == headers[kind]
        assert logged == capture.packets[kind]


def test_a_missing_file_does_not_play(tmp_path: Path) -> None:
    result = playable(tmp_path / "nothing.webm")
    assert (result["opens"], result["bytes"], result["seconds"]) == (False, 0, 0.0)
