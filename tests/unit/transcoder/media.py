"""Small real media files for the transcoder's tests, made by the bundled ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

from transcoder.ffmpeg import ffmpeg_exe


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
