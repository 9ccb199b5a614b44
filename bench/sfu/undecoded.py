"""Listeners that keep aiortc's whole receive path but do not decode.

aiortc's RTCRtpReceiver reassembles frames in its jitter buffer, sends receiver reports,
REMB and NACKs and asks for key frames on the event loop, then queues each complete frame
for a decoder thread. Fifty VP8 decoders do not fit on the client cores next to the
publisher, and even a thread that only passes frames on costs two threads per listener and
a lock and a loop wake-up per frame. So the benchmark's counting listeners start no decoder
work: the frame queue of each receiver is replaced by a call, on the event loop, with the
frame's bytes. Everything before it is aiortc's; what is lost is the PLI aiortc sends
after a decoding error.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any

from aiortc import RTCRtpReceiver, rtcrtpreceiver

FrameHandler = Callable[[bytes], None]


class FrameSink:
    """Takes the place of the receiver's decoder queue: `put((codec, frame))`."""

    def __init__(self, on_frame: FrameHandler) -> None:
        self._on_frame = on_frame

    def put(self, task: tuple[Any, Any] | None) -> None:
        if task is not None:  # None: the receiver stops
            self._on_frame(task[1].data)


def _no_decoder(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    """The decoder thread's body: nothing to do, the frames go to a FrameSink."""


def keep_frames_encoded() -> None:
    """Receivers started after this call in this process start an idle decoder thread."""
    rtcrtpreceiver.decoder_worker = _no_decoder


def count_frames(receiver: RTCRtpReceiver, on_frame: FrameHandler) -> None:
    """Hand the receiver's complete frames to `on_frame` (see keep_frames_encoded)."""
    receiver._RTCRtpReceiver__decoder_queue = FrameSink(on_frame)  # type: ignore[attr-defined]


def is_vp8_keyframe(frame: bytes) -> bool:
    """The P bit of the VP8 frame tag (RFC 6386 9.1) is 0 on a key frame."""
    return bool(frame) and not frame[0] & 0x01
