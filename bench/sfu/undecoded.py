"""Listeners that keep aiortc's whole receive path but do not decode.

aiortc's RTCRtpReceiver reassembles frames in its jitter buffer, sends receiver reports,
REMB and NACKs and asks for key frames on the event loop, then hands each complete frame to
a decoder thread (`decoder_worker`). Fifty VP8 decoders do not fit on the client cores next
to the publisher, so the benchmark's listeners replace only that thread's body: the frame
reaches the track still encoded (a JitterFrame: `data`, `timestamp`), through the same
thread and queue. What is lost is the PLI aiortc sends after a decoding error.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any

from aiortc import rtcrtpreceiver


def pass_encoded_frames(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    """aiortc's decoder_worker, less the decoder."""
    while True:
        task = input_q.get()
        if task is None:
            asyncio.run_coroutine_threadsafe(output_q.put(None), loop)
            break
        _codec, encoded_frame = task
        asyncio.run_coroutine_threadsafe(output_q.put(encoded_frame), loop)


def keep_frames_encoded() -> None:
    """Every receiver started after this call in this process passes frames undecoded."""
    rtcrtpreceiver.decoder_worker = pass_encoded_frames


def is_vp8_keyframe(frame: bytes) -> bool:
    """The P bit of the VP8 frame tag (RFC 6386 9.1) is 0 on a key frame."""
    return bool(frame) and not frame[0] & 0x01
