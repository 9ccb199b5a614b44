"""Producer: one published track, taken as RTP from the publisher and fanned out as is."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from typing import Protocol

from sfu import rtcp
from sfu.aiortc_bridge import RtpOutput
from sfu.codec import NegotiatedCodec
from sfu.counters import ReceiveStatistics, TrafficCounter
from sfu.link_estimate import Feedback, LinkEstimate
from sfu.rtp import (
    NO_FRAME_INFO,
    FrameInfo,
    RtpView,
    audio_level,
    h264_frame_info,
    vp8_frame_info,
)
from sfu.sequence import SEQ_MOD
from sfu.types import MediaKind

log = logging.getLogger(__name__)

KEYFRAME_REQUEST_INTERVAL_S = 0.3
"""At most one PLI per producer in this time, however many consumers ask."""
KEYFRAME_RETRY_S = 0.35
"""A key frame asked for and not come so long after the PLI is asked for again: an encoder
may ignore requests that come too soon after its last key frame (browsers do), and a
listener must not wait a second more for it."""
NACK_RETRY_S = 0.04
NACK_MAX_TRIES = 3
NACK_MAX_GAP = 200
"""A larger jump is a stream restart, not loss worth asking for."""
LAYER_WINDOW_S = 1.0
UPLINK_SAMPLE_PACKETS = 30
"""Loss is said once this many packets were expected, as for a listener's reports."""

_ids = itertools.count(1)
LevelListener = Callable[["Producer", int, bool], None]


class Sink(Protocol):
    """What a producer needs of whoever takes its packets (a consumer, later a recorder).

    The producer knows only this, so the consumer may know the producer without the two
    modules importing each other.
    """

    def forward(self, view: RtpView, info: FrameInfo, level_byte: int) -> None:
        """Send one packet on; called only while the sink is active."""

    def skip(self) -> None:
        """A packet was dropped upstream (padding): keep the numbering gapless."""

    def resync(self) -> None:
        """The stream restarts (a new source, a resume): start again at a key frame."""

    def close(self) -> None:
        """The producer is gone."""


