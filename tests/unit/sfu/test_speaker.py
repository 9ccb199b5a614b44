"""Active speaker: smoothed, debounced, and quiet after silence."""

from __future__ import annotations

from sfu.speaker import QUIET_AFTER_S, SWITCH_AFTER_S, ActiveSpeakerDetector

STEP = 0.02  # one audio packet


def feed(
    detector: ActiveSpeakerDetector, levels: dict[str, int], seconds: float, t0: float
) -> float:
    t = t0
    while t < t0 + seconds:
        for pid, level in levels.items():
            detector.add_level(pid, level, now=t)
        t += STEP
    return t


def test_loudest_talker_wins_after_the_debounce_and_silence_clears_it() -> None:
    events: list[str | None] = []
    detector = ActiveSpeakerDetector(events.append)
    t = feed(detector, {"a": 30, "b": 127}, 1.0, 0.0)
    assert events == ["a"]
    t = feed(detector, {"a": 30, "b": 10}, SWITCH_AFTER_S / 2, t)
    assert events == ["a"]  # a short burst does not switch
    t = feed(detector, {"a": 30, "b": 10}, SWITCH_AFTER_S * 2, t)
    assert events == ["a", "b"]
    feed(detector, {"a": 127, "b": 127}, QUIET_AFTER_S + 0.1, t)
    assert events == ["a", "b", None]


def test_similar_levels_do_not_flap() -> None:
    events: list[str | None] = []
    detector = ActiveSpeakerDetector(events.append)
    t = feed(detector, {"a": 30}, 0.5, 0.0)
    feed(detector, {"a": 30, "b": 29}, 3.0, t)
    assert events == ["a"]
