"""The composition's plan follows the timeline: who is shown where and heard how loud, at
every moment from "live" to "ended"."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from recorder.layout import (
    HEIGHT,
    MIN_SPELL_S,
    STRIP_HEIGHT,
    WIDTH,
    Plan,
    Rect,
    Segment,
    grid,
    plan,
    steady_speakers,
    strip,
)

T0 = 1_764_560_000.0
FULL = Rect(0, 0, WIDTH, HEIGHT)
LARGE = Rect(160, 0, 960, HEIGHT - STRIP_HEIGHT)


def ev(kind: str, at: float, user_id: str | None = None, **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"kind": kind, "reception_id": "12", "at": T0 + at, **fields}
    if user_id is not None:
        event["user_id"] = user_id
    return event


def joined(at: float, user_id: str, role: str, name: str | None = None) -> dict[str, Any]:
    detail = {"name": name} if name else {}
    return ev("joined", at, user_id, role=role, detail=detail)


def on_air(at: float, user_id: str, value: bool = True) -> dict[str, Any]:
    return ev("on_air", at, user_id, detail={"on_air": value})


def moderated(at: float, action: str, user_id: str | None = None, **detail: Any) -> dict[str, Any]:
    return ev("moderated", at, user_id, actor_id="m1", action=action, detail=detail)


def base(end: float = 100.0) -> list[dict[str, Any]]:
    """The host joins before the moderator brings the reception live; citizens wait."""
    return [
        joined(-5, "h", "host", "Глава"),
        joined(0, "m1", "moderator"),
        ev("live", 0),
        joined(1, "u3", "citizen", "Иванов Иван"),
        joined(2, "u4", "citizen"),
        ev("ended", end),
    ]


def at(result: Plan, t: float) -> Segment:
    return next(s for s in result.segments if s.start <= t < s.end)


def layout_of(segment: Segment) -> dict[str, tuple[Rect, bool]]:
    return {tile.participant_id: (tile.rect, tile.large) for tile in segment.tiles}


def test_host_only_fills_the_picture_and_is_heard_at_unity() -> None:
    result = plan(base())
    assert (result.started_at, result.duration) == (T0, 100.0)
    assert len(result.segments) == 1
    (segment,) = result.segments
    assert (segment.start, segment.end) == (0.0, 100.0)
    assert layout_of(segment) == {"h": (FULL, True)}
    assert segment.gains == {"h": 1.0}
    assert result.people["h"].name == "Глава"
    assert result.people["u3"].name == "Иванов Иван"
    assert result.people["u4"].name is None  # joined without a name: tolerated
    assert result.people["u4"].role == "citizen"


def test_citizens_on_air_in_turn_are_large_the_host_in_the_strip() -> None:
    events = [
        *base(),
        on_air(10, "u3"),
        on_air(40, "u3", False),
        on_air(41, "u4"),
        on_air(70, "u4", False),
    ]
    result = plan(events)
    assert [(s.start, s.end) for s in result.segments] == [
        (0, 10),
        (10, 40),
        (40, 41),
        (41, 70),
        (70, 100),
    ]
    (host_tile,) = strip(1)
    assert layout_of(at(result, 20)) == {"u3": (LARGE, True), "h": (host_tile, False)}
    assert at(result, 20).gains == {"h": 1.0, "u3": 1.0}
    assert layout_of(at(result, 50)) == {"u4": (LARGE, True), "h": (host_tile, False)}
    assert layout_of(at(result, 40.5)) == {"h": (FULL, True)}
    assert layout_of(at(result, 80)) == {"h": (FULL, True)}
    # segments are back to back and cover the whole reception
    assert all(a.end == b.start for a, b in zip(result.segments, result.segments[1:], strict=False))


def test_the_active_speaker_is_large_and_nobody_speaking_keeps_the_last_one() -> None:
    events = [
        *base(),
        on_air(10, "u3"),
        ev("speaker", 12, "u3"),
        ev("speaker", 20, "h"),
        ev("speaker", 30),  # nobody
        ev("speaker", 35, "u3"),
    ]
    result = plan(events)
    assert at(result, 11).speaker == "u3"  # given the floor last: the fallback
    assert at(result, 25).speaker == "h"
    assert layout_of(at(result, 25))["h"] == (LARGE, True)
    assert layout_of(at(result, 25))["u3"][1] is False
    assert at(result, 32).speaker == "h"
    assert at(result, 36).speaker == "u3"


def test_without_speaker_events_the_latest_given_the_floor_is_large() -> None:
    events = [*base(), on_air(10, "u3"), on_air(20, "u4")]
    result = plan(events)
    segment = at(result, 30)
    assert segment.speaker == "u4"
    small = strip(2)
    # the strip: the host first, then in the order the floor was given
    assert layout_of(segment) == {
        "u4": (LARGE, True),
        "h": (small[0], False),
        "u3": (small[1], False),
    }


def test_a_short_voice_spell_is_ignored() -> None:
    events = [
        *base(),
        on_air(10, "u3"),
        ev("speaker", 20, "u3"),
        ev("speaker", 30, "h"),
        ev("speaker", 30 + MIN_SPELL_S / 2, "u3"),
        ev("speaker", 50, "h"),
    ]
    assert steady_speakers(sorted(events, key=lambda e: e["at"])) == [
        (T0 + 20, "u3"),
        (T0 + 50, "h"),
    ]
    result = plan(events)
    assert at(result, 30.2).speaker == "u3"
    assert at(result, 55).speaker == "h"


def test_a_speaker_off_air_is_replaced_and_back_on_air_waits_to_speak_again() -> None:
    events = [
        *base(),
        on_air(10, "u3"),
        ev("speaker", 12, "u3"),
        on_air(20, "u3", False),
        on_air(21, "u4"),
        on_air(30, "u3"),
    ]
    result = plan(events)
    assert at(result, 25).speaker == "u4"
    assert at(result, 35).speaker == "u3"  # the floor given last, not the old voice
    events.append(ev("speaker", 40, "u4"))
    assert at(plan(events), 45).speaker == "u4"


def test_a_held_participant_is_neither_shown_nor_heard() -> None:
    events = [
        *base(),
        on_air(10, "u3"),
        moderated(20, "hold", "u3", held=True),
        moderated(30, "hold", "u3", held=False),
    ]
    result = plan(events)
    assert "u3" in layout_of(at(result, 15))
    assert layout_of(at(result, 25)) == {"h": (FULL, True)}
    assert at(result, 25).gains == {"h": 1.0}
    assert at(result, 35).gains == {"h": 1.0, "u3": 1.0}


def test_mutes_silence_the_audio_and_turn_the_video_into_a_card() -> None:
    events = [
        *base(),
        on_air(10, "u3"),
        moderated(20, "mute", "u3", kind="audio", muted=True),
        moderated(25, "mute", "u3", kind="video", muted=True),
        moderated(30, "mute", "u3", kind="audio", muted=False),
        moderated(35, "mute", "u3", kind="video", muted=False),
    ]
    result = plan(events)
    assert at(result, 22).gains == {"h": 1.0}
    assert all(tile.video for tile in at(result, 22).tiles)
    muted = at(result, 27)
    assert {t.participant_id: t.video for t in muted.tiles} == {"u3": False, "h": True}
    assert layout_of(muted)["u3"] == (LARGE, True)  # still in its place, as a card
    assert at(result, 32).gains == {"h": 1.0, "u3": 1.0}
    assert all(tile.video for tile in at(result, 40).tiles)


def test_the_microphone_level_follows_the_moderator_and_resets_on_leaving() -> None:
    events = [
        *base(),
        moderated(5, "set_mic_level", "u3", gain_db=-20.0),  # set before the floor: kept
        on_air(10, "u3"),
        moderated(20, "set_mic_level", "u3", gain_db=6.0),
        moderated(25, "set_mic_level", "h", gain_db=-6.0),
        ev("left", 30, "u3", detail={"reason": "left"}),
        joined(32, "u3", "citizen", "Иванов Иван"),
        on_air(33, "u3"),
    ]
    result = plan(events)
    assert at(result, 15).gains["u3"] == pytest.approx(0.1)
    assert at(result, 22).gains["u3"] == pytest.approx(10 ** (6 / 20))
    assert at(result, 27).gains["h"] == pytest.approx(10 ** (-6 / 20))
    assert "u3" not in at(result, 31).gains  # gone
    assert at(result, 40).gains["u3"] == 1.0  # a new participant: level reset


def test_a_reconnect_keeps_the_place_and_a_rejoin_must_be_given_the_floor_again() -> None:
    events = [
        *base(),
        on_air(10, "u3"),
        ev("left", 30, "u3", detail={"reason": "timed_out"}),
        joined(35, "u3", "citizen"),
    ]
    result = plan(events)
    assert layout_of(at(result, 32)) == {"h": (FULL, True)}
    assert layout_of(at(result, 40)) == {"h": (FULL, True)}
    assert result.people["u3"].name == "Иванов Иван"  # the name from the first join stays


def test_the_default_layout_changes_with_set_layout() -> None:
    events = [
        *base(),
        on_air(10, "u3"),
        on_air(11, "u4"),
        moderated(20, "set_layout", layout="grid"),
        moderated(30, "set_layout", layout="single_speaker"),
        moderated(40, "set_layout", layout="tribune_click"),
        moderated(50, "set_layout", layout="no_such_layout"),
    ]
    result = plan(events)
    cells = grid(3)
    assert layout_of(at(result, 25)) == {
        "h": (cells[0], False),
        "u3": (cells[1], False),
        "u4": (cells[2], False),
    }
    single = layout_of(at(result, 35))
    assert single["u4"] == (FULL, True)
    assert single["h"][1] is False  # the host stays, in a corner
    assert "u3" not in single
    assert layout_of(at(result, 45))["u4"] == (LARGE, True)
    assert at(result, 55).layout == "tribune_click"


def test_observers_and_the_moderator_off_air_are_not_shown() -> None:
    events = [*base(), joined(3, "o1", "observer"), on_air(4, "o1")]
    assert layout_of(at(plan(events), 10)) == {"h": (FULL, True)}
    events.append(on_air(20, "m1"))  # the moderator may take the floor
    assert "m1" in layout_of(at(plan(events), 25))


def test_without_live_and_ended_the_media_span_bounds_the_reception() -> None:
    events = [joined(1, "h", "host"), on_air(5, "u3")]
    result = plan(events, media_span=(T0 + 0.5, T0 + 60))
    assert (result.started_at, result.ended_at) == (T0 + 0.5, T0 + 60)
    assert result.segments[0].start == 0.0
    assert result.segments[-1].end == pytest.approx(59.5)
    assert layout_of(at(result, 0.3)) == {}  # nobody yet
    assert layout_of(at(result, 10))["u3"] == (LARGE, True)
    assert at(plan([], media_span=(T0, T0 + 3)), 1).tiles == ()


def test_an_empty_or_instant_reception_has_no_segments() -> None:
    assert plan([]).segments == []
    assert plan([ev("live", 0), ev("ended", 0)]).segments == []


def test_events_out_of_order_are_applied_in_time_order() -> None:
    events = [*base(), on_air(40, "u3", False), on_air(10, "u3")]
    result = plan(events)
    assert "u3" in layout_of(at(result, 20))
    assert "u3" not in layout_of(at(result, 50))


def test_tiles_are_even_and_inside_the_picture() -> None:
    for count in range(1, 16):
        for rect in [*strip(count), *grid(count)]:
            assert rect.x % 2 == rect.y % 2 == rect.w % 2 == rect.h % 2 == 0
            assert rect.x >= 0
            assert rect.x + rect.w <= WIDTH
            assert rect.y >= 0
            assert rect.y + rect.h <= HEIGHT
        row = strip(count)
        assert all(a.x + a.w <= b.x for a, b in itertools.pairwise(row))
