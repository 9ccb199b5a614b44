"""Run one ffmpeg command: progress from its own -progress output, cancellation, failure tail.

ffmpeg is the imageio-ffmpeg wheel's static binary, so the embedded default needs nothing
installed on the host. Commands are built with ffmpeg-python (or given as a list of
arguments); this module only adds the options it relies on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import ffmpeg as ffmpeg_python
import imageio_ffmpeg

from transcoder.jobs import JobCancelled, JobContext

log = logging.getLogger(__name__)

TAIL_LINES = 20
"""How many of stderr's last lines a failure keeps (ffmpeg says why at the end)."""


@cache
def ffmpeg_exe() -> str:
    """The path of imageio-ffmpeg's ffmpeg binary."""
    return str(imageio_ffmpeg.get_ffmpeg_exe())


class FfmpegFailed(Exception):
    """ffmpeg exited with a non-zero code; `tail` is the end of its stderr."""

    def __init__(self, returncode: int, tail: str) -> None:
        last = tail.strip().splitlines()[-1] if tail.strip() else "no output"
        super().__init__(f"ffmpeg exited with code {returncode}: {last}")
        self.returncode = returncode
        self.tail = tail


@dataclass(frozen=True, slots=True)
class Progress:
    """One -progress block: how much output is written, and whether ffmpeg is done."""

    out_time_s: float | None
    end: bool
    speed: str | None = None


class ProgressParser:
    """Reads ffmpeg's `-progress` key=value lines; a block ends with `progress=continue|end`.

    The output position comes from `out_time_us`, or `out_time_ms` (which ffmpeg also writes
    in microseconds), or `out_time` (HH:MM:SS.micro); "N/A" before the first frame is
    skipped.
    """

    def __init__(self) -> None:
        self._block: dict[str, str] = {}

    def feed(self, line: str) -> Progress | None:
        """Take one line; return the block it completes, if it completes one."""
        key, sep, value = line.strip().partition("=")
        if not sep:
            return None
        if key != "progress":
            self._block[key] = value.strip()
            return None
        block, self._block = self._block, {}
        return Progress(
            out_time_s=_out_time(block), end=value.strip() == "end", speed=block.get("speed")
        )


def _out_time(block: dict[str, str]) -> float | None:
    for key in ("out_time_us", "out_time_ms"):
        with contextlib.suppress(KeyError, ValueError):
            micros = int(block[key])
            if micros >= 0:
                return micros / 1_000_000
    text = block.get("out_time", "")
    hours, _, rest = text.partition(":")
    minutes, _, seconds = rest.partition(":")
    try:
        value = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None
    return value if value >= 0 else None


def command_args(stream: Any, threads: int = 0) -> list[str]:
    """The arguments after the executable, with the runner's own options added.

    `-threads` goes right before the output file, where it sets the encoder's threads
    (before the inputs it would only set the decoders'): for a list of arguments that is
    the last one; for an ffmpeg-python node, its output's file name (global options such as
    `.overwrite_output()` come after it).
    """
    head = ["-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1"]
    if isinstance(stream, Sequence) and not isinstance(stream, str):
        args = list(stream)
        output = len(args) - 1
    else:
        args = list(ffmpeg_python.get_args(stream))
        output = _output_index(stream, args)
    if threads > 0 and output >= 0:
        args[output:output] = ["-threads", str(threads)]
    return head + args


def _output_index(stream: Any, args: list[str]) -> int:
    node = stream.node
    while node.name != "output" and node.incoming_edges:
        node = node.incoming_edges[0].upstream_node
    filename = node.kwargs.get("filename")
    return len(args) - 1 - args[::-1].index(filename) if filename in args else len(args) - 1


async def run_ffmpeg(
    stream: Any,
    *,
    duration_s: float | None,
    context: JobContext | None = None,
    threads: int = 0,
) -> None:
    """Run ffmpeg to the end, reporting output time / `duration_s` to `context.progress`.

    `stream` is an ffmpeg-python output node or the list of arguments after the executable.
    When `context.cancelled` is set (or this coroutine is cancelled, e.g. by a job timeout)
    ffmpeg is killed at once, so no encoder keeps a core busy for a job nobody waits for.
    Raises JobCancelled, or FfmpegFailed with the tail of stderr.
    """
    args = command_args(stream, threads)
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        ffmpeg_exe(),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    job = context.job_id if context else None
    log.debug("ffmpeg started", extra={"job_id": job, "pid": proc.pid, "args": args})

    async def drain_stderr() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            tail.append(raw.decode(errors="replace").rstrip())

    async def read_progress() -> None:
        assert proc.stdout is not None
        parser = ProgressParser()
        async for raw in proc.stdout:
            block = parser.feed(raw.decode(errors="replace"))
            if block is None or context is None:
                continue
            if block.end:
                await context.progress(1.0, "done")
            elif block.out_time_s is not None and duration_s:
                await context.progress(block.out_time_s / duration_s, block.speed or "")

    readers = asyncio.gather(drain_stderr(), read_progress())
    waiters: list[asyncio.Future[Any]] = [readers]
    cancel_wait = asyncio.ensure_future(context.cancelled.wait()) if context else None
    if cancel_wait is not None:
        waiters.append(cancel_wait)
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        if cancel_wait is not None and cancel_wait.done():
            _kill(proc)
            log.info("ffmpeg killed: job cancelled", extra={"job_id": job, "pid": proc.pid})
            raise JobCancelled(job or "ffmpeg")
        await readers  # re-raises a progress sink's error
        returncode = await proc.wait()
    finally:
        _kill(proc)
        if cancel_wait is not None:
            cancel_wait.cancel()
        if not readers.done():
            readers.cancel()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await readers
        with contextlib.suppress(ProcessLookupError):
            await proc.wait()
    if returncode != 0:
        raise FfmpegFailed(returncode, "\n".join(tail))
    log.debug(
        "ffmpeg finished",
        extra={"job_id": job, "pid": proc.pid, "seconds": round(time.monotonic() - started, 3)},
    )


def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
