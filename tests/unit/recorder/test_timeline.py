"""The reception's timeline: one line per conference event, written as it happens, read
back in order, a torn last line left out, and no path outside the recordings."""

from __future__ import annotations

from pathlib import Path

import pytest

from recorder.timeline import TimelineWriter, read_timeline
from signaling.protocol.events import ConferenceEvent, EventKind


async def test_events_are_kept_in_order_per_reception(tmp_path: Path) -> None:
    writer = TimelineWriter(tmp_path)
    await writer.record(ConferenceEvent(EventKind.LIVE, "7", 10.0))
    await writer.record(ConferenceEvent(EventKind.JOINED, "7", 11.0, user_id="42", role="citizen"))
    await writer.record(ConferenceEvent(EventKind.JOINED, "8", 11.5, user_id="1", role="host"))
    await writer.record(
        ConferenceEvent(
            EventKind.MODERATED,
            "7",
            12.0,
            user_id="42",
            actor_id="2",
            action="mute",
            detail={"kind": "audio", "muted": True},
        )
    )
    await writer.record(ConferenceEvent(EventKind.ENDED, "7", 13.0))
    events = read_timeline(writer.path_of("7"))
    assert [e["kind"] for e in events] == ["live", "joined", "moderated", "ended"]
    assert events[1] == {
        "kind": "joined",
        "reception_id": "7",
        "at": 11.0,
        "user_id": "42",
        "role": "citizen",
    }
    assert events[2]["detail"] == {"kind": "audio", "muted": True}
    assert [e["kind"] for e in read_timeline(writer.path_of("8"))] == ["joined"]
    writer.close()


async def test_a_torn_last_line_is_left_out(tmp_path: Path) -> None:
    writer = TimelineWriter(tmp_path)
    await writer.record(ConferenceEvent(EventKind.LIVE, "7", 10.0))
    writer.close()
    path = writer.path_of("7")
    path.write_bytes(path.read_bytes() + b'{"kind":"joi')
    assert [e["kind"] for e in read_timeline(path)] == ["live"]


def test_a_reception_id_never_leaves_the_recordings_folder(tmp_path: Path) -> None:
    writer = TimelineWriter(tmp_path)
    for bad in ("../x", "a/b", "", "x" * 65, "демо"):
        with pytest.raises(ValueError, match="not a reception id"):
            writer.path_of(bad)
    assert writer.path_of("demo-1a2b3c").parent == tmp_path / "demo-1a2b3c"
