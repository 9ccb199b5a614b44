"""A reception's router records each producer while its participant is on air, as the
packets came, into the track logs of recorder/ (real aiortc publisher on loopback)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import av
import pytest

from recorder.remux import remux_track
from recorder.track_log import read_track
from recorder.track_recorder import Recording
from sfu import Router
from tests.helpers import wait_until
from tests.integration.sfu.peers import Clients, change

pytestmark = pytest.mark.timeout(40)


def _tracks(folder: Path) -> dict[str, Path]:
    return {p.name.split("-")[-1].removesuffix(".track"): p for p in folder.glob("*.track")}


async def test_a_producer_is_recorded_only_while_on_air(
    router: Router, clients: Clients, tmp_path: Path
) -> None:
    recording = Recording(tmp_path / "r1")
    router.record(recording.sink_for)
    await clients.publisher("alice")
    await wait_until(lambda: len(_tracks(tmp_path / "r1")) == 2, timeout=10, message="tracks")
    video = next(p for p in router.producers() if p.kind == "video")
    await wait_until(lambda: video.frames >= 10, timeout=10, message="the publisher sends")
    await asyncio.sleep(0.6)  # a flush interval: nothing off air
    assert all(read_track(path)[1] == [] for path in _tracks(tmp_path / "r1").values())

    requests_before = video.keyframe_requests
    change(router, "alice", on_air=True)
    assert video.keyframe_requests > requests_before  # the stretch starts at a key frame
    await wait_until(
        lambda: len(read_track(_tracks(tmp_path / "r1")["video"])[1]) >= 30,
        timeout=10,
        message="video recorded",
    )
    change(router, "alice", on_air=False)
    await asyncio.sleep(0.6)
    counts = {kind: len(read_track(path)[1]) for kind, path in _tracks(tmp_path / "r1").items()}
    await asyncio.sleep(0.6)
    assert counts == {
        kind: len(read_track(path)[1]) for kind, path in _tracks(tmp_path / "r1").items()
    }, "off air: nothing more is written"
    assert counts["audio"] >= 20

    header, packets = read_track(_tracks(tmp_path / "r1")["video"])
    assert header.codec.lower() == "video/vp8"
    assert header.participant_id == "alice"
    assert any(p.marker for p in packets)
    seqs = [p.sequence_number for p in packets]
    assert len(set(seqs)) >= len(seqs) - 5  # as received: few or no retransmitted copies
    await recording.close()

    # What was recorded plays: remuxed without re-encoding, decoded without an error.
    for kind, minimum in (("video", 20), ("audio", 20)):
        out = tmp_path / f"{kind}.webm"
        report = remux_track(_tracks(tmp_path / "r1")[kind], out)
        assert report.frames_written >= minimum, report
        with av.open(str(out)) as container:
            decoded = sum(1 for _ in container.decode(container.streams[0]))
        assert decoded == report.frames_written