class Producer:
    """A published audio or video track.

    Nothing is decoded: each packet's header is read once, codec descriptors only as far as
    key frames and temporal layers need, and the payload reaches every active consumer as
    the same bytes object.
    """

    def __init__(
        self,
        participant_id: str,
        kind: MediaKind,
        codec: NegotiatedCodec,
        ssrcs: dict[int, int | None],
        audio_level_id: int,
        feedback: RtpOutput,
        feedback_ssrc: int,
    ) -> None:
        self.id = f"p{next(_ids)}"
        self.participant_id = participant_id
        self.kind = kind
        self.codec = codec
        self.media_ssrc: int | None = next(iter(ssrcs), None)
        self._rtx_ssrcs = {rtx: media for media, rtx in ssrcs.items() if rtx is not None}
        self._audio_level_id = audio_level_id
        self._feedback = feedback
        self._feedback_ssrc = feedback_ssrc
        self._frame_info = (
            h264_frame_info if codec.mime_type.lower() == "video/h264" else vp8_frame_info
        )
        self.paused = False
        self.closed = False
        self.sinks: set[Sink] = set()
        self._active: list[Sink] = []
        self._pending: list[tuple[RtpView, FrameInfo, int] | None] = []
        """What this wake-up read, for the consumers (see _queue)."""
        self._level_listeners: list[LevelListener] = []
        self.received = TrafficCounter()
        self.statistics = ReceiveStatistics(codec.clock_rate)
        self.layer_bytes = [0, 0, 0, 0]
        self.layer_bitrate_bps = [0, 0, 0, 0]
        self.frames = 0
        self.keyframes = 0
        self.keyframe_requests = 0
        self.nacks_sent = 0
        self.retransmissions = 0
        self.level: int | None = None
        """Last RFC 6464 level in -dBov (0 loudest, 127 silence)."""
        self.sender_report: tuple[int, int, float] | None = None
        """(NTP, RTP timestamp, local monotonic arrival) of the publisher's last SR."""
        self.send_limit_bps: int | None = None
        self.uplink = LinkEstimate()
        """The publisher's uplink, from packets gone missing before any repair (video)."""
        self._uplink_sample = [0, 0]
        """Packets missing and expected since the uplink's loss was last said."""
        self._counted_max_seq: int | None = None
        self.upstream_loss = 0.0
        """The publisher's last counted loss before repair: what its listeners' reports
        carry on top of their own links' loss."""
        self._last_pli_at = -1.0
        self._pli_timer: asyncio.TimerHandle | None = None
        self._keyframe_wanted = False
        self._missing: dict[int, int] = {}
        self._highest_seq: int | None = None
        self._nack_timer: asyncio.TimerHandle | None = None
        self._log = logging.LoggerAdapter(log, {"participant": participant_id, "track": kind})

    # --- packets in -------------------------------------------------------------------------

    def on_rtp(self, view: RtpView, arrival_s: float) -> None:
        """Take one packet from the publisher (already routed here by SSRC or payload type)."""
        codec = self.codec
        if view.padding and view.payload and view.payload[-1] >= len(view.payload):
            self._on_padding_only(view, arrival_s)
            return
        if view.payload_type != codec.payload_type:
            if view.payload_type != codec.rtx_payload_type or len(view.payload) < 2:
                return
            media_ssrc = self._rtx_ssrcs.get(view.ssrc, self.media_ssrc)
            if media_ssrc is None:
                return
            view.sequence_number = (view.payload[0] << 8) | view.payload[1]
            view.payload = view.payload[2:]
            view.payload_type = codec.payload_type
            view.ssrc = media_ssrc
            self.retransmissions += 1
        elif view.ssrc != self.media_ssrc:
            self._switch_source(view.ssrc)
        size = len(view.payload)
        self.received.add(size)
        self.statistics.add(view.sequence_number, view.timestamp, arrival_s)
        info = NO_FRAME_INFO
        level_byte = -1
        if self.kind is MediaKind.VIDEO:
            self._track_loss(view.sequence_number)
            info = self._frame_info(view.payload)
            self.layer_bytes[info.temporal_layer] += size
            if view.marker:
                self.frames += 1
            if info.keyframe:
                self.keyframes += 1
                self._keyframe_wanted = False
        else:
            found = audio_level(view, self._audio_level_id)
            if found is not None:
                level_byte = (0x80 if found[0] else 0) | found[1]
                self.level = found[1]
                for listener in self._level_listeners:
                    try:
                        listener(self, found[1], found[0])
                    except Exception:  # the packet must still reach the consumers
                        self._log.exception("audio level listener failed")
        if self.paused:
            return
        self._queue((view, info, level_byte))

    def _on_padding_only(self, view: RtpView, arrival_s: float) -> None:
        """Bandwidth probes carry no media: never forwarded, but on the media SSRC they use
        sequence numbers, which consumers must close up."""
        if view.payload_type != self.codec.payload_type or view.ssrc != self.media_ssrc:
            return  # RTX padding has its own numbering: nothing to account for
        self.statistics.add(view.sequence_number, view.timestamp, arrival_s)
        if self.kind is MediaKind.VIDEO:
            self._track_loss(view.sequence_number)
        if not self.paused:
            self._queue(None)

    def _queue(self, packet: tuple[RtpView, FrameInfo, int] | None) -> None:
        """Packets read in one wake-up are sent listener by listener, not packet by packet.

        A frame's packets arrive together; sending each listener all of them in a row
        wakes its receiver once per frame rather than once per packet, and costs the
        server a tenth less at fifty listeners (sfu/README.md). The burst goes out at the
        end of the wake-up that read it: no packet waits for a later one.
        """
        if not self._pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self._pending.append(packet)

    def flush(self) -> None:
        """Send what was queued to every active consumer, in order (None: a dropped probe)."""
        pending = self._pending
        if not pending:
            return
        self._pending = []
        if self.closed:
            return
        for sink in self._active:
            for packet in pending:
                if packet is None:
                    sink.skip()
                else:
                    sink.forward(*packet)

    def _switch_source(self, ssrc: int) -> None:
        if self.media_ssrc is not None:
            self._log.info("source switched %s -> %s", self.media_ssrc, ssrc)
        self.media_ssrc = ssrc
        self.statistics = ReceiveStatistics(self.codec.clock_rate)
        self._counted_max_seq = None
        self._uplink_sample = [0, 0]
        self._missing.clear()
        self._highest_seq = None
        for sink in self.sinks:
            sink.resync()
        self.request_keyframe()

    def _track_loss(self, seq: int) -> None:
        if self._missing.pop(seq, None) is not None:
            return
        previous = self._highest_seq
        gap = 1 if previous is None else (seq - previous) % SEQ_MOD
        if gap == 0 or gap >= SEQ_MOD // 2:
            return  # repeated or late
        self._highest_seq = seq
        if 1 < gap <= NACK_MAX_GAP:
            self._uplink_sample[0] += gap - 1
            for lost in range(1, gap):
                self._missing[(seq - lost) % SEQ_MOD] = 0
            self._send_nacks()

    def _send_nacks(self) -> None:
        self._nack_timer = None
        if self.media_ssrc is None or self.closed:
            return
        due = [seq for seq, tries in self._missing.items() if tries < NACK_MAX_TRIES]
        for seq in list(self._missing):
            self._missing[seq] += 1
            if self._missing[seq] > NACK_MAX_TRIES:
                del self._missing[seq]
        if due:
            self.nacks_sent += 1
            self._feedback(rtcp.nack(self._feedback_ssrc, self.media_ssrc, due))
        if self._missing and self._nack_timer is None:
            loop = asyncio.get_running_loop()
            self._nack_timer = loop.call_later(NACK_RETRY_S, self._send_nacks)

    def on_sender_report(self, packet: rtcp.RtcpSrPacket) -> None:
        info = packet.sender_info
        self.sender_report = (info.ntp_timestamp, info.rtp_timestamp, time.monotonic())

    # --- control ----------------------------------------------------------------------------

    def request_keyframe(self) -> None:
        """Ask the publisher for a key frame (PLI) and keep asking until one comes: at most
        one PLI per interval, however many consumers wait, each the earliest it may go."""
        if self.kind is not MediaKind.VIDEO or self.closed:
            return
        self._keyframe_wanted = True
        if self._pli_timer is not None:
            return  # a PLI is already due: it serves this request too
        wait = self._last_pli_at + KEYFRAME_REQUEST_INTERVAL_S - time.monotonic()
        if wait <= 0:
            self._send_pli()
        else:
            self._pli_timer = asyncio.get_running_loop().call_later(wait, self._pli_due)

    def _pli_due(self) -> None:
        self._pli_timer = None
        if self._keyframe_wanted:
            self._send_pli()

    def _send_pli(self) -> None:
        if self.media_ssrc is None or self.closed:
            return  # the first packets will come with a request of their own
        if self._feedback(rtcp.pli(self._feedback_ssrc, self.media_ssrc)):
            self._last_pli_at = time.monotonic()
            self.keyframe_requests += 1
        self._pli_timer = asyncio.get_running_loop().call_later(KEYFRAME_RETRY_S, self._pli_due)

    def set_paused(self, paused: bool) -> None:
        """Publisher-side pause (the moderator's mute): nobody gets this track."""
        if paused == self.paused:
            return
        self.paused = paused
        if not paused:
            for sink in self._active:
                sink.resync()
            self.request_keyframe()

    def on_level(self, listener: LevelListener) -> None:
        self._level_listeners.append(listener)

    def attach(self, sink: Sink) -> None:
        self.sinks.add(sink)

    def detach(self, sink: Sink) -> None:
        self.sinks.discard(sink)
        self.set_active(sink, False)

    def set_active(self, sink: Sink, active: bool) -> None:
        """Whether packets go to this sink; an attached sink starts inactive."""
        if active and sink not in self._active:
            self._active.append(sink)
        elif not active and sink in self._active:
            self._active.remove(sink)

    @property
    def active_consumers(self) -> int:
        return len(self._active)

    def tick(self) -> None:
        """Once a second: bitrates, the receiver report and the publisher's bitrate cap."""
        self.received.tick()
        self.layer_bitrate_bps = [int(b * 8 / LAYER_WINDOW_S) for b in self.layer_bytes]
        self.layer_bytes = [0, 0, 0, 0]
        if self.media_ssrc is None or self.closed:
            return
        stats = self.statistics
        lsr = dlsr = 0
        if self.sender_report is not None:
            ntp, _, arrived = self.sender_report
            lsr = rtcp.ntp_middle(ntp)
            dlsr = int((time.monotonic() - arrived) * 65536)
        self._feedback(
            rtcp.receiver_report(
                self._feedback_ssrc,
                self.media_ssrc,
                stats.fraction_lost(),
                stats.lost,
                stats.extended_max_seq,
                stats.jitter,
                lsr,
                dlsr,
            )
        )
        if self.kind is MediaKind.VIDEO:
            self._estimate_uplink()
        self.send_remb()

    def _estimate_uplink(self) -> None:
        """Count a second of the publisher's packets: gone missing against expected."""
        highest = self.statistics.extended_max_seq
        if self._counted_max_seq is not None:
            arrived = max(0, highest - self._counted_max_seq)
            self._uplink_sample[1] += arrived
            if not arrived:
                self.upstream_loss = 0.0  # nothing sent (muted, gone): nothing damaged
        self._counted_max_seq = highest
        missing, expected = self._uplink_sample
        loss = None
        if expected >= UPLINK_SAMPLE_PACKETS:
            loss = self.upstream_loss = min(1.0, missing / expected)
            self._uplink_sample = [0, 0]
        before = self.uplink.bps
        after = self.uplink.update(
            Feedback(time.monotonic(), self.received.bitrate_bps, loss, remb_bps=None)
        )
        if after is not None and (before is None or after < before):
            self._uplink_sample = [0, 0]  # counted before the decrease: says nothing after it
            self._log.info("uplink bound %s kbit/s: loss %s", after // 1000, loss)

    @property
    def remb_bps(self) -> int | None:
        """The video bitrate asked of the publisher: the moderator's and the uplink's bound."""
        bounds = [b for b in (self.send_limit_bps, self.uplink.bps) if b is not None]
        return min(bounds, default=None)

    def send_remb(self) -> None:
        """Cap the publisher's video bitrate (REMB); repeated, as browsers expire it."""
        limit = self.remb_bps
        if self.kind is not MediaKind.VIDEO or limit is None:
            return
        if self.media_ssrc is not None and not self.closed:
            self._feedback(rtcp.remb(self._feedback_ssrc, limit, [self.media_ssrc]))

    def layer_bitrates(self) -> list[int]:
        """Bitrate of each temporal layer present, lowest first (one entry when unlayered)."""
        top = max((i for i, b in enumerate(self.layer_bitrate_bps) if b), default=0)
        return self.layer_bitrate_bps[: top + 1]

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for timer in (self._pli_timer, self._nack_timer):
            if timer is not None:
                timer.cancel()
        for sink in list(self.sinks):
            sink.close()
        self._level_listeners.clear()

    def stats(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "codec": self.codec.mime_type,
            "paused": self.paused,
            "bitrate_kbps": self.received.bitrate_bps // 1000,
            "packets": self.received.packets,
            "bytes": self.received.bytes,
            "packets_lost": self.statistics.lost,
            "jitter_ms": round(self.statistics.jitter_ms, 2),
            "frames": self.frames,
            "keyframes": self.keyframes,
            "keyframe_requests": self.keyframe_requests,
            "nacks_sent": self.nacks_sent,
            "retransmissions_received": self.retransmissions,
            "temporal_layers_kbps": [b // 1000 for b in self.layer_bitrates()],
            "send_limit_kbps": None if self.send_limit_bps is None else self.send_limit_bps // 1000,
            "uplink_kbps": None if self.uplink.bps is None else self.uplink.bps // 1000,
            "audio_level_dbov": None if self.level is None else -self.level,
            "consumers": self.active_consumers,
        }
