"""Consumer: one producer's track as one subscriber receives it (one sending m-line)."""

from __future__ import annotations

import enum
import logging
import time

from sfu import rtcp
from sfu.aiortc_bridge import ForwardingOutput
from sfu.codec import NegotiatedCodec
from sfu.counters import TrafficCounter
from sfu.errors import InvalidState
from sfu.producer import Producer
from sfu.rtp import (
    ALL_LAYERS,
    RTP_VERSION_BITS,
    FrameInfo,
    RtpView,
    audio_level_extension,
    write_header,
)
from sfu.sequence import SequenceRewriter
from sfu.types import MediaKind

log = logging.getLogger(__name__)

HISTORY_SIZE = 512
"""Video packets kept for retransmission: about five seconds at 1 Mbit/s."""
KEYFRAME_RETRY_S = 1.0
RTT_ALPHA = 0.85
SR_KEPT = 4


class Consumer:
    """Rewrites and sends one producer's packets to one subscriber.

    Sequence numbers and timestamps are continuous per consumer; video starts (and resumes)
    only at a key frame; lost packets are resent from a history of what was sent, as RTX
    when the subscriber negotiated it; temporal layers above the allowed one are dropped at
    frame boundaries. Whether packets flow at all is `state`, which its subscriber
    transport decides from the router's rules and the receive cap.
    """

    class State(enum.StrEnum):
        UNBOUND = "unbound"
        """The subscriber's m-line is not negotiated yet: nothing can be sent."""
        WITHHELD = "withheld"
        """The rules do not give this track to this subscriber now (off air, held). A
        muted publisher's consumers stay FORWARDING: its producer pauses for everyone."""
        CUT = "cut"
        """Video the subscriber's receive cap leaves no room for."""
        FORWARDING = "forwarding"
        CLOSED = "closed"

    def __init__(
        self,
        producer: Producer,
        subscriber_id: str,
        ssrc: int,
        rtx_ssrc: int,
        rewriter: SequenceRewriter,
    ) -> None:
        self.producer = producer
        self.subscriber_id = subscriber_id
        self.kind = producer.kind
        self.ssrc = ssrc
        self.rtx_ssrc = rtx_ssrc
        self.mid: str | None = None
        self.codec: NegotiatedCodec | None = None
        self._output: ForwardingOutput | None = None
        self._audio_level_id = 0
        self._rewriter = rewriter
        self._history: list[tuple[int, int, bool, bool, bytes] | None] = (
            [None] * HISTORY_SIZE if self.kind is MediaKind.VIDEO else []
        )
        self._rtx_seq = 0
        self.state = Consumer.State.UNBOUND
        self.target_layer = ALL_LAYERS
        self._layer = ALL_LAYERS
        self._last_in_ts: int | None = None
        self._waiting_since: float | None = None
        self._log = logging.LoggerAdapter(log, {"participant": subscriber_id, "track": producer.id})
        self.sent = TrafficCounter()
        self.frames = 0
        self.dropped_by_cap = 0
        self.nacks_received = 0
        self.retransmitted = 0
        self.keyframe_requests_received = 0
        self.fraction_lost = 0.0
        self.packets_lost = 0
        self.jitter_ms = 0.0
        self.rtt_ms: float | None = None
        self.remb_bps: int | None = None
        self.remb_at = 0.0
        self.reports = 0
        """Receiver reports about this consumer so far: its transport reads the fresh ones."""
        self.retransmission_budget: list[int] | None = None
        """Bytes this consumer may still resend this second, shared by its transport's
        consumers while the listener's link is bounded (None: no bound)."""
        self.retransmissions_refused = 0
        self.reported: tuple[int, int] = (0, 0)
        """The last report's cumulative packets lost and extended highest sequence number."""
        self._sr_sent: dict[int, float] = {}
        producer.attach(self)

    @property
    def forwarding(self) -> bool:
        return self.state is Consumer.State.FORWARDING

    def bind(self, codec: NegotiatedCodec, audio_level_id: int, output: ForwardingOutput) -> None:
        """The subscriber's m-line is negotiated: payload types and extension ids are known.

        The consumer is WITHHELD until its transport decides otherwise."""
        self.codec = codec
        self._audio_level_id = audio_level_id
        self._output = output
        if self.state is Consumer.State.UNBOUND:
            self._set_state(Consumer.State.WITHHELD)

    def set_state(self, state: Consumer.State) -> None:
        """Move to WITHHELD, CUT or FORWARDING; only a bound, open consumer moves."""
        if self.state in (Consumer.State.UNBOUND, Consumer.State.CLOSED) or state in (
            Consumer.State.UNBOUND,
            Consumer.State.CLOSED,
        ):
            raise InvalidState(f"consumer of {self.producer.id}: {self.state} -> {state}")
        self._set_state(state)

    def _set_state(self, state: Consumer.State) -> None:
        """The one place the state moves: packets start (at a key frame) or stop here."""
        old = self.state
        if state is old:
            return
        self.state = state
        self._log.debug("consumer %s -> %s", old, state)
        forwarding = state is Consumer.State.FORWARDING
        if state is Consumer.State.CLOSED:
            self.producer.detach(self)
        else:
            self.producer.set_active(self, forwarding)
        if forwarding:
            self.resync()
        elif old is Consumer.State.FORWARDING and self._history:
            # Nothing sent now can be asked for again, and what was sent before is no use
            # once video resumes at a key frame: a reception's off-air consumers (every
            # citizen's to every receiver) would otherwise each keep a full history.
            self._history = [None] * HISTORY_SIZE

    def resync(self) -> None:
        """Continue numbering from the last packet sent; video waits for a key frame."""
        self._rewriter.reanchor()
        self._last_in_ts = None
        if self.kind is MediaKind.VIDEO:
            self._waiting_since = time.monotonic()
            self.producer.request_keyframe()

    def set_target_layer(self, layer: int) -> None:
        self.target_layer = layer

    # --- the forwarding path ------------------------------------------------------------------

    def forward(self, view: RtpView, info: FrameInfo, level_byte: int) -> None:
        codec = self.codec
        output = self._output
        if codec is None or output is None:
            return
        rewriter = self._rewriter
        if not rewriter.anchored:
            if self.kind is MediaKind.VIDEO:
                if not info.keyframe:
                    return
                self._layer = self.target_layer
                self._waiting_since = None
            rewriter.anchor(view.sequence_number, view.timestamp)
            self._last_in_ts = view.timestamp
        elif self.kind is MediaKind.VIDEO and view.timestamp != self._last_in_ts:
            self._last_in_ts = view.timestamp
            self._switch_layer_at_frame_start(info)
        if info.temporal_layer > self._layer:
            rewriter.skip()
            self.dropped_by_cap += 1
            return
        seq, ts = rewriter.rewrite(view.sequence_number, view.timestamp)
        first = (RTP_VERSION_BITS | 0x20) if view.padding else RTP_VERSION_BITS
        if level_byte >= 0 and self._audio_level_id:
            first |= 0x10
            extension = audio_level_extension(self._audio_level_id, level_byte)
        else:
            extension = b""
            if self._history:
                self._history[seq % HISTORY_SIZE] = (
                    seq,
                    ts,
                    view.marker,
                    view.padding,
                    view.payload,
                )
        second = (0x80 | codec.payload_type) if view.marker else codec.payload_type
        if output.rtp(first, second, seq, ts, self.ssrc, extension, view.payload):
            self.sent.add(len(view.payload))
            if view.marker:
                self.frames += 1

    def _switch_layer_at_frame_start(self, info: FrameInfo) -> None:
        target = self.target_layer
        if target < self._layer:
            self._layer = target  # dropping upper layers is safe at any frame start
        elif target > self._layer and (
            info.keyframe or (info.layer_sync and self._layer < info.temporal_layer <= target)
        ):
            self._layer = target if info.keyframe else info.temporal_layer

    def skip(self) -> None:
        """The producer drops a packet (padding): keep the numbering gapless."""
        if self._rewriter.anchored:
            self._rewriter.skip()

    # --- feedback from the subscriber ---------------------------------------------------------

    def on_rtcp(self, packet: rtcp.AnyRtcpPacket) -> None:
        if rtcp.is_nack(packet):
            assert isinstance(packet, rtcp.RtcpRtpfbPacket)
            self.nacks_received += 1
            for seq in packet.lost:
                self._retransmit(seq)
        elif rtcp.is_keyframe_request(packet):
            self.keyframe_requests_received += 1
            self.producer.request_keyframe()
        elif rtcp.is_remb(packet):
            assert isinstance(packet, rtcp.RtcpPsfbPacket)
            self.remb_bps = rtcp.remb_bitrate(packet)
            self.remb_at = time.monotonic()
        elif isinstance(packet, (rtcp.RtcpRrPacket, rtcp.RtcpSrPacket)):
            for report in packet.reports:
                if report.ssrc == self.ssrc:
                    self.reported = (report.packets_lost, report.highest_sequence)
                    self._on_report(
                        report.fraction_lost,
                        report.packets_lost,
                        report.jitter,
                        report.lsr,
                        report.dlsr,
                    )

    def _on_report(self, fraction: int, lost: int, jitter: int, lsr: int, dlsr: int) -> None:
        self.fraction_lost = fraction / 256
        self.reports += 1
        self.packets_lost = lost
        self.jitter_ms = jitter * 1000 / self.producer.codec.clock_rate
        sent_at = self._sr_sent.get(lsr)
        if sent_at is not None and lsr:
            rtt = (time.monotonic() - sent_at - dlsr / 65536) * 1000
            if rtt >= 0:
                self.rtt_ms = (
                    rtt
                    if self.rtt_ms is None
                    else (RTT_ALPHA * self.rtt_ms + (1 - RTT_ALPHA) * rtt)
                )

    def _retransmit(self, seq: int) -> None:
        entry = self._history[seq % HISTORY_SIZE] if self._history else None
        if entry is None or entry[0] != seq or self.codec is None or self._output is None:
            return
        _, ts, marker, padding, payload = entry
        if self.retransmission_budget is not None:
            if self.retransmission_budget[0] < len(payload):
                self.retransmissions_refused += 1
                return
            self.retransmission_budget[0] -= len(payload)
        rtx_pt = self.codec.rtx_payload_type
        if rtx_pt is None:
            data = (
                write_header(marker, self.codec.payload_type, seq, ts, self.ssrc, padding, False)
                + payload
            )
        else:
            self._rtx_seq = (self._rtx_seq + 1) & 0xFFFF
            data = (
                write_header(marker, rtx_pt, self._rtx_seq, ts, self.rtx_ssrc, padding, False)
                + seq.to_bytes(2, "big")
                + payload
            )
        if self._output(data):
            self.retransmitted += 1

    # --- periodic work ------------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: bitrate, the sender report, and a key frame we still wait for."""
        self.sent.tick()
        waiting = self._waiting_since
        if (
            waiting is not None
            and self.forwarding
            and time.monotonic() - waiting > KEYFRAME_RETRY_S
        ):
            self._waiting_since = time.monotonic()
            self.producer.request_keyframe()
        report = self._sender_report()
        if report is not None and self._output is not None:
            self._output(report)

    def _sender_report(self) -> bytes | None:
        """An SR mapping wall clock to this consumer's timestamps (lip sync for receivers)."""
        if not self._rewriter.anchored or not self.sent.packets:
            return None
        now = time.monotonic()
        ntp = rtcp.ntp_now()
        clock = self.producer.codec.clock_rate
        source = self.producer.sender_report
        if source is not None:
            _, src_rtp, arrived = source
            rtp_ts = src_rtp + int((now - arrived) * clock) + self._rewriter.ts_offset
        else:
            rtp_ts = self._rewriter.last_ts + int((now - self._rewriter.last_sent_at) * clock)
        middle = rtcp.ntp_middle(ntp)
        self._sr_sent[middle] = now
        if len(self._sr_sent) > SR_KEPT:  # a report may echo any of the last few SRs
            del self._sr_sent[next(iter(self._sr_sent))]
        return rtcp.sender_report(self.ssrc, ntp, rtp_ts, self.sent.packets, self.sent.bytes)

    def close(self) -> None:
        self._set_state(Consumer.State.CLOSED)

    def stats(self) -> dict[str, object]:
        return {
            "producer": self.producer.id,
            "publisher": self.producer.participant_id,
            "kind": self.kind.value,
            "mid": self.mid,
            "state": self.state.value,
            "forwarding": self.forwarding and not self.producer.paused,
            "waiting_for_keyframe": self._waiting_since is not None,
            "bitrate_kbps": self.sent.bitrate_bps // 1000,
            "packets": self.sent.packets,
            "bytes": self.sent.bytes,
            "frames": self.frames,
            "packets_lost": self.packets_lost,
            "fraction_lost": round(self.fraction_lost, 3),
            "jitter_ms": round(self.jitter_ms, 2),
            "rtt_ms": None if self.rtt_ms is None else round(self.rtt_ms, 1),
            "nacks_received": self.nacks_received,
            "retransmitted": self.retransmitted,
            "retransmissions_refused": self.retransmissions_refused,
            "keyframe_requests": self.keyframe_requests_received,
            "temporal_layer": None if self.kind is MediaKind.AUDIO else self._layer,
            "dropped_by_cap": self.dropped_by_cap,
            "remb_kbps": None if self.remb_bps is None else self.remb_bps // 1000,
        }
