"""Pre-encoded benchmark media: VP8 640x480@30 at ~1 Mbit/s and Opus, made with the bundled
ffmpeg, plus an all-intra copy of the same video to answer key-frame requests."""

from __future__ import annotations

import fractions
import subprocess
from dataclasses import dataclass
from pathlib import Path

import av
import imageio_ffmpeg

LOOP_SECONDS = 10
FPS = 30
VIDEO_TIME_BASE = fractions.Fraction(1, 90000)
AUDIO_TIME_BASE = fractions.Fraction(1, 48000)
OPUS_FRAME = 960


@dataclass(frozen=True)
class BenchMedia:
    video: list[bytes]
    """Inter-coded frames, one key frame at the start of the loop."""
    intra: list[bytes]
    """The same frames, each coded as a key frame."""
    audio: list[bytes]
    """20 ms Opus packets."""


def _ffmpeg(*args: str) -> None:
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def generate(folder: Path) -> None:
    """Encode the loop once; later runs reuse the files."""
    folder.mkdir(parents=True, exist_ok=True)
    source = ["-f", "lavfi", "-i", f"testsrc2=size=640x480:rate={FPS}", "-t", str(LOOP_SECONDS)]
    vp8 = ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-auto-alt-ref", "0"]
    if not (folder / "video.ivf").exists():
        _ffmpeg(
            *source,
            *vp8,
            "-b:v",
            "1M",
            "-minrate",
            "1M",
            "-maxrate",
            "1M",
            "-g",
            str(LOOP_SECONDS * FPS),
            str(folder / "video.ivf"),
        )
    if not (folder / "intra.ivf").exists():
        _ffmpeg(*source, *vp8, "-b:v", "4M", "-g", "1", str(folder / "intra.ivf"))
    if not (folder / "audio.ogg").exists():
        _ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
            "-t",
            str(LOOP_SECONDS),
            "-c:a",
            "libopus",
            "-b:a",
            "48k",
            "-frame_duration",
            "20",
            str(folder / "audio.ogg"),
        )


def _packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams[0]) if p.size]


def load(folder: Path) -> BenchMedia:
    generate(folder)
    media = BenchMedia(
        video=_packets(folder / "video.ivf"),
        intra=_packets(folder / "intra.ivf"),
        audio=_packets(folder / "audio.ogg"),
    )
    if len(media.video) != len(media.intra):
        raise RuntimeError("the intra copy does not match the video frame by frame")
    return media


def packet(data: bytes, pts: int, time_base: fractions.Fraction) -> av.Packet:  # type: ignore[type-arg]
    out = av.Packet(data)
    out.pts = pts
    out.dts = pts
    out.time_base = time_base
    return out
