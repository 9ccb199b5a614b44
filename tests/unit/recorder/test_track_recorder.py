"""Track logs of a reception that comes back to a node: new logs, the old ones untouched."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from recorder.track_log import TrackHeader, TrackLogWriter, read_track
from recorder.track_recorder import Recording
from sfu.producer import Producer
from sfu.types import MediaKind
from tests.unit.sfu.test_consumer import VP8


def producer(participant_id: str) -> Producer:
    return Producer(participant_id, MediaKind.VIDEO, VP8, {555: None}, 0, lambda d: True, 1)


async def test_a_reception_back_on_its_node_numbers_its_logs_after_the_old_ones(
    tmp_path: Path,
) -> None:
    """The node numbered logs from 001 each time it opened a reception and appended to a
    log of the same name: a second header mid-file read as a packet and lost the rest."""
    before = Recording(tmp_path)
    first = before.sink_for(producer("alice"))
    first.writer.append(time.time(), 1, 90_000, True, b"\x10old")
    first.close()
    await before.close()

    after = Recording(tmp_path)  # the node restarted, or the reception was handed back
    second = after.sink_for(producer("alice"))
    second.writer.append(time.time(), 2, 180_000, True, b"\x10new")
    second.close()
    await after.close()

    logs = sorted(tmp_path.glob("*.track"))
    assert [p.name for p in logs] == ["001-alice-video.track", "002-alice-video.track"]
    assert [packet.payload for packet in read_track(logs[0])[1]] == [b"\x10old"]
    assert [packet.payload for packet in read_track(logs[1])[1]] == [b"\x10new"]


def test_a_track_log_is_never_opened_twice(tmp_path: Path) -> None:
    header = TrackHeader("audio", "audio/opus", 48_000, "alice", time.time())
    TrackLogWriter(tmp_path / "a.track", header).close()
    with pytest.raises(FileExistsError):
        TrackLogWriter(tmp_path / "a.track", header)
