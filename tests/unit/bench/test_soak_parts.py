"""The soak benchmark's pure parts: delay histograms, the wall clock its publishers send
on, recognising frames, the moderator's schedule and the figures of a run."""

from __future__ import annotations

import pytest

from bench.sfu.media import BenchMedia
from bench.soak import figures
from bench.soak.clock import FrameIndex, delay_s, due, next_slot
from bench.soak.figures import Run, Sample
from bench.soak.histogram import Histogram
from bench.soak.schedule import FLOOR_S, commands_at, floor_holder

CITIZENS = [f"citizen-{n}" for n in range(1, 16)]


def test_histogram_percentiles_are_good_to_five_percent_and_merge() -> None:
    low, high = Histogram(), Histogram()
    for ms in range(1, 101):
        (low if ms <= 50 else high).add(float(ms))
    whole = Histogram.pooled([low, high])
    assert whole.total == 100
    assert whole.percentile(0.5) == pytest.approx(50, rel=0.05)
    assert whole.percentile(0.95) == pytest.approx(95, rel=0.05)
    assert Histogram.loads(whole.dumps()).counts == whole.counts
    assert Histogram().percentile(0.5) is None
    tiny = Histogram()
    tiny.add(0.0)
    assert tiny.percentile(0.5) == 0.05


def test_slots_follow_the_wall_clock_and_skip_when_late() -> None:
    assert next_slot(None, 10.01, 30) == 301
    assert next_slot(300, 10.0, 30) == 301  # never the same slot twice
    assert next_slot(100, 10.01, 30) == 301  # fell behind: skips to now
    assert due(301, 30) == pytest.approx(301 / 30)


def test_delay_is_taken_from_the_latest_instant_the_frame_was_due() -> None:
    period, rate = 300, 30
    slot = 123_456_789
    sent = due(slot, rate)
    assert delay_s(sent + 0.004, slot % period, period, rate) == pytest.approx(0.004)
    assert delay_s(sent + 0.25, slot % period, period, rate) == pytest.approx(0.25)
    # a frame due one loop earlier would have to be 10 s late: the recent one is meant
    assert delay_s(sent + 9.9, slot % period, period, rate) == pytest.approx(9.9)


def test_frames_are_recognised_by_their_bytes_inter_or_intra() -> None:
    media = BenchMedia(video=[b"a0", b"a1", b"a2"], intra=[b"k0", b"k1", b"k2"], audio=[])
    index = FrameIndex(media)
    assert index.period == 3
    assert [index.position(f) for f in (b"a1", b"k2", b"zz")] == [1, 2, None]


def test_the_floor_moves_every_half_minute_and_each_command_is_undone_before() -> None:
    assert floor_holder(0, CITIZENS) == "citizen-1"
    assert floor_holder(FLOOR_S * 15, CITIZENS) == "citizen-1"
    first = commands_at(0, CITIZENS, "host")
    assert first == [("set_floor", {"participant_id": "citizen-1", "on_air": True})]
    assert commands_at(FLOOR_S, CITIZENS, "host") == [
        ("set_floor", {"participant_id": "citizen-1", "on_air": False}),
        ("set_floor", {"participant_id": "citizen-2", "on_air": True}),
    ]
    cycle = [c for s in range(FLOOR_S, 2 * FLOOR_S) for c in commands_at(s, CITIZENS, "host")]
    events = [event for event, _ in cycle]
    assert {"mute", "set_mic_level", "hold", "limit_bandwidth", "set_layout"} <= set(events)
    assert len(cycle) >= FLOOR_S // 5  # a command every few seconds
    last = {(e, d["participant_id"], d.get("kind")): d for e, d in cycle if "participant_id" in d}
    assert last[("mute", "citizen-2", "video")]["muted"] is False
    assert last[("hold", "citizen-9", None)]["held"] is False
    assert last[("limit_bandwidth", "citizen-9", None)]["kbps"] is None
    held = {d["participant_id"] for e, d in cycle if e in ("hold", "limit_bandwidth")}
    assert held.isdisjoint({"citizen-2", "citizen-3"})  # never the speaker or the next


def test_slope_is_per_step() -> None:
    assert figures.slope([1.0, 2.0, 3.0]) == pytest.approx(1.0)
    assert figures.slope([5.0, 5.0]) == pytest.approx(0.0)
    assert figures.slope([5.0]) is None


def _receiver(name: str, role: str, host_frames: list[int], **extra: object) -> dict[str, object]:
    minutes = {
        str(m): {
            "host_frames": n,
            "video_frames": n,
            "audio_frames": 3000,
            "unknown_frames": 0,
            "delay": Histogram({20: n}).dumps(),
        }
        for m, n in enumerate(host_frames)
    }
    record: dict[str, object] = {
        "name": name,
        "role": role,
        "joined": True,
        "first_video_at": 1.0,
        "last_host_frame_at": 119.5,
        "last_video_at": 119.5,
        "last_audio_at": 119.5,
        "failure": None,
        "closed": None,
        "disconnects": 0,
        "bad_states": [],
        "minutes": minutes,
    }
    record.update(extra)
    return record


def test_a_run_is_summed_up_per_minute_with_its_drops_and_slopes() -> None:
    samples = [Sample(t, t * 0.1, 100 + t / 60, t * 0.5) for t in range(0, 121, 5)]
    audience = [
        _receiver("listener-1", "observer", [1800, 1800]),
        _receiver(
            "listener-2", "observer", [1800, 0], last_host_frame_at=60.0, disconnects=1, video_cut=2
        ),
    ]
    stage = {
        "people": [_receiver("moderator", "moderator", [1800, 1800])],
        "presence": {"listener-2 reconnecting": 1},
        "commands": [
            {"at_s": 0.1, "event": "set_floor", "data": {}, "ack_ms": 12.0},
            {"at_s": 61.0, "event": "hold", "data": {}, "ack_ms": 30.0, "error": "refused"},
        ],
        "publisher_late": {"0": Histogram({5: 10}).dumps()},
    }
    result = figures.summarize(Run(0.0, 120.0, 2, 1, samples, audience, stage))
    first, second = result["minutes"]
    assert first["server_cpu_pct"] == pytest.approx(10.0)
    assert first["receiving"] == 2
    assert second["receiving"] == 1
    assert second["fps_min"] == 0.0
    assert first["fps_median"] == 30.0
    assert first["delay_p50_ms"] == pytest.approx(0.25, rel=0.05)
    assert second["command_errors"] == 1
    assert result["rss_slope_mb_per_min"] == pytest.approx(1.0)
    assert result["flat"] == {"rss": False, "cpu": True}  # 1 MB a minute is a leak
    assert result["rss_last_minute_growth_mb"] == pytest.approx(1.0)
    assert result["dropped"] == {"listener-2": ["1 disconnects"]}
    assert result["not_receiving_at_end"] == []  # its sound still came
    assert result["without_video_at_end"] == ["listener-2"]
    assert result["video_cut_events"] == {"listener-2": 2}
    assert len(result["command_errors"]) == 1
