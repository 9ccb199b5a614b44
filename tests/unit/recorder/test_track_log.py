"""A recorded track survives the node's death: every record written before a SIGKILL is
read back, a torn last record is ignored, and nothing else is ever invented."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recorder.track_log import (
    MAGIC,
    Packet,
    TrackHeader,
    TrackLogError,
    TrackLogWriter,
    read_track,
)

HEADER = TrackHeader("video", "video/VP8", 90000, "42", 1_700_000_000.0)


def _write(path: Path, packets: list[Packet]) -> None:
    writer = TrackLogWriter(path, HEADER)
    for p in packets:
        writer.append(p.arrival, p.sequence_number, p.timestamp, p.marker, p.payload)
    writer.close()


packets_strategy = st.lists(
    st.builds(
        Packet,
        arrival=st.floats(min_value=0, max_value=2e9, allow_nan=False),
        sequence_number=st.integers(0, 0xFFFF),
        timestamp=st.integers(0, 0xFFFFFFFF),
        marker=st.booleans(),
        payload=st.binary(max_size=1300),
    ),
    max_size=30,
)


@settings(max_examples=40, deadline=None)
@given(packets=packets_strategy)
def test_what_is_written_is_read_back_as_it_came(
    tmp_path_factory: pytest.TempPathFactory, packets: list[Packet]
) -> None:
    path = tmp_path_factory.mktemp("log") / "track.log"
    _write(path, packets)
    header, read = read_track(path)
    assert header == HEADER
    assert read == packets


@settings(max_examples=40, deadline=None)
@given(packets=packets_strategy, cut=st.floats(0, 1))
def test_a_file_cut_anywhere_gives_a_prefix_of_what_was_written(
    tmp_path_factory: pytest.TempPathFactory, packets: list[Packet], cut: float
) -> None:
    path = tmp_path_factory.mktemp("log") / "track.log"
    _write(path, packets)
    data = path.read_bytes()
    header_end = data.index(b"\n", len(MAGIC)) + 1
    keep = header_end + int((len(data) - header_end) * cut)
    path.write_bytes(data[:keep])
    _, read = read_track(path)
    assert read == packets[: len(read)]


def test_not_a_track_log_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "other.log"
    path.write_bytes(b"GIF89a...")
    with pytest.raises(TrackLogError):
        read_track(path)
    path.write_bytes(MAGIC + b'{"kind": "vid')
    with pytest.raises(TrackLogError):
        read_track(path)


def test_packets_wait_for_flush_then_reach_the_file(tmp_path: Path) -> None:
    path = tmp_path / "track.log"
    writer = TrackLogWriter(path, HEADER)
    writer.append(1.0, 1, 3000, True, b"frame")
    assert read_track(path)[1] == []  # gathered, not yet written
    writer.flush()
    assert read_track(path)[1] == [Packet(1.0, 1, 3000, True, b"frame")]
    writer.close()
    writer.append(2.0, 2, 6000, False, b"late")  # after close: dropped, no error
    assert len(read_track(path)[1]) == 1


_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from recorder.track_log import TrackHeader, TrackLogWriter
    header = TrackHeader("audio", "audio/opus", 48000, "7", time.time())
    writer = TrackLogWriter(Path(sys.argv[1]), header)
    seq = 0
    last_flush = time.monotonic()
    while True:
        writer.append(time.time(), seq & 0xFFFF, seq * 960, False, bytes([seq & 0xFF]) * 80)
        seq += 1
        if time.monotonic() - last_flush >= 0.25:
            writer.flush()
            last_flush = time.monotonic()
            print(seq, flush=True)
        time.sleep(0.002)
    """
)


@pytest.mark.timeout(30)
def test_a_node_killed_mid_recording_loses_at_most_the_last_flush_interval(
    tmp_path: Path,
) -> None:
    path = tmp_path / "track.log"
    root = Path(__file__).resolve().parents[3]
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert child.stdout is not None
    flushed = 0
    deadline = time.monotonic() + 20
    while flushed < 400 and time.monotonic() < deadline:
        flushed = int(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=5)
    assert child.returncode == -signal.SIGKILL
    header, packets = read_track(path)
    assert header.codec == "audio/opus"
    assert len(packets) >= flushed  # everything flushed before the kill is there
    assert [p.sequence_number for p in packets] == list(range(len(packets)))
    assert all(p.payload == bytes([p.sequence_number & 0xFF]) * 80 for p in packets)
    assert packets[-1].arrival - packets[0].arrival > 0.5
