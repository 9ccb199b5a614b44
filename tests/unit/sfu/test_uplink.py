"""A publisher's uplink: packets gone missing before repair bound it, told as REMB."""

from __future__ import annotations

from aiortc.rtp import RtcpPacket

from sfu import rtcp
from sfu.producer import Producer
from sfu.rtp import parse_rtp
from sfu.types import MediaKind
from tests.unit.sfu.test_consumer import VP8, vp8_packet


def rembs(feedback: list[bytes]) -> list[int]:
    return [
        bitrate
        for data in feedback
        for packet in RtcpPacket.parse(data)
        if rtcp.is_remb(packet)
        and isinstance(packet, rtcp.RtcpPsfbPacket)
        and (bitrate := rtcp.remb_bitrate(packet)) is not None
    ]


def second_of_packets(producer: Producer, first_seq: int, every_missing: int | None) -> int:
    """A hundred packets, every `every_missing`-th never arriving; returns the next seq."""
    for n in range(100):
        seq = first_seq + n
        if every_missing and n % every_missing == every_missing - 1:
            continue
        producer.on_rtp(parse_rtp(vp8_packet(seq, seq, 0, key=n == 0, last=False, sync=False)), 0)
    producer.tick()
    return first_seq + 100


async def test_a_clean_uplink_is_never_bounded_nor_told() -> None:
    feedback: list[bytes] = []
    producer = Producer(
        "pub", MediaKind.VIDEO, VP8, {555: None}, 0, lambda d: feedback.append(d) or True, 1
    )
    seq = 1
    for _ in range(5):
        seq = second_of_packets(producer, seq, None)
    assert producer.uplink.bps is None
    assert rembs(feedback) == []
    producer.close()


async def test_a_lossy_uplink_is_bounded_and_the_publisher_told() -> None:
    feedback: list[bytes] = []
    producer = Producer(
        "pub", MediaKind.VIDEO, VP8, {555: None}, 0, lambda d: feedback.append(d) or True, 1
    )
    seq = second_of_packets(producer, 1, None)
    seq = second_of_packets(producer, seq, 4)  # a quarter missing
    bound = producer.uplink.bps
    assert bound is not None
    assert bound < producer.received.bitrate_bps
    assert abs(rembs(feedback)[-1] - bound) <= bound // 1000  # REMB's mantissa rounds
    assert producer.stats()["uplink_kbps"] == bound // 1000
    producer.send_limit_bps = bound // 2  # the moderator's limit below it wins
    producer.send_remb()
    assert abs(rembs(feedback)[-1] - bound // 2) <= bound // 1000
    producer.close()
