"""One recorded track on disk: an append-only log of the RTP packets as received, written
without decoding, that survives the node being killed.

The file is a header line (magic, then JSON: kind, codec, clock rate, who and since when)
followed by records of `>dHIBH` (arrival time, sequence number, RTP timestamp, flags,
payload length) and the payload. Records are gathered in memory and written with one
`os.write` when `flush()` is called or the buffer passes `FLUSH_BYTES`: the forwarding
path pays a list append per packet, and the owner's timer calls `flush()` often enough
that a SIGKILL loses at most that interval. A reader takes every complete record and
ignores a torn last one, so what was written before the kill is always readable.
Reordering, retransmissions and the key-frame start are the post-processor's: the log
keeps the packets exactly as they came.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MAGIC = b"IRTRACK1\n"
_RECORD = struct.Struct(">dHIBH")
FLUSH_BYTES = 256 * 1024
"""A buffer this large is written at once, whatever the timer says."""
MARKER = 0x01


@dataclass(frozen=True, slots=True)
class TrackHeader:
    kind: str
    """"audio" or "video"."""
    codec: str
    """The MIME type as negotiated, e.g. "video/VP8", "audio/opus"."""
    clock_rate: int
    participant_id: str
    started_at: float
    """Unix time of the first byte of this file."""

    def encode(self) -> bytes:
        return MAGIC + json.dumps(asdict(self), separators=(",", ":")).encode() + b"\n"


@dataclass(frozen=True, slots=True)
class Packet:
    arrival: float
    sequence_number: int
    timestamp: int
    marker: bool
    payload: bytes


class TrackLogError(Exception):
    """Not a track log (or one whose header is torn)."""

    code = "bad_track_log"


class TrackLogWriter:
    def __init__(self, path: Path, header: TrackHeader) -> None:
        self.path = path
        # A track log is always new (FileExistsError otherwise): a second header in the
        # middle of a log would read as a packet and lose everything after it.
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        self._pending: list[bytes] = [header.encode()]
        self._pending_bytes = 0
        self.packets = 0
        self.bytes_written = 0
        self.flush()

    def append(
        self, arrival: float, sequence_number: int, timestamp: int, marker: bool, payload: bytes
    ) -> None:
        if self._fd is None:
            return
        flags = MARKER if marker else 0
        self._pending.append(_RECORD.pack(arrival, sequence_number, timestamp, flags, len(payload)))
        self._pending.append(payload)
        self._pending_bytes += _RECORD.size + len(payload)
        self.packets += 1
        if self._pending_bytes >= FLUSH_BYTES:
            self.flush()

    @property
    def closed(self) -> bool:
        return self._fd is None

    def flush(self) -> None:
        """Hand what is gathered to the kernel: from then on a killed process loses none
        of it (the page cache outlives the process; only a power cut needs fsync)."""
        if self._fd is None or not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        self._pending_bytes = 0
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.bytes_written += len(data)

    def close(self) -> None:
        if self._fd is None:
            return
        self.flush()
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = None


def read_track(path: Path) -> tuple[TrackHeader, list[Packet]]:
    header, packets = _parse(path.read_bytes())
    return header, list(packets)


def _parse(data: bytes) -> tuple[TrackHeader, Iterator[Packet]]:
    if not data.startswith(MAGIC):
        raise TrackLogError(f"not a track log: {data[:16]!r}")
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        raise TrackLogError("the header is torn")
    try:
        fields: dict[str, Any] = json.loads(data[len(MAGIC) : end])
        header = TrackHeader(**fields)
    except (ValueError, TypeError) as error:
        raise TrackLogError(f"the header is unreadable: {error}") from None
    return header, _records(data, end + 1)


def _records(data: bytes, offset: int) -> Iterator[Packet]:
    size = len(data)
    while offset + _RECORD.size <= size:
        arrival, seq, ts, flags, length = _RECORD.unpack_from(data, offset)
        start = offset + _RECORD.size
        if start + length > size:
            return  # the last record was torn by the kill
        yield Packet(arrival, seq, ts, bool(flags & MARKER), data[start : start + length])
        offset = start + length
