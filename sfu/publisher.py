"""PublisherTransport: the participant's own connection; each received track is a Producer."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from aiortc import RTCDtlsTransport, RTCRtpTransceiver, RTCSessionDescription
from aiortc.rtcrtpparameters import RTCRtpReceiveParameters

from config.settings import RtcSettings
from sfu import aiortc_bridge as bridge
from sfu import rtcp
from sfu.codec import AUDIO_LEVEL_URI, extension_id, is_forwardable, negotiated_codec
from sfu.description import SessionDescription, applying, check_offer
from sfu.producer import Producer
from sfu.rtp import parse_rtp
from sfu.transport import ConnectionStateListener, WebRtcTransport
from sfu.types import MediaKind, Role

ProducerListener = Callable[[Producer], None]
RECEIVING = ("recvonly", "sendrecv")
"""Answer directions of an m-line the publisher still sends on."""


class PublisherTransport(WebRtcTransport):
    """The client offers, the SFU answers; received RTP is demultiplexed to producers."""

    role = Role.PUBLISHER

    def __init__(
        self,
        settings: RtcSettings,
        participant_id: str,
        on_state: ConnectionStateListener,
        on_producer: ProducerListener,
        on_producer_closed: ProducerListener,
    ) -> None:
        super().__init__(settings, participant_id, on_state)
        self.producers: dict[str, Producer] = {}
        """By the m-line's mid."""
        self._on_producer = on_producer
        self._on_producer_closed = on_producer_closed
        self._by_ssrc: dict[int, Producer] = {}
        self._by_payload_type: dict[int, Producer] = {}
        self._prepared: set[RTCRtpTransceiver] = set()
        self._intercepted: set[int] = set()
        self._direct: set[int] = set()
        self._rtcp_handles: dict[str, tuple[RTCDtlsTransport, bridge.RtcpHandle]] = {}
        """By the m-line's mid, as producers."""
        self.malformed_packets = 0
        self.send_limit_bps: int | None = None
        self._offer: SessionDescription | None = None
        """The last offer applied: a renegotiation keeps its sections."""

    async def accept_offer(self, offer_sdp: str) -> str:
        """Apply the client's offer and return the SDP answer (receive-only m-lines)."""
        self._ensure_open()
        offer = check_offer(offer_sdp, self._offer)
        with applying("offer"):
            await self.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        self._offer = offer
        for transceiver in self.pc.getTransceivers():
            if transceiver in self._prepared:
                continue
            self._prepared.add(transceiver)
            bridge.take_over_receiver(
                transceiver.receiver, partial(self._start_producer, transceiver)
            )
            dtls = transceiver.receiver.transport
            if id(dtls) not in self._intercepted:
                self._intercepted.add(id(dtls))
                bridge.intercept_rtp(dtls, self._on_rtp)
        with applying("offer"):  # the answer is what the offer made of the transceivers
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        for transceiver in self.pc.getTransceivers():
            mid = str(transceiver.mid)
            if mid in self.producers and transceiver.currentDirection not in RECEIVING:
                self._stop_producer(mid)
            dtls = transceiver.receiver.transport
            if id(dtls) not in self._direct:
                self._direct.add(id(dtls))
                bridge.receive_srtp_directly(dtls, self._on_rtp)
        return str(self.pc.localDescription.sdp)

    def _stop_producer(self, mid: str) -> None:
        """The publisher stopped sending on this m-line (a renegotiation, not a departure)."""
        producer = self.producers.pop(mid)
        for table in (self._by_ssrc, self._by_payload_type):
            for key in [key for key, routed in table.items() if routed is producer]:
                del table[key]
        handle = self._rtcp_handles.pop(mid, None)
        if handle is not None:
            bridge.unregister_rtcp_receiver(*handle)
        producer.close()
        self._log.info("producer %s: the publisher stopped its %s", producer.id, producer.kind)
        self._on_producer_closed(producer)

    def _start_producer(
        self, transceiver: RTCRtpTransceiver, parameters: RTCRtpReceiveParameters
    ) -> None:
        mid = str(transceiver.mid)
        if mid in self.producers or self.closed:
            return
        codec = negotiated_codec(parameters)
        if not is_forwardable(codec):
            self._log.warning("track %s uses %s, which is not forwarded", mid, codec.mime_type)
            return
        dtls = transceiver.receiver.transport
        producer = Producer(
            participant_id=self.participant_id,
            kind=MediaKind(transceiver.kind),
            codec=codec,
            ssrcs={e.ssrc: (e.rtx.ssrc if e.rtx else None) for e in parameters.encodings},
            audio_level_id=extension_id(parameters, AUDIO_LEVEL_URI),
            feedback=bridge.rtp_output(dtls),
            feedback_ssrc=bridge.sender_ssrcs(transceiver.sender)[0],
        )
        producer.send_limit_bps = self.send_limit_bps
        self.producers[mid] = producer
        for encoding in parameters.encodings:
            self._by_ssrc[encoding.ssrc] = producer
            if encoding.rtx:
                self._by_ssrc[encoding.rtx.ssrc] = producer
        for payload_type in (codec.payload_type, codec.rtx_payload_type):
            if payload_type is not None:
                self._by_payload_type[payload_type] = producer
        handle = bridge.register_rtcp_receiver(dtls, _SenderReports(self), parameters)
        self._rtcp_handles[mid] = (dtls, handle)
        self._log.info("producer %s: %s %s", producer.id, producer.kind, codec.mime_type)
        self._on_producer(producer)

    def _on_rtp(self, data: bytes, arrival_ms: int) -> None:
        """The hot path: every decrypted packet of this connection comes through here."""
        try:
            view = parse_rtp(data)
        except ValueError:
            self.malformed_packets += 1
            return
        producer = self._by_ssrc.get(view.ssrc)
        if producer is None:
            producer = self._by_payload_type.get(view.payload_type)
            if producer is None:
                return
            self._by_ssrc[view.ssrc] = producer  # an SSRC the SDP did not announce
            for dtls, handle in self._rtcp_handles.values():
                bridge.learn_ssrc(dtls, handle, view.ssrc)
        producer.on_rtp(view, arrival_ms / 1000)

    def on_sender_report(self, packet: rtcp.RtcpSrPacket) -> None:
        producer = self._by_ssrc.get(packet.ssrc)
        if producer is not None:
            producer.on_sender_report(packet)

    def set_send_limit(self, bps: int | None) -> None:
        self.send_limit_bps = bps
        for producer in self.producers.values():
            producer.send_limit_bps = bps
            producer.send_remb()

    def tick(self) -> None:
        for producer in self.producers.values():
            producer.tick()

    def _close_media(self) -> None:
        for dtls, handle in self._rtcp_handles.values():
            bridge.unregister_rtcp_receiver(dtls, handle)
        self._rtcp_handles.clear()
        for producer in self.producers.values():
            producer.close()

    def stats(self) -> dict[str, object]:
        return {
            "state": self.connection_state,
            "send_limit_kbps": None if self.send_limit_bps is None else self.send_limit_bps // 1000,
            "malformed_packets": self.malformed_packets,
            "producers": {mid: p.stats() for mid, p in self.producers.items()},
        }


class _SenderReports:
    """Receives the publisher's RTCP that aiortc routes by SSRC (its sender reports)."""

    def __init__(self, transport: PublisherTransport) -> None:
        self._transport = transport

    def on_rtcp(self, packet: rtcp.AnyRtcpPacket) -> None:
        if isinstance(packet, rtcp.RtcpSrPacket):
            self._transport.on_sender_report(packet)
