"""The receive-cap allocator's choices on plain figures: audio first, the speaker next."""

from __future__ import annotations

from sfu.bandwidth import CUT, ENABLE_MARGIN, VideoTrack, allocate_receive_budget
from sfu.rtp import ALL_LAYERS

L1T3 = [130_000, 90_000, 150_000]
"""Per-layer bitrates Chromium's fake camera gives at 400 kbit/s in L1T3."""
AUDIO = 24_000


def speaker(current: int = ALL_LAYERS, rates: list[int] = L1T3) -> VideoTrack:
    return VideoTrack("speaker", rates, current, main=True)


def tile(key: str, current: int = ALL_LAYERS, rates: list[int] = L1T3) -> VideoTrack:
    return VideoTrack(key, rates, current)


def test_no_limit_forwards_everything() -> None:
    allocation = allocate_receive_budget(None, AUDIO, [speaker(), tile("a")])
    assert allocation.layers == {"speaker": ALL_LAYERS, "a": ALL_LAYERS}
    assert allocation.reduced() == allocation.off() == []


def test_at_256_kbps_the_speaker_keeps_moving_pictures_and_the_small_tiles_go_off() -> None:
    # Three voices (72 kbit/s) leave 184 kbit/s: one base layer, not two.
    allocation = allocate_receive_budget(256_000, 3 * AUDIO, [speaker(), tile("a"), tile("b")])
    assert allocation.layers == {"speaker": 0, "a": CUT, "b": CUT}
    assert allocation.reduced() == ["speaker"]
    assert allocation.off() == ["a", "b"]
    assert allocation.enforced["video"] == "reduced"


def test_a_smaller_tile_never_takes_the_base_layer_the_speaker_needs() -> None:
    cheap = [60_000, 30_000, 60_000]
    allocation = allocate_receive_budget(
        200_000, AUDIO, [speaker(), tile("a", rates=cheap), tile("b", rates=cheap)]
    )
    assert allocation.layers["speaker"] >= 0
    # What is left after the speaker's base layer (46 kbit/s) holds no tile's base layer.
    assert allocation.layers == {"speaker": 0, "a": CUT, "b": CUT}


def test_the_speakers_middle_layer_comes_before_the_tiles_and_its_top_after() -> None:
    # 512 kbit/s: the speaker's two lower layers, then one tile's base layer each.
    allocation = allocate_receive_budget(512_000, AUDIO, [speaker(), tile("a"), tile("b")])
    assert allocation.layers == {"speaker": 1, "a": 0, "b": 0}
    assert allocation.reduced() == ["speaker", "a", "b"]
    # 350 kbit/s: the speaker at half its frame rate rather than one more tile at a quarter;
    # without a main tile the same budget goes to two base layers.
    assert allocate_receive_budget(350_000, AUDIO, [speaker(), tile("a"), tile("b")]).layers == {
        "speaker": 1,
        "a": CUT,
        "b": CUT,
    }
    assert allocate_receive_budget(350_000, AUDIO, [tile("x"), tile("a"), tile("b")]).layers == {
        "x": 0,
        "a": 0,
        "b": CUT,
    }


def test_audio_is_counted_first_and_may_leave_no_room_for_video() -> None:
    allocation = allocate_receive_budget(100_000, 90_000, [speaker(), tile("a")])
    assert allocation.layers == {"speaker": CUT, "a": CUT}
    assert allocation.enforced["video"] == "audio_only"


def test_unlayered_video_is_all_or_nothing() -> None:
    whole = [400_000]
    assert allocate_receive_budget(512_000, AUDIO, [speaker(rates=whole)]).layers == {
        "speaker": ALL_LAYERS
    }
    assert allocate_receive_budget(256_000, AUDIO, [speaker(rates=whole)]).layers == {
        "speaker": CUT
    }


def test_a_layer_is_added_only_with_headroom_but_kept_at_an_exact_fit() -> None:
    exact = AUDIO + L1T3[0]
    assert allocate_receive_budget(exact, AUDIO, [speaker(current=0)]).layers == {"speaker": 0}
    assert allocate_receive_budget(exact, AUDIO, [speaker(current=CUT)]).layers == {"speaker": CUT}
    with_headroom = AUDIO + int(L1T3[0] * ENABLE_MARGIN)
    assert allocate_receive_budget(with_headroom, AUDIO, [speaker(current=CUT)]).layers == {
        "speaker": 0
    }
    # The same for an upper layer: the middle one is not added at an exact fit.
    middle = AUDIO + L1T3[0] + L1T3[1]
    assert allocate_receive_budget(middle, AUDIO, [speaker(current=0)]).layers == {"speaker": 0}
    assert allocate_receive_budget(middle, AUDIO, [speaker(current=1)]).layers == {"speaker": 1}


def test_the_budget_for_the_first_layer_left_out_is_told() -> None:
    # 350 kbit/s holds the speaker's two lower layers; its top layer needs its own rate with
    # headroom on top of what is spent.
    allocation = allocate_receive_budget(350_000, AUDIO, [speaker(current=1)])
    spent = AUDIO + L1T3[0] + L1T3[1]
    assert allocation.next_step_bps == spent + int(L1T3[2] * ENABLE_MARGIN)
    assert allocate_receive_budget(350_000, AUDIO, [speaker(current=1)]).layers == {"speaker": 1}
    assert allocate_receive_budget(
        allocation.next_step_bps, AUDIO, [speaker(current=1)]
    ).layers == {"speaker": ALL_LAYERS}
    assert allocate_receive_budget(1_000_000, AUDIO, [speaker()]).next_step_bps is None
    assert allocate_receive_budget(None, AUDIO, [speaker()]).next_step_bps is None
