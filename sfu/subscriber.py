"""SubscriberTransport: the participant's receiving connection; one m-line per Consumer."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from aiortc import RTCRtpTransceiver, RTCSessionDescription
from aiortc.rtcrtpparameters import RTCRtpSendParameters

from config.settings import RtcSettings
from sfu import aiortc_bridge as bridge
from sfu import rtcp
from sfu.bandwidth import CUT, VideoTrack, allocate_receive_budget
from sfu.codec import AUDIO_LEVEL_URI, extension_id, negotiated_codec, preferences_for
from sfu.consumer import Consumer
from sfu.description import SessionDescription, applying, check_answer
from sfu.errors import InvalidDescription, InvalidState
from sfu.link_estimate import Feedback, LinkEstimate
from sfu.producer import Producer
from sfu.sequence import SequenceRewriter
from sfu.transport import ConnectionStateListener, WebRtcTransport
from sfu.types import MediaKind, ReceivedVideo, Role, SubscriberOffer, TrackInfo

ForwardingRule = Callable[[str, Producer], bool]
"""Whether the subscriber (by id) may receive the producer now: the router's rules."""
Preference = Callable[[Producer], int]
"""Under a receive cap, lower goes first: 0 the active speaker, 1 a featured publisher (the
host), 2 the others; the first video, when it ranks below 2, is the main tile."""
OTHERS = 2
REMB_FRESH_S = 2.5
"""A REMB older than this is not the listener's word on the last second."""
LOSS_SAMPLE_PACKETS = 30
"""Loss is said once this many packets were expected in the reports read since."""
RETRANSMISSION_SHARE = 0.15
"""Of a bounded link's bound, what may go to resending lost packets each second."""
UPSTREAM_DAMAGE = 0.02
"""A publisher losing more than this before the SFU: its listeners' reports are its echo."""
ReceivedVideoListener = Callable[[str, ReceivedVideo], None]
"""Told (subscriber id, what its cap does to its videos) each time that changes."""


class Negotiation(enum.StrEnum):
    """Where the server-offered connection stands; one offer is out at a time."""

    STABLE = "stable"
    """The client's answer matches the producers, or nothing was offered yet."""
    OFFER_DUE = "offer_due"
    """Producers came or went: an offer should be made (the listener was told)."""
    AWAITING_ANSWER = "awaiting_answer"
    """An offer is being made or waits for the client's answer."""
    STALE = "stale"
    """Producers changed while an offer awaited its answer: offer again after it."""


@dataclass(eq=False)
class _Slot:
    """One sending m-line; it outlives its consumer and is reused for the next producer
    of the same kind and codec, with its numbering continuing (no new SSRC for the client).
    """

    transceiver: RTCRtpTransceiver
    kind: MediaKind
    mime_type: str
    rewriter: SequenceRewriter
    consumer: Consumer | None = None
    parameters: RTCRtpSendParameters | None = None
    rtcp_handle: bridge.RtcpHandle | None = field(default=None, repr=False)

    def on_rtcp(self, packet: rtcp.AnyRtcpPacket) -> None:
        if self.consumer is not None:
            self.consumer.on_rtcp(packet)


