"""The SFU's recording sinks: each on-air producer of a reception writes its packets, as
received, into its own track log (`track_log.py`) under the reception's folder.

`Recording.sink_for` is what `sfu.Router.record` calls for each producer; the router turns
a sink on while its participant is on air and asks for a key frame each time. A flush
timer hands the gathered packets to the kernel every `FLUSH_INTERVAL_S`, which bounds
what a killed node loses; it stops by itself once the router has closed every sink, so
a recording needs no closing of its own when its reception ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Iterator
from pathlib import Path

from recorder.depacketize import strip_padding
from recorder.track_log import TrackHeader, TrackLogWriter
from sfu.producer import Producer
from sfu.rtp import FrameInfo, RtpView

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.5


class TrackRecorder:
    """A producer's sink that appends every packet it is given to a track log."""

    def __init__(self, writer: TrackLogWriter) -> None:
        self.writer = writer

    def forward(self, view: RtpView, info: FrameInfo, level_byte: int) -> None:
        payload = strip_padding(view.payload, view.padding)
        self.writer.append(time.time(), view.sequence_number, view.timestamp, view.marker, payload)

    def skip(self) -> None:
        return None  # a padding-only packet: the log keeps real media only

    def resync(self) -> None:
        return None  # the post-processor starts again at the next key frame

    def close(self) -> None:
        self.writer.close()


class Recording:
    """The track logs of one reception, and the timer that flushes them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers: Iterator[int] | None = None
        self._writers: list[TrackLogWriter] = []
        self._flushing: asyncio.Task[None] | None = None

    def sink_for(self, producer: Producer) -> TrackRecorder:
        """A new track log, numbered after every one in the folder: a reception that comes
        back to a node (restarted, or handed back) finds the logs it wrote before."""
        self.folder.mkdir(parents=True, exist_ok=True)
        header = TrackHeader(
            kind=producer.kind.value,
            codec=producer.codec.mime_type,
            clock_rate=producer.codec.clock_rate,
            participant_id=producer.participant_id,
            started_at=time.time(),
        )
        suffix = f"{_safe(producer.participant_id)}-{producer.kind.value}.track"
        if self._numbers is None:
            self._numbers = itertools.count(self._last_number() + 1)
        while True:  # another writer may take a number between the look and the open
            path = self.folder / f"{next(self._numbers):03d}-{suffix}"
            try:
                writer = TrackLogWriter(path, header)
                break
            except FileExistsError:
                continue
        self._writers.append(writer)
        if self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._flush_forever())
        return TrackRecorder(writer)

    def _last_number(self) -> int:
        prefixes = (path.name.split("-", 1)[0] for path in self.folder.glob("*.track"))
        numbers = [int(prefix) for prefix in prefixes if prefix.isdigit()]
        return max(numbers, default=0)

    async def _flush_forever(self) -> None:
        while self._writers:
            await asyncio.sleep(FLUSH_INTERVAL_S)
            for writer in self._writers:
                try:
                    writer.flush()
                except OSError:
                    log.exception("a track could not be written", extra={"path": str(writer.path)})
            self._writers = [writer for writer in self._writers if not writer.closed]
        self._flushing = None

    async def close(self) -> None:
        if self._flushing is not None:
            self._flushing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flushing
            self._flushing = None
        for writer in self._writers:
            writer.close()


def _safe(participant_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in participant_id)[:40]
