"""The built-in `convert_webm` job: any media file to WebM (VP9 + Opus) for the browser.

The VP9 settings (VP9_OPTIONS) are compared against the alternatives in transcoder/README.md.

The output is written under a temporary name beside the target and renamed when ffmpeg has
succeeded, so a reader never finds a half-written file under the target's name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from pathlib import Path
from typing import Any

import ffmpeg as ffmpeg_python

from transcoder.ffmpeg import run_ffmpeg
from transcoder.jobs import JobContext, JobHandler
from transcoder.probe import probe

log = logging.getLogger(__name__)

CONVERT_WEBM = "convert_webm"

VP9_OPTIONS: dict[str, Any] = {
    "c:v": "libvpx-vp9",
    "deadline": "realtime",
    "cpu-used": 8,
    "row-mt": 1,
    "tile-columns": 2,
    "crf": 32,
    "b:v": 0,
    "pix_fmt": "yuv420p",
}
"""`crf` with `b:v 0` is constant quality: what an archive wants, not a bitrate."""

OPUS_OPTIONS: dict[str, Any] = {"c:a": "libopus", "b:a": "96k"}


def webm_command(
    source: str | os.PathLike[str], target: str | os.PathLike[str], *, audio: bool
) -> Any:
    """The ffmpeg-python node for one conversion (the benchmark runs it directly too)."""
    stream = ffmpeg_python.input(os.fspath(source))
    inputs = [stream["v:0"], stream["a:0"]] if audio else [stream["v:0"]]
    options = {**VP9_OPTIONS, **(OPUS_OPTIONS if audio else {})}
    return ffmpeg_python.output(*inputs, os.fspath(target), format="webm", **options)


def convert_webm_handler(threads: int = 0) -> JobHandler:
    """The `convert_webm` handler, running ffmpeg with `threads` (0: ffmpeg chooses)."""

    async def convert_webm(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
        source = Path(params["source"])
        target = Path(params["target"])
        info = await asyncio.to_thread(probe, source)
        if not info.video:
            raise ValueError(f"{source.name} has no video to convert")
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
        command = webm_command(source, partial, audio=bool(info.audio))
        try:
            await run_ffmpeg(command, duration_s=info.duration_s, context=context, threads=threads)
            os.replace(partial, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
        log.info(
            "converted to webm",
            extra={"job_id": context.job_id, "source": str(source), "target": str(target)},
        )
        return {"target": str(target), "duration_s": info.duration_s}

    return convert_webm
