"""The SFU benchmark's figures: per-listener frame rates over the window, the join times,
the CPU per stream (the moderator counts as a stream), repetitions and ratios."""

from __future__ import annotations

from typing import Any

import pytest

from bench.sfu.figures import (
    SUSTAINED_FPS,
    Usage,
    Window,
    combine,
    describe,
    ratios,
    round_order,
    summarize,
    table,
)

WINDOW = Window(100.0, 110.0)


def listener(fps: float, started: float = 50.0, first: float | None = 50.5) -> dict[str, Any]:
    frames = [WINDOW.start + i / fps for i in range(int(fps * WINDOW.seconds))]
    return {
        "started_at": started,
        "joined_at": started + 0.1,
        "offered_at": started + 0.2,
        "answered_at": started + 0.25,
        "first_video_at": first,
        "frame_times": [40.0, *frames, 120.0],  # outside the window: not counted
        "video_packets_lost": 1,
        "video_packets_received": 99,
    }


PUBLISHER = {
    "sent_at": [WINDOW.start + i / 30 for i in range(300)],
    "keyframe_requests": 4,
    "keyframes_on_request": [60.0, 101.0, 102.0],
    "moderator": {"frame_times": []},
}
USAGE = Usage(server_cpu_pct=12.0, client_cpu_pct=50.0, rss_mb=130.0, rss_before_mb=100.0)


def test_a_round_counts_frames_in_the_window_and_the_moderator_as_a_stream() -> None:
    listeners = [listener(30), listener(24, started=50.2, first=51.0), listener(30)]
    newcomers = [listener(30, 200.0, 200.4), listener(30, 210.0, 210.8), listener(30, 220, None)]
    record = summarize("reception", listeners, newcomers, PUBLISHER, USAGE, WINDOW)
    assert record["listeners"] == 3
    assert record["streams"] == 4
    assert record["cpu_pct_per_stream"] == 3.0
    assert record["rss_mb_per_listener"] == 10.0
    assert record["fps_min"] == 24.0
    assert record["fps_median"] == 30.0
    assert record["all_video_s"] == 1.0  # first to start (50.0) to last first frame (51.0)
    assert record["join_s"] == pytest.approx(0.6)  # the newcomer without video is left out
    assert record["joins"] == 2
    assert record["join_phases_s"]["offer"] == pytest.approx(0.1)
    assert record["join_phases_s"]["first_frame"] == pytest.approx(0.35)
    assert record["video_loss_pct"] == 1.0
    assert record["keyframes_on_request"] == 2
    assert record["publisher_fps"] == 30.0


def test_a_listener_without_video_leaves_the_all_joined_time_open() -> None:
    publisher = {**PUBLISHER, "moderator": None}
    record = summarize(
        "janus", [listener(30), listener(0, first=None)], [], publisher, USAGE, WINDOW
    )
    assert record["streams"] == 2
    assert record["without_video"] == 1
    assert record["all_video_s"] is None
    assert record["join_s"] is None


def _round(server: str, n: int, per_stream: float, fps_min: float = 30.0) -> dict[str, Any]:
    return {
        "server": server,
        "listeners": n,
        "streams": n,
        "server_cpu_pct": per_stream * n,
        "cpu_pct_per_stream": per_stream,
        "rss_mb": 100.0 + n,
        "rss_mb_per_listener": 1.0,
        "fps_min": fps_min,
        "fps_median": 30.0,
        "all_video_s": 0.5,
        "join_s": 0.4,
        "video_loss_pct": 0.0,
        "publisher_fps": 30.0,
        "client_cpu_pct": 40.0,
        "without_video": 0,
    }


def test_repetitions_give_medians_the_spread_and_the_worst_frame_rate() -> None:
    combined = combine([_round("reception", 10, 0.4), _round("reception", 10, 0.6, 28.0)])
    assert combined["reps"] == 2
    assert combined["cpu_pct_per_stream"] == 0.5
    assert combined["cpu_pct_per_stream_range"] == [0.4, 0.6]
    assert combined["fps_min"] == 28.0
    assert "reception" in table([combined])


def test_ratios_pair_the_same_n_and_say_when_the_baseline_fell_behind() -> None:
    ours = [_round("reception", 1, 2.0), _round("reception", 10, 0.5)]
    theirs = [_round("janus", 10, 0.25, fps_min=SUSTAINED_FPS - 1)]
    [ratio] = ratios(ours, theirs)
    assert ratio["listeners"] == 10
    assert ratio["cpu_per_stream"] == 2.0
    assert ratio["baseline_sustained"] is False
    assert "below 29.5 fps" in describe(ratio)


def test_rounds_alternate_their_order_between_repetitions() -> None:
    assert round_order(["reception", "janus"], 0) == ["reception", "janus"]
    assert round_order(["reception", "janus"], 1) == ["janus", "reception"]
