"""A recorded reception made of really encoded media: each participant's camera is a
solid colour (VP8 from aiortc's encoder), their microphone a tone or silence (Opus), sent
only while on air, logged as the SFU's sink logs it (arrival time, RTP fields, payload)."""

from __future__ import annotations

import fractions
import math
from array import array
from dataclasses import dataclass
from pathlib import Path

import av
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.opus import OpusEncoder
from aiortc.codecs.vpx import Vp8Encoder

from recorder.track_log import TrackHeader, TrackLogWriter

FPS = 15
OPUS_SAMPLES = 960
RTP_WRAP = 1 << 32
SEQ_WRAP = 1 << 16


@dataclass(frozen=True)
class Sender:
    participant_id: str
    colour: tuple[int, int, int]
    """Y, U, V (limited range)."""
    tone_hz: float | None
    """None: silence."""
    amplitude: float = 0.25


def _delay(index: int) -> float:
    """Network delay, deterministic: 20..60 ms."""
    return 0.02 + 0.01 * ((index * 7) % 5)


def write_video(
    path: Path,
    sender: Sender,
    started_at: float,
    stretches: list[tuple[float, float]],
    codec: str = "video/VP8",
    resized_at: float | None = None,
) -> None:
    """Frames of the sender's colour at `FPS` (VP8, or H.264 as aiortc packetizes it), each
    stretch (wall clock) opening on a key frame, as the router asks for one at each; from
    `resized_at` on 640x360 instead of 320x240, as a browser adapts to its bandwidth."""
    header = TrackHeader("video", codec, 90000, sender.participant_id, started_at)
    writer = TrackLogWriter(path, header)
    encoder = H264Encoder() if codec == "video/H264" else Vp8Encoder()
    base = RTP_WRAP - 90000 * 2  # the RTP timestamp wraps two seconds in
    seq = 65_000
    for start, end in stretches:
        first = math.ceil((start - started_at) * FPS)
        last = int((end - started_at) * FPS)
        for index in range(first, last):
            resized = resized_at is not None and started_at + index / FPS >= resized_at
            image = av.VideoFrame(*((640, 360) if resized else (320, 240)), "yuv420p")
            for plane, value in zip(image.planes, sender.colour, strict=True):
                plane.update(bytes([value]) * plane.buffer_size)
            image.pts = index
            image.time_base = fractions.Fraction(1, FPS)
            payloads, ts = encoder.encode(image, force_keyframe=index == first)
            arrival = started_at + index / FPS + _delay(index)
            for n, payload in enumerate(payloads):
                marker = n == len(payloads) - 1
                writer.append(arrival, seq % SEQ_WRAP, (base + ts) % RTP_WRAP, marker, payload)
                seq += 1
    writer.close()


def write_audio(
    path: Path, sender: Sender, started_at: float, stretches: list[tuple[float, float]]
) -> None:
    """20 ms Opus packets of the sender's tone (or silence) within the stretches."""
    header = TrackHeader("audio", "audio/opus", 48000, sender.participant_id, started_at)
    writer = TrackLogWriter(path, header)
    encoder = OpusEncoder()
    base = 1_234_567
    seq = 100
    for start, end in stretches:
        first = math.ceil((start - started_at) * 50)
        last = int((end - started_at) * 50)
        for index in range(first, last):
            pcm = array("h")
            for n in range(index * OPUS_SAMPLES, (index + 1) * OPUS_SAMPLES):
                value = 0.0
                if sender.tone_hz is not None:
                    value = math.sin(2 * math.pi * sender.tone_hz * n / 48000) * sender.amplitude
                pcm.extend((int(value * 32767),) * 2)
            frame = av.AudioFrame(format="s16", layout="stereo", samples=OPUS_SAMPLES)
            frame.planes[0].update(pcm.tobytes())
            frame.sample_rate = 48000
            frame.pts = index * OPUS_SAMPLES
            frame.time_base = fractions.Fraction(1, 48000)
            payloads, ts = encoder.encode(frame)
            arrival = started_at + index / 50 + _delay(index)
            for payload in payloads:
                writer.append(arrival, seq % SEQ_WRAP, (base + ts) % RTP_WRAP, False, payload)
                seq += 1
    writer.close()
