"""SubscriberTransport: the participant's receiving connection; one m-line per Consumer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from aiortc import RTCRtpTransceiver, RTCSessionDescription
from aiortc.rtcrtpparameters import RTCRtpSendParameters

from config.settings import RtcSettings
from sfu import aiortc_bridge as bridge
from sfu import rtcp
from sfu.bandwidth import allocate_receive_budget
from sfu.codec import AUDIO_LEVEL_URI, extension_id, negotiated_codec, preferences_for
from sfu.consumer import Consumer
from sfu.errors import InvalidDescription
from sfu.producer import Producer
from sfu.sequence import SequenceRewriter
from sfu.transport import ConnectionStateListener, WebRtcTransport
from sfu.types import MediaKind, Role, SubscriberOffer, TrackInfo

ForwardingRule = Callable[[str, Producer], bool]


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
    ) -> None:
        super().__init__(settings, participant_id, on_state)
        self._rule = rule
        self._slots: list[_Slot] = []
        self._wanted: dict[str, Producer] = {}
        self.consumers: dict[str, Consumer] = {}
        """By producer id."""
        self.held = False
        self.receive_limit_bps: int | None = None
        self.enforced: dict[str, object] = {"video": "full"}
        self._negotiation_listener: Callable[[], None] | None = None
        self._offer_pending = False
        self._needs_negotiation = False

    # --- negotiation --------------------------------------------------------------------------

    def on_negotiation_needed(self, callback: Callable[[], None]) -> None:
        self._negotiation_listener = callback

    def add_producer(self, producer: Producer) -> None:
        if producer.participant_id == self.participant_id or producer.id in self._wanted:
            return
        self._wanted[producer.id] = producer
        self._negotiation_needed()

    def remove_producer(self, producer: Producer) -> None:
        if self._wanted.pop(producer.id, None) is None:
            return
        consumer = self.consumers.pop(producer.id, None)
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
        if self._offer_pending:
            self._needs_negotiation = True
        elif self._negotiation_listener is not None:
            self._negotiation_listener()

    async def create_offer(self) -> SubscriberOffer:
        """An offer with one send-only m-line per producer this subscriber may receive."""
        self._ensure_open()
        for producer in self._wanted.values():
            if producer.id not in self.consumers and not producer.closed:
                self._add_consumer(producer)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self._offer_pending = True
        tracks = [
            TrackInfo(str(slot.transceiver.mid), slot.consumer.producer.participant_id, slot.kind)
            for slot in self._slots
            if slot.consumer is not None
        ]
        return SubscriberOffer(sdp=str(self.pc.localDescription.sdp), tracks=tracks)

    async def accept_answer(self, answer_sdp: str) -> None:
        self._ensure_open()
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(answer_sdp, "answer"))
        except (ValueError, AssertionError, KeyError) as exc:
            raise InvalidDescription(f"answer cannot be applied: {exc}") from exc
        self._offer_pending = False
        if self._needs_negotiation:
            self._needs_negotiation = False
            self._negotiation_needed()

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
        consumer.allowed = self._rule(self.participant_id, producer) and not self.held
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

    # --- forwarding state ---------------------------------------------------------------------

    def apply_rules(self) -> None:
        for consumer in self.consumers.values():
            consumer.allowed = not self.held and self._rule(self.participant_id, consumer.producer)
            consumer.refresh()

    def set_held(self, held: bool) -> None:
        self.held = held
        self.apply_rules()

    def set_receive_limit(self, bps: int | None) -> None:
        self.receive_limit_bps = bps
        self._apply_cap()

    def _apply_cap(self) -> None:
        allowed = [c for c in self.consumers.values() if c.allowed and c.negotiated]
        self.enforced = allocate_receive_budget(self.receive_limit_bps, allowed)
        for consumer in self.consumers.values():
            consumer.refresh()

    def consumers_of(self, producers: Iterable[Producer]) -> list[Consumer]:
        ids = {p.id for p in producers}
        return [c for c in self.consumers.values() if c.producer.id in ids]

    def tick(self) -> None:
        for consumer in self.consumers.values():
            consumer.tick()
        self._apply_cap()

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

    def stats(self) -> dict[str, object]:
        return {
            "state": self.connection_state,
            "held": self.held,
            "receive_limit_kbps": (
                None if self.receive_limit_bps is None else self.receive_limit_bps // 1000
            ),
            "enforced": self.enforced,
            "bitrate_kbps": sum(c.sent.bitrate_bps for c in self.consumers.values()) // 1000,
            "consumers": {c.mid or c.producer.id: c.stats() for c in self.consumers.values()},
        }
