"""Payload parsing: typed dataclasses out, clear `invalid_payload` errors for anything else."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaling.protocol import ErrorCode, Layout, MediaKind, SignalingError
from signaling.protocol.payloads import (
    BandwidthLimit,
    ClientReport,
    Empty,
    FloorChange,
    JoinRequest,
    LayoutChoice,
    MicLevel,
    ModeratorMute,
    PreviewChoice,
    SelfMute,
    SessionDescription,
    Target,
)
from signaling.protocol.validation import parse

ALL = [
    BandwidthLimit,
    ClientReport,
    Empty,
    FloorChange,
    JoinRequest,
    LayoutChoice,
    MicLevel,
    ModeratorMute,
    PreviewChoice,
    SelfMute,
    SessionDescription,
    Target,
]


def test_valid_payloads_become_typed_values() -> None:
    mute = parse(ModeratorMute, {"participant_id": "7", "kind": "video", "muted": True})
    assert mute == ModeratorMute("7", MediaKind.VIDEO, True)
    assert parse(LayoutChoice, {"layout": "grid"}).layout is Layout.GRID
    assert parse(BandwidthLimit, {"participant_id": "7", "kbps": None}).kbps is None
    assert parse(BandwidthLimit, {"participant_id": "7", "kbps": 256.0}).kbps == 256
    assert parse(PreviewChoice, {"participant_id": None}).participant_id is None
    assert parse(Empty, None) == Empty()
    assert parse(JoinRequest, {"token": "t"}) == JoinRequest("t", "", "")


@pytest.mark.parametrize(
    ("cls", "data", "fragment"),
    [
        (Target, {}, "participant_id: required"),
        (Target, {"participant_id": 7}, "must be a string"),
        (Target, {"participant_id": "x" * 65}, "longer than 64"),
        (Target, {"participant_id": "7", "extra": 1}, "unknown field"),
        (Target, ["participant_id"], "must be an object"),
        (FloorChange, {"participant_id": "7", "on_air": "yes"}, "true or false"),
        (MicLevel, {"participant_id": "7", "gain_db": 99}, "between"),
        (MicLevel, {"participant_id": "7", "gain_db": float("nan")}, "finite"),
        (MicLevel, {"participant_id": "7", "gain_db": True}, "must be a number"),
        (BandwidthLimit, {"participant_id": "7", "kbps": 100.5}, "whole number"),
        (SelfMute, {"kind": "smell", "muted": True}, "one of audio, video"),
        (SessionDescription, {"sdp": "v=0" * 400_000}, "longer than"),
        (JoinRequest, {"token": None}, "must be a string"),
    ],
)
def test_bad_payloads_are_refused_with_a_reason(cls: type, data: Any, fragment: str) -> None:
    with pytest.raises(SignalingError) as caught:
        parse(cls, data)
    assert caught.value.code is ErrorCode.INVALID_PAYLOAD
    assert fragment in caught.value.message


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    ["participant_id", "kind", "muted", "on_air", "gain_db", "kbps", "layout", "sdp", "token"]
)


@settings(max_examples=400, deadline=None)
@given(
    cls=st.sampled_from(ALL),
    data=JSON | st.dictionaries(FIELDS, JSON, max_size=5),
)
def test_fuzz_any_json_either_parses_or_is_refused_cleanly(cls: type, data: Any) -> None:
    """Whatever arrives, the parser returns the dataclass or raises `invalid_payload`."""
    outcome: object
    try:
        outcome = parse(cls, data)
    except SignalingError as error:
        outcome = error
    if isinstance(outcome, SignalingError):
        assert outcome.code is ErrorCode.INVALID_PAYLOAD
        assert len(outcome.message) < 300
    else:
        assert isinstance(outcome, cls)
