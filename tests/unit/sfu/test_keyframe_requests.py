"""Key-frame requests: one PLI for many waiting consumers, asked again until a key frame
comes, and never more often than the interval."""

from __future__ import annotations

import asyncio

from aiortc.rtp import RtcpPacket

from sfu import rtcp
from sfu.producer import KEYFRAME_RETRY_S, Producer
from sfu.rtp import parse_rtp
from sfu.types import MediaKind
from tests.unit.sfu.test_consumer import VP8, vp8_packet


def plis(feedback: list[bytes]) -> int:
    return sum(
        1
        for data in feedback
        for packet in RtcpPacket.parse(data)
        if rtcp.is_keyframe_request(packet)
    )


async def publishing() -> tuple[Producer, list[bytes]]:
    """A producer whose publisher answered the request its first packet made."""
    feedback: list[bytes] = []
    producer = Producer(
        "pub", MediaKind.VIDEO, VP8, {555: None}, 0, lambda d: feedback.append(d) or True, 1
    )
    producer.on_rtp(parse_rtp(vp8_packet(1, 1, 0, key=False, last=True, sync=False)), 0.0)
    producer.on_rtp(parse_rtp(vp8_packet(2, 2, 0, key=True, last=False, sync=False)), 0.0)
    await asyncio.sleep(KEYFRAME_RETRY_S + 0.05)
    feedback.clear()
    return producer, feedback


async def test_many_waiting_consumers_make_one_request() -> None:
    producer, feedback = await publishing()
    for _ in range(50):
        producer.request_keyframe()
    assert plis(feedback) == 1
    producer.close()


async def test_an_unanswered_request_is_repeated_until_a_key_frame_comes() -> None:
    producer, feedback = await publishing()
    producer.request_keyframe()
    await asyncio.sleep(KEYFRAME_RETRY_S * 2.5)
    assert plis(feedback) == 3  # the request and two repeats: the encoder ignored them
    producer.on_rtp(parse_rtp(vp8_packet(3, 3, 0, key=True, last=False, sync=False)), 1.0)
    asked = plis(feedback)
    await asyncio.sleep(KEYFRAME_RETRY_S * 2)
    assert plis(feedback) == asked  # the key frame came: nobody waits any more
    producer.close()


async def test_a_request_soon_after_the_last_waits_for_the_interval() -> None:
    producer, feedback = await publishing()
    producer.request_keyframe()
    producer.on_rtp(parse_rtp(vp8_packet(3, 3, 0, key=True, last=False, sync=False)), 1.0)
    producer.request_keyframe()  # a new consumer, just after
    assert plis(feedback) == 1
    await asyncio.sleep(KEYFRAME_RETRY_S + 0.05)
    assert plis(feedback) == 2
    producer.close()
