"""The composition benchmark's reception is what the brief measures: the host throughout,
two citizens in turn for one to two minutes, stretches that open on a key frame."""

from __future__ import annotations

import itertools

from bench.compose import PAYLOAD_MAX, T0, schedule, vp8_payloads
from recorder.depacketize import vp8_descriptor
from recorder.layout import plan


def test_citizens_take_the_floor_in_turn_for_one_to_two_minutes() -> None:
    events, stretches = schedule(1800)
    turns = sorted((a, b, who) for who, spans in stretches.items() for a, b in spans)
    assert len(turns) >= 15
    assert all(isinstance(a, int) and isinstance(b, int) for a, b, _ in turns)
    assert all(60 <= b - a <= 120 for a, b, _ in turns[:-1])
    for (_, end, who), (start, _, other) in itertools.pairwise(turns):
        assert start > end  # never two citizens on air at once
        assert who != other
    assert events[-1] == {"kind": "ended", "reception_id": "bench", "at": T0 + 1800}
    result = plan(events)
    assert result.duration == 1800
    speakers = {s.speaker for s in result.segments}
    assert speakers == {"host", "citizen-a", "citizen-b"}
    assert any(g < 1.0 for s in result.segments for g in s.gains.values())


def test_vp8_frames_are_cut_into_rtp_payloads_with_a_descriptor() -> None:
    frame = bytes(range(256)) * 10
    payloads = vp8_payloads(frame)
    assert all(len(p) <= PAYLOAD_MAX for p in payloads)
    starts = [vp8_descriptor(p) for p in payloads]
    assert starts == [(True, 1)] + [(False, 1)] * (len(payloads) - 1)
    assert b"".join(p[1:] for p in payloads) == frame
