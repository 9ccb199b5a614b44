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
        self._numbers = itertools.count(1)
        self._writers: list[TrackLogWriter] = []
        self._flushing: asyncio.Task[None] | None = None

    def sink_for(self, producer: Producer) -> TrackRecorder:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{next(self._numbers):03d}-{_safe(producer.participant_id)}-{producer.kind.value}"
        writer = TrackLogWriter(
            self.folder / f"{name}.track",
            TrackHeader(
                kind=producer.kind.value,
                codec=producer.codec.mime_type,
                clock_rate=producer.codec.clock_rate,
                participant_id=producer.participant_id,
                started_at=time.time(),
            ),
        )
        self._writers.append(writer)
        if self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._flush_forever())
        return TrackRecorder(writer)

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
