"""Traffic counters and receive statistics kept on the forwarding path."""

from __future__ import annotations

import time

from sfu.sequence import SEQ_MOD


class TrafficCounter:
    """Packets and bytes, with a bitrate refreshed by `tick()` (once a second)."""

    __slots__ = ("_bytes_at_tick", "_tick_at", "bitrate_bps", "bytes", "packets")

    def __init__(self) -> None:
        self.packets = 0
        self.bytes = 0
        self.bitrate_bps = 0
        self._bytes_at_tick = 0
        self._tick_at = time.monotonic()

    def add(self, size: int) -> None:
        self.packets += 1
        self.bytes += size

    def tick(self) -> None:
        now = time.monotonic()
        elapsed = now - self._tick_at
        if elapsed > 0:
            self.bitrate_bps = int((self.bytes - self._bytes_at_tick) * 8 / elapsed)
        self._bytes_at_tick = self.bytes
        self._tick_at = now


class ReceiveStatistics:
    """RFC 3550 appendix A.3/A.8 statistics of one incoming stream: loss and jitter."""

    def __init__(self, clock_rate: int) -> None:
        self._clock_rate = clock_rate
        self.base_seq: int | None = None
        self.max_seq = 0
        self.cycles = 0
        self.received = 0
        self._jitter = 0.0
        self._last_transit: float | None = None
        self._expected_prior = 0
        self._received_prior = 0

    def add(self, seq: int, ts: int, arrival_s: float) -> None:
        self.received += 1
        if self.base_seq is None:
            self.base_seq = self.max_seq = seq
        elif 0 < (seq - self.max_seq) % SEQ_MOD < SEQ_MOD // 2:
            if seq < self.max_seq:
                self.cycles += SEQ_MOD
            self.max_seq = seq
        else:
            return  # late or repeated: counts as received, not for jitter
        transit = arrival_s * self._clock_rate - ts
        if self._last_transit is not None:
            delta = abs(transit - self._last_transit)
            if delta < self._clock_rate:  # ignore timestamp jumps (source switches)
                self._jitter += (delta - self._jitter) / 16
        self._last_transit = transit

    @property
    def extended_max_seq(self) -> int:
        return self.cycles + self.max_seq

    @property
    def expected(self) -> int:
        if self.base_seq is None:
            return 0
        return self.extended_max_seq - self.base_seq + 1

    @property
    def lost(self) -> int:
        return max(0, self.expected - self.received)

    @property
    def jitter(self) -> int:
        """Interarrival jitter in timestamp units."""
        return int(self._jitter)

    @property
    def jitter_ms(self) -> float:
        return self._jitter * 1000 / self._clock_rate

    def fraction_lost(self) -> int:
        """Loss since the previous call, as the 8-bit fraction of a receiver report."""
        expected = self.expected - self._expected_prior
        received = self.received - self._received_prior
        self._expected_prior = self.expected
        self._received_prior = self.received
        lost = expected - received
        if expected <= 0 or lost <= 0:
            return 0
        return min(255, (lost << 8) // expected)
