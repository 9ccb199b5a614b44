"""What a media file holds, read with PyAV (there is no ffprobe in the imageio-ffmpeg wheel).

`probe_mp4_with_video` is the gate for uploaded and recorded mp4 files: it refuses a file
that only looks like one (a renamed text file, a half-copied upload, a recording whose writer
died before the index was written) before any job spends minutes on it.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

ISO_BMFF = "mov,mp4,m4a,3gp,3g2,mj2"
"""PyAV's (libavformat's) name of the mp4/mov family demuxer."""


class NotMedia(Exception):
    """The file is not a readable media file (of the kind asked for); the message says why."""


@dataclass(frozen=True, slots=True)
class VideoStream:
    codec: str
    width: int
    height: int
    fps: float | None


@dataclass(frozen=True, slots=True)
class AudioStream:
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True, slots=True)
class MediaInfo:
    format: str
    """The demuxer's name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm"."""
    duration_s: float | None
    video: tuple[VideoStream, ...]
    audio: tuple[AudioStream, ...]


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Container, duration and streams of a media file; NotMedia if it cannot be read."""
    with _open(path) as container:
        return _info(container)


def probe_mp4_with_video(path: str | os.PathLike[str]) -> MediaInfo:
    """Probe, and accept only a complete mp4/mov with video whose first frame decodes.

    Beyond what the demuxer checks, the file's top-level boxes must all end within the file:
    a file cut short after its index (moov first, "fast start") still opens and decodes its
    first frame, and only the box walk sees that its media data runs past the end.
    """
    name = Path(path).name
    with _open(path) as container:
        info = _info(container)
        if info.format != ISO_BMFF:
            raise NotMedia(f"{name} is not an MP4 file (it is {info.format})")
        if not info.video:
            raise NotMedia(f"{name} has no video")
        if not info.duration_s or info.duration_s <= 0:
            raise NotMedia(f"{name} has no duration (the file is incomplete)")
        _check_boxes(path, name)
        try:
            frame = next(container.decode(video=0), None)
        except (av.FFmpegError, ValueError) as exc:
            raise NotMedia(f"{name}: the video cannot be decoded ({exc})") from exc
        if frame is None:
            raise NotMedia(f"{name}: the video has no frame that decodes")
    return info


class _open:
    """av.open as a context manager that turns every failure into NotMedia."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = path
        self._container: Any = None

    def __enter__(self) -> Any:
        name = Path(self._path).name
        if not os.path.isfile(self._path):
            raise NotMedia(f"{name} does not exist or is not a file")
        try:
            self._container = av.open(os.fspath(self._path), mode="r")
        except (av.FFmpegError, ValueError, UnicodeDecodeError) as exc:
            raise NotMedia(f"{name} is not a readable media file ({_reason(exc)})") from exc
        return self._container

    def __exit__(self, *exc: object) -> None:
        self._container.close()


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "strerror", None) or exc)


def _info(container: Any) -> MediaInfo:
    duration = container.duration / 1_000_000 if container.duration else None
    video = tuple(
        VideoStream(
            codec=stream.codec_context.name,
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            fps=float(stream.average_rate or stream.guessed_rate or 0) or None,
        )
        for stream in container.streams.video
    )
    audio = tuple(
        AudioStream(
            codec=stream.codec_context.name,
            sample_rate=stream.codec_context.sample_rate,
            channels=stream.codec_context.channels,
        )
        for stream in container.streams.audio
    )
    return MediaInfo(format=container.format.name, duration_s=duration, video=video, audio=audio)


def _check_boxes(path: str | os.PathLike[str], name: str) -> None:
    """Walk the top-level ISO-BMFF boxes; every one must end within the file."""
    size = os.path.getsize(path)
    offset = 0
    seen: set[bytes] = set()
    with open(path, "rb") as file:
        while offset < size:
            file.seek(offset)
            header = file.read(16)
            if len(header) < 8:
                raise NotMedia(f"{name} is cut short (a box header at byte {offset})")
            box_size, box_type = struct.unpack(">I4s", header[:8])
            if box_size == 1:
                if len(header) < 16:
                    raise NotMedia(f"{name} is cut short (a box header at byte {offset})")
                (box_size,) = struct.unpack(">Q", header[8:16])
            elif box_size == 0:
                box_size = size - offset  # "to the end of the file"
            if box_size < 8 or offset + box_size > size:
                kind = box_type.decode("latin-1")
                raise NotMedia(
                    f"{name} is cut short: its {kind!r} box needs {offset + box_size} bytes, "
                    f"the file has {size}"
                )
            seen.add(box_type)
            offset += box_size
    if b"moov" not in seen:
        raise NotMedia(f"{name} has no index (moov box): the file is incomplete")
