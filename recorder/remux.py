"""A track log turned into a playable file after the reception, without re-encoding.

`read_frames` gives the track's whole frames with their presentation time (a composer
can take them from there); `remux_track` writes them with PyAV into WebM (VP8, Opus) or
MP4/MKV (H.264): the stream is made for the codec, the codec's packets are written as
they came, and the video begins at its first key frame.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from recorder.depacketize import DepacketizeStats, Frame, frames, vp8_keyframe_size
from recorder.track_log import TrackHeader, read_track

_CODECS = ("vp8", "h264", "opus")


@dataclass(frozen=True, slots=True)
class MediaFrame:
    pts: int
    """In the track's clock (`1/clock_rate`), 0 at the first frame given."""
    pts_seconds: float
    keyframe: bool
    data: bytes


@dataclass(frozen=True, slots=True)
class RemuxReport:
    kind: str
    codec: str
    frames_written: int
    frames_dropped: int
    packets: int
    duplicate_packets: int
    lost_packets: int
    duration: float
    """Seconds from the first frame written to the end of the last one."""
    width: int = 0
    height: int = 0


class RemuxError(Exception):
    code = "remux_failed"


def read_frames(
    log_path: Path, stats: DepacketizeStats | None = None
) -> tuple[TrackHeader, Iterator[MediaFrame]]:
    """The header and an iterator of the whole frames, in order, video from its first key
    frame on; `stats` (if given) is filled as the iterator is consumed."""
    header, packets = read_track(log_path)
    counters = stats if stats is not None else DepacketizeStats()
    return header, _timed(frames(packets, header.codec, counters), header.clock_rate)


def _timed(source: Iterator[Frame], clock_rate: int) -> Iterator[MediaFrame]:
    first: int | None = None
    last_pts = -1
    for frame in source:
        if first is None:
            first = frame.timestamp
        pts = frame.timestamp - first
        if pts <= last_pts:
            continue  # a timestamp going back is a broken sender: keep the output valid
        last_pts = pts
        yield MediaFrame(pts, pts / clock_rate, frame.keyframe, frame.data)


def remux_track(log_path: Path, out_path: Path) -> RemuxReport:
    """Write the track's frames into `out_path` without re-encoding; the container is
    the file's suffix: .webm for VP8 and Opus, .mp4 (faststart) or .mkv for H.264."""
    stats = DepacketizeStats()
    header, media = read_frames(log_path, stats)
    name = header.codec.split("/")[-1].lower()
    if name not in _CODECS:
        raise RemuxError(f"cannot remux {header.codec}")
    time_base = Fraction(1, header.clock_rate)
    first = next(media, None)
    if name == "h264" and first is None:
        raise RemuxError("no H.264 key frame with its parameter sets in the log")
    options = {"movflags": "+faststart"} if out_path.suffix == ".mp4" else {}
    written = 0
    width = height = 0
    end_pts = 0
    with av.open(str(out_path), mode="w", options=options) as container:
        stream = _stream(container, name, first)
        if isinstance(stream, av.VideoStream):
            width, height = stream.width, stream.height
        stream.time_base = time_base
        if name != "h264":  # an encoder's (never used) clock; H.264's context has none
            stream.codec_context.time_base = time_base
        previous: MediaFrame | None = None
        for frame in _chain(first, media):
            if previous is not None:
                container.mux(_packet(previous, frame.pts - previous.pts, stream, time_base))
                written += 1
            previous = frame
        if previous is not None:
            # the last frame lasts as long as the average one (20 ms if it is alone)
            typical = previous.pts // written if written else header.clock_rate // 50
            duration = max(1, typical)
            container.mux(_packet(previous, duration, stream, time_base))
            written += 1
            end_pts = previous.pts + duration
    return RemuxReport(
        kind=header.kind,
        codec=header.codec,
        frames_written=written,
        frames_dropped=stats.dropped_frames,
        packets=stats.packets,
        duplicate_packets=stats.duplicates,
        lost_packets=stats.lost_packets,
        duration=end_pts / header.clock_rate,
        width=width,
        height=height,
    )


def _stream(
    container: av.container.OutputContainer, name: str, first: MediaFrame | None
) -> av.VideoStream | av.AudioStream:
    """A stream for the codec as received: the encoder named is only opened by the muxer
    (which wants the codec's parameters), no frame ever goes through it. H.264's stream
    is copied from the first key frame read as a raw stream: size, profile and the
    SPS/PPS extradata as the sender made them."""
    if name == "h264":
        assert first is not None
        with av.open(io.BytesIO(first.data), format="h264") as raw:
            return container.add_stream_from_template(raw.streams.video[0], opaque=True)
    if name == "vp8":
        video = container.add_stream("libvpx", rate=30)
        assert isinstance(video, av.VideoStream)
        size = vp8_keyframe_size(first.data) if first else None
        video.width, video.height = size or (16, 16)
        video.pix_fmt = "yuv420p"
        return video
    audio = container.add_stream("libopus", rate=48000)
    assert isinstance(audio, av.AudioStream)
    audio.layout = "stereo"  # Opus in RTP is always announced as 2 channels (RFC 7587)
    return audio


def _chain(first: MediaFrame | None, rest: Iterator[MediaFrame]) -> Iterator[MediaFrame]:
    if first is None:
        return
    yield first
    yield from rest


def _packet(
    frame: MediaFrame, duration: int, stream: av.VideoStream | av.AudioStream, tb: Fraction
) -> av.Packet[av.stream.Stream]:
    packet = av.Packet(frame.data)
    packet.stream = stream
    packet.time_base = tb
    packet.pts = frame.pts
    packet.dts = frame.pts
    packet.duration = duration
    packet.is_keyframe = frame.keyframe
    return packet