class SubscriberTransport(WebRtcTransport):
    """The SFU offers, the client answers; renegotiated only when producers come or go."""

    role = Role.SUBSCRIBER

    def __init__(
        self,
        settings: RtcSettings,
        participant_id: str,
        on_state: ConnectionStateListener,
        rule: ForwardingRule,
        preference: Preference = lambda producer: OTHERS,
        on_received_video: ReceivedVideoListener | None = None,
    ) -> None:
        super().__init__(settings, participant_id, on_state)
        self._rule = rule
        self._preference = preference
        self._on_received_video = on_received_video
        self.received_video = ReceivedVideo()
        self._slots: list[_Slot] = []
        self._direct: set[int] = set()
        """The DTLS transports (by id) whose SRTCP is read in the socket callback."""
        self._wanted: dict[str, Producer] = {}
        self.consumers: dict[str, Consumer] = {}
        """By producer id."""
        self._cut: set[str] = set()
        """Producer ids whose video the receive cap cut at its last decision."""
        self.receive_limit_bps: int | None = None
        self.downlink = LinkEstimate()
        self._reports_seen: dict[str, tuple[int, int, int]] = {}
        """Per producer id: reports read so far, and the last one's lost and highest."""
        self._loss_sample = [0, 0]
        """Packets lost and expected in the reports read since loss was last said."""
        self._retransmission_budget = [0]
        self._next_step_bps: int | None = None
        """What the first layer the link's estimate held back would need."""
        self.enforced: dict[str, object] = {"video": "full"}
        self._negotiation_listener: Callable[[], None] | None = None
        self.negotiation = Negotiation.STABLE

    # --- negotiation --------------------------------------------------------------------------

    def on_negotiation_needed(self, callback: Callable[[], None]) -> None:
        """`callback` is told each time an offer becomes due; it should call create_offer()."""
        self._negotiation_listener = callback

    def _set_negotiation(self, state: Negotiation) -> None:
        """The one place the negotiation state moves; an offer falling due is announced."""
        old = self.negotiation
        if state is old:
            return
        self.negotiation = state
        self._log.info("negotiation %s -> %s", old, state)
        if state is Negotiation.OFFER_DUE and self._negotiation_listener is not None:
            self._negotiation_listener()

    def add_producer(self, producer: Producer) -> None:
        if producer.participant_id == self.participant_id or producer.id in self._wanted:
            return
        self._wanted[producer.id] = producer
        self._negotiation_needed()

    def remove_producer(self, producer: Producer) -> None:
        if self._wanted.pop(producer.id, None) is None:
            return
        consumer = self.consumers.pop(producer.id, None)
        self._cut.discard(producer.id)
        self._reports_seen.pop(producer.id, None)
        if consumer is not None:
            consumer.close()
            for slot in self._slots:
                if slot.consumer is consumer:
                    slot.consumer = None
                    slot.transceiver.direction = "inactive"
        self._negotiation_needed()

    def _negotiation_needed(self) -> None:
        if self.closed:
            return
        if self.negotiation is Negotiation.STABLE:
            self._set_negotiation(Negotiation.OFFER_DUE)
        elif self.negotiation is Negotiation.AWAITING_ANSWER:
            self._set_negotiation(Negotiation.STALE)

    async def create_offer(self) -> SubscriberOffer:
        """An offer with one send-only m-line per producer this subscriber may receive.

        Refused while another offer awaits its answer (InvalidState)."""
        self._ensure_open()
        if self.negotiation in (Negotiation.AWAITING_ANSWER, Negotiation.STALE):
            raise InvalidState("an offer is already waiting for an answer")
        self._set_negotiation(Negotiation.AWAITING_ANSWER)
        try:
            for producer in self._wanted.values():
                if producer.id not in self.consumers and not producer.closed:
                    self._add_consumer(producer)
            await self.pc.setLocalDescription(await self.pc.createOffer())
        except BaseException:
            if not self.closed:
                self._set_negotiation(Negotiation.STABLE)
            raise
        for slot in self._slots:
            dtls = slot.transceiver.sender.transport
            if id(dtls) not in self._direct:
                self._direct.add(id(dtls))
                bridge.receive_srtp_directly(dtls, None)  # the listeners' reports and NACKs
        tracks = [
            TrackInfo(str(slot.transceiver.mid), slot.consumer.producer.participant_id, slot.kind)
            for slot in self._slots
            if slot.consumer is not None
        ]
        return SubscriberOffer(sdp=str(self.pc.localDescription.sdp), tracks=tracks)

    async def accept_answer(self, answer_sdp: str) -> None:
        """Apply the client's answer; a rejected one starts over with a fresh offer."""
        self._ensure_open()
        if self.negotiation not in (Negotiation.AWAITING_ANSWER, Negotiation.STALE):
            raise InvalidState("no offer is waiting for an answer")
        offer = self.pc.localDescription
        if offer is None:  # still being made
            raise InvalidState("no offer is waiting for an answer yet")
        try:
            check_answer(answer_sdp, SessionDescription.parse(offer.sdp))
            with applying("answer"):
                await self.pc.setRemoteDescription(RTCSessionDescription(answer_sdp, "answer"))
        except InvalidDescription:
            self._set_negotiation(Negotiation.OFFER_DUE)
            raise
        if self.negotiation is Negotiation.STALE:
            self._set_negotiation(Negotiation.OFFER_DUE)
        else:
            self._set_negotiation(Negotiation.STABLE)

    def _add_consumer(self, producer: Producer) -> None:
        slot = next(
            (
                s
                for s in self._slots
                if s.consumer is None
                and s.kind is producer.kind
                and s.mime_type == producer.codec.mime_type.lower()
            ),
            None,
        )
        if slot is None:
            transceiver = self.pc.addTransceiver(producer.kind.value, direction="sendonly")
            transceiver.setCodecPreferences(preferences_for(producer.codec, producer.kind))
            slot = _Slot(
                transceiver=transceiver,
                kind=producer.kind,
                mime_type=producer.codec.mime_type.lower(),
                rewriter=SequenceRewriter(producer.codec.clock_rate),
            )
            bridge.take_over_sender(transceiver.sender, partial(self._on_slot_ready, slot))
            self._slots.append(slot)
        else:
            slot.transceiver.direction = "sendonly"
            slot.rewriter.reanchor()
        ssrc, rtx_ssrc = bridge.sender_ssrcs(slot.transceiver.sender)
        consumer = Consumer(producer, self.participant_id, ssrc, rtx_ssrc, slot.rewriter)
        slot.consumer = consumer
        self.consumers[producer.id] = consumer
        if slot.parameters is not None:  # a reused m-line: already negotiated
            self._bind(slot)

    def _on_slot_ready(self, slot: _Slot, parameters: RTCRtpSendParameters) -> None:
        """aiortc starts the sender once the m-line is negotiated and DTLS is up."""
        if self.closed:
            return
        dtls = slot.transceiver.sender.transport
        if slot.rtcp_handle is None:
            ssrc = bridge.sender_ssrcs(slot.transceiver.sender)[0]
            slot.rtcp_handle = bridge.register_rtcp_sender(dtls, slot, ssrc, parameters)
        slot.parameters = parameters
        self._bind(slot)

    def _bind(self, slot: _Slot) -> None:
        consumer = slot.consumer
        if consumer is None or slot.parameters is None:
            return
        consumer.mid = str(slot.transceiver.mid)
        consumer.bind(
            negotiated_codec(slot.parameters),
            extension_id(slot.parameters, AUDIO_LEVEL_URI),
            bridge.rtp_output(slot.transceiver.sender.transport),
        )
        consumer.set_state(self._decide(consumer))

    # --- forwarding state ---------------------------------------------------------------------

    def _decide(self, consumer: Consumer) -> Consumer.State:
        """The rules first, then the receive cap's last word on video."""
        if not self._rule(self.participant_id, consumer.producer):
            return Consumer.State.WITHHELD
        if consumer.kind is MediaKind.VIDEO and consumer.producer.id in self._cut:
            return Consumer.State.CUT
        return Consumer.State.FORWARDING

    def apply_rules(self) -> None:
        """The router's rules changed: re-decide every negotiated consumer."""
        for consumer in self._bound():
            consumer.set_state(self._decide(consumer))

    def set_receive_limit(self, bps: int | None) -> None:
        self.receive_limit_bps = bps
        self._apply_cap()

    def _apply_cap(self) -> None:
        """Fit the consumers the rules allow into the receive limit (audio first, then the
        speaker's video) and tell the listener when what it gets changes."""
        # A paused producer (muted) reaches nobody: what its publisher still sends is free.
        allowed = [
            c
            for c in self._bound()
            if c.state is not Consumer.State.WITHHELD and not c.producer.paused
        ]
        ranked = sorted(
            (self._preference(c.producer), str(c.mid), c)
            for c in allowed
            if c.kind is MediaKind.VIDEO
        )
        video = {mid: c for _, mid, c in ranked}
        limits = [b for b in (self.receive_limit_bps, self.downlink.bps) if b is not None]
        allocation = allocate_receive_budget(
            min(limits, default=None),
            sum(c.producer.received.bitrate_bps for c in allowed if c.kind is MediaKind.AUDIO),
            [
                VideoTrack(
                    mid,
                    c.producer.layer_bitrates(),
                    c.target_layer,
                    main=index == 0 and rank < OTHERS,
                )
                for index, (rank, mid, c) in enumerate(ranked)
            ],
        )
        self.enforced = allocation.enforced
        self._tell(
            ReceivedVideo(
                reduced=tuple(
                    sorted(video[k].producer.participant_id for k in allocation.reduced())
                ),
                off=tuple(sorted(video[k].producer.participant_id for k in allocation.off())),
            )
        )
        network_bound = self.downlink.bps is not None and (
            self.receive_limit_bps is None or self.downlink.bps < self.receive_limit_bps
        )
        # Only a layer the link holds back is worth growing the link's estimate for.
        self._next_step_bps = allocation.next_step_bps if network_bound else None
        if network_bound and any(
            layer > video[mid].target_layer for mid, layer in allocation.layers.items()
        ):
            self.downlink.stepped_up(time.monotonic())
        for mid, layer in allocation.layers.items():
            consumer = video[mid]
            consumer.set_target_layer(layer)
            if layer == CUT:
                self._cut.add(consumer.producer.id)
            else:
                self._cut.discard(consumer.producer.id)
            consumer.set_state(self._decide(consumer))

    def _tell(self, received: ReceivedVideo) -> None:
        if received == self.received_video:
            return
        self.received_video = received
        if self._on_received_video is not None:
            self._on_received_video(self.participant_id, received)

    def _bound(self) -> list[Consumer]:
        return [
            c
            for c in self.consumers.values()
            if c.state not in (Consumer.State.UNBOUND, Consumer.State.CLOSED)
        ]

    def tick(self) -> None:
        for consumer in self.consumers.values():
            consumer.tick()
        feedback = self._feedback()
        before = self.downlink.bps
        after = self.downlink.update(feedback, self._next_step_bps)
        if after is not None and (before is None or after < before):
            self._loss_sample = [0, 0]  # counted before the decrease: says nothing after it
            self._log.info(
                "downlink bound %s kbit/s: sent %s kbit/s, loss %s, remb %s",
                after // 1000,
                feedback.sent_bps // 1000,
                None if feedback.loss is None else round(feedback.loss, 3),
                None if feedback.remb_bps is None else feedback.remb_bps // 1000,
            )
        self._budget_retransmissions()
        self._apply_cap()

    def _budget_retransmissions(self) -> None:
        """On a bounded link, resend at most `RETRANSMISSION_SHARE` of the bound a second:
        a link that lost packets to congestion must not be filled again with their copies,
        or the sound it carries is lost with them."""
        bound = self.downlink.bps
        self._retransmission_budget[0] = (
            int(bound * RETRANSMISSION_SHARE / 8) if bound is not None else 0
        )
        budget = self._retransmission_budget if bound is not None else None
        for consumer in self.consumers.values():
            consumer.retransmission_budget = budget

    def _feedback(self) -> Feedback:
        """The last second of this listener's connection: what was sent, the loss in the
        reports that came since, and a fresh REMB.

        Loss is counted in packets, from each report's cumulative counters, and said only
        once `LOSS_SAMPLE_PACKETS` were expected: a report on a second of audio covers a few
        packets, and one lost of three is no 33 % loss."""
        now = time.monotonic()
        rembs: list[tuple[float, int]] = []
        for producer_id, consumer in self.consumers.items():
            seen = self._reports_seen.get(producer_id)
            if seen is None or consumer.reports != seen[0]:
                self._reports_seen[producer_id] = (consumer.reports, *consumer.reported)
                if seen is not None and consumer.reported[1] > seen[2]:
                    self._loss_sample[0] += max(0, consumer.reported[0] - seen[1])
                    self._loss_sample[1] += consumer.reported[1] - seen[2]
            if consumer.remb_bps is not None and now - consumer.remb_at < REMB_FRESH_S:
                rembs.append((consumer.remb_at, consumer.remb_bps))
        loss = None
        lost, expected = self._loss_sample
        if expected >= LOSS_SAMPLE_PACKETS:
            loss = min(1.0, lost / expected)
            self._loss_sample = [0, 0]
        sent = sum(c.sent.bitrate_bps for c in self.consumers.values())
        if any(
            c.forwarding and c.producer.upstream_loss > UPSTREAM_DAMAGE
            for c in self.consumers.values()
        ):
            # What arrives was damaged before the SFU: the listener's loss and its REMB
            # say nothing of its own link this second.
            return Feedback(now=now, sent_bps=sent, loss=None, remb_bps=None)
        return Feedback(
            now=now, sent_bps=sent, loss=loss, remb_bps=max(rembs)[1] if rembs else None
        )

    def _close_media(self) -> None:
        for slot in self._slots:
            if slot.rtcp_handle is not None:
                bridge.unregister_rtcp_sender(slot.transceiver.sender.transport, slot.rtcp_handle)
                slot.rtcp_handle = None
            slot.consumer = None
        for consumer in self.consumers.values():
            consumer.close()
        self.consumers.clear()
        self._wanted.clear()
        self._reports_seen.clear()

    def stats(self) -> dict[str, object]:
        return {
            "state": self.connection_state,
            "negotiation": self.negotiation.value,
            "receive_limit_kbps": (
                None if self.receive_limit_bps is None else self.receive_limit_bps // 1000
            ),
            "downlink_kbps": None if self.downlink.bps is None else self.downlink.bps // 1000,
            "enforced": self.enforced,
            "bitrate_kbps": sum(c.sent.bitrate_bps for c in self.consumers.values()) // 1000,
            "consumers": {c.mid or c.producer.id: c.stats() for c in self.consumers.values()},
        }
