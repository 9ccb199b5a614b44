"""For the transcoder's tests: small real media files (made by the bundled ffmpeg), and
waiting for a job to reach a state."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from pathlib import Path

from transcoder.ffmpeg import ffmpeg_exe
from transcoder.jobs import JobStatus
from transcoder.queue import JobQueue


def make_media(path: Path, *args: str) -> Path:
    """Run ffmpeg with `args` and `path` as its output."""
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-y", *args, str(path)],
        check=True,
        timeout=20,
    )
    return path


def make_clip(path: Path, seconds: float, size: str = "320x240") -> Path:
    """An H.264 + AAC mp4 with a moving picture and a tone."""
    return make_media(
        path,
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
    )  # fmt: skip


async def wait_for(
    jobs: JobQueue, job_id: str, done: Callable[[JobStatus], bool], timeout: float = 15
) -> JobStatus:
    """Poll the job's status until `done` holds; TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            status = await jobs.status(job_id)
            if status is not None and done(status):
                return status
            await asyncio.sleep(0.05)
