"""Loss on either leg is repaired by NACK + retransmission; receivers get sender reports."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest
from aiortc import RTCPeerConnection

from sfu import MediaKind, Router
from tests.aiortc_hooks import filter_rtp, filter_sent_rtp
from tests.helpers import wait_until
from tests.integration.sfu.peers import Clients, change

pytestmark = pytest.mark.timeout(40)


def every_nth_video_packet(n: int, video_payload_types: set[int]) -> Callable[[bytes], bool]:
    """A filter dropping every n-th first transmission of video (never RTX, never audio)."""
    counter = itertools.count(1)

    def keep(data: bytes) -> bool:
        if data[1] & 0x7F not in video_payload_types:
            return True
        return next(counter) % n != 0

    return keep


def vp8_payload_types(pc: RTCPeerConnection) -> set[int]:
    return {int(pt) for pt in re.findall(r"a=rtpmap:(\d+) VP8/90000", pc.localDescription.sdp)}


async def test_loss_towards_a_subscriber_is_repaired_from_the_consumer_history(
    router: Router, clients: Clients
) -> None:
    await clients.publisher("speaker")
    change(router, "speaker", on_air=True)
    lossy = await clients.subscriber("lossy")
    await wait_until(lambda: lossy.frames_of("speaker", "video") >= 3, timeout=10)
    dtls = lossy.pc.getTransceivers()[0].receiver.transport
    filter_rtp(dtls, every_nth_video_packet(10, vp8_payload_types(lossy.pc)))
    consumer = next(
        c for c in router.subscribers["lossy"].consumers.values() if c.kind is MediaKind.VIDEO
    )
    start = lossy.frames_of("speaker", "video")
    await wait_until(lambda: consumer.retransmitted >= 5, timeout=10, message="retransmissions")
    await wait_until(lambda: lossy.frames_of("speaker", "video") >= start + 60, timeout=5)
    assert consumer.nacks_received > 0
    assert consumer.codec is not None
    assert consumer.codec.rtx_payload_type is not None  # resent as RTX, as negotiated


async def test_loss_from_the_publisher_is_asked_for_again_upstream(
    router: Router, clients: Clients
) -> None:
    speaker = await clients.publisher("speaker")
    change(router, "speaker", on_air=True)
    listener = await clients.subscriber("listener")
    await wait_until(lambda: listener.frames_of("speaker", "video") >= 3, timeout=10)
    dtls = speaker.pc.getTransceivers()[0].sender.transport
    filter_sent_rtp(dtls, every_nth_video_packet(10, vp8_payload_types(speaker.pc)))
    producer = next(p for p in router.producers() if p.kind is MediaKind.VIDEO)
    start = listener.frames_of("speaker", "video")
    await wait_until(lambda: producer.retransmissions >= 5, timeout=10, message="RTX upstream")
    await wait_until(lambda: listener.frames_of("speaker", "video") >= start + 60, timeout=5)
    assert producer.nacks_sent > 0


async def test_subscribers_get_sender_reports_for_lip_sync(
    router: Router, clients: Clients
) -> None:
    await clients.publisher("speaker")
    change(router, "speaker", on_air=True)
    listener = await clients.subscriber("listener")

    async def reported_kinds() -> set[str]:
        kinds = set()
        for transceiver in listener.pc.getTransceivers():
            report = await transceiver.receiver.getStats()
            if any(s.type == "remote-outbound-rtp" and s.packetsSent > 0 for s in report.values()):
                kinds.add(transceiver.kind)
        return kinds

    assert await wait_until(reported_kinds, timeout=6) == {"audio", "video"}
    consumer = next(iter(router.subscribers["listener"].consumers.values()))
    await wait_until(lambda: consumer.rtt_ms is not None, timeout=6, message="RTT from RR")
