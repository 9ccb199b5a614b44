"""Per-consumer RTP sequence number and timestamp rewriting.

A subscriber sees one continuous stream per m-line whatever happens upstream: the producer
pauses and resumes, the publisher restarts its track (new SSRC), the server drops temporal
layers. Each of those is a re-anchoring here, never a jump the receiver would take for loss.
"""

from __future__ import annotations

import random
import time

SEQ_MOD = 1 << 16
TS_MOD = 1 << 32


class SequenceRewriter:
    def __init__(self, clock_rate: int) -> None:
        self._clock_rate = clock_rate
        self._seq_offset = 0
        self._ts_offset = 0
        self._anchored = False
        # random starts, as RFC 3550 asks; lower half of the seq space as aiortc does
        self.last_seq = random.randrange(SEQ_MOD // 2)
        self.last_ts = random.randrange(TS_MOD)
        self.last_sent_at = time.monotonic()

    @property
    def anchored(self) -> bool:
        return self._anchored

    @property
    def ts_offset(self) -> int:
        return self._ts_offset

    def reanchor(self) -> None:
        """The next packet continues from the last one sent, whatever its own numbers."""
        self._anchored = False

    def anchor(self, seq: int, ts: int) -> None:
        elapsed = time.monotonic() - self.last_sent_at
        ts_step = max(1, int(elapsed * self._clock_rate))
        self._seq_offset = (self.last_seq + 1 - seq) % SEQ_MOD
        self._ts_offset = (self.last_ts + ts_step - ts) % TS_MOD
        self._anchored = True

    def rewrite(self, seq: int, ts: int) -> tuple[int, int]:
        out_seq = (seq + self._seq_offset) % SEQ_MOD
        out_ts = (ts + self._ts_offset) % TS_MOD
        if (out_seq - self.last_seq) % SEQ_MOD < SEQ_MOD // 2:  # newer than the last one
            self.last_seq = out_seq
            self.last_ts = out_ts
            self.last_sent_at = time.monotonic()
        return out_seq, out_ts

    def skip(self) -> None:
        """An in-order packet is dropped on purpose: close the gap it would leave."""
        self._seq_offset = (self._seq_offset - 1) % SEQ_MOD
