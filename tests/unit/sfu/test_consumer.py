"""Consumer forwarding decisions on synthetic VP8: key-frame start and temporal layers."""

from __future__ import annotations

import asyncio
import itertools
import struct

import pytest
from aiortc.rtp import RtcpPacket

from sfu import rtcp
from sfu.codec import NegotiatedCodec
from sfu.consumer import Consumer
from sfu.errors import InvalidState
from sfu.producer import Producer
from sfu.rtp import ALL_LAYERS, parse_rtp, write_header
from sfu.sequence import SEQ_MOD, SequenceRewriter
from sfu.types import MediaKind

VP8 = NegotiatedCodec("video/VP8", 90000, payload_type=96, rtx_payload_type=97)
SUB_VP8 = NegotiatedCodec("video/VP8", 90000, payload_type=120, rtx_payload_type=121)
L1T3 = [0, 2, 1, 2]
"""The temporal layer of each frame in the L1T3 pattern."""


def vp8_packet(seq: int, frame: int, tid: int, key: bool, last: bool, sync: bool) -> bytes:
    # X=1, S=1 on the first packet only (partition start); T bit with TID and Y
    first_of_frame = not last
    descriptor = bytes([0x90 if first_of_frame else 0x80, 0x20, (tid << 6) | (0x20 if sync else 0)])
    header_byte = 0x10 if key else 0x11
    return (
        write_header(last, 96, seq, frame * 3000, 555, False, False)
        + descriptor
        + bytes([header_byte])
        + bytes(200)
    )


class Wire:
    """What a consumer put on the wire, parsed back."""

    def __init__(self) -> None:
        self.packets: list[bytes] = []

    def __call__(self, data: bytes) -> bool:
        self.packets.append(data)
        return True

    def rtp(
        self,
        first: int,
        second: int,
        seq: int,
        ts: int,
        ssrc: int,
        extension: bytes,
        payload: bytes,
    ) -> bool:
        header = struct.pack("!BBHII", first, second, seq, ts, ssrc)
        return self(header + extension + payload)

    def sent(self) -> list[tuple[int, int, int]]:
        """(seq, timestamp, TID) of each RTP packet sent (RTCP ignored)."""
        out = []
        for data in self.packets:
            if 192 <= data[1] <= 208:
                continue
            view = parse_rtp(data)
            out.append((view.sequence_number, view.timestamp, view.payload[2] >> 6))
        return out


async def make_pair() -> tuple[Producer, Consumer, Wire, list[bytes]]:
    feedback: list[bytes] = []
    producer = Producer(
        "pub", MediaKind.VIDEO, VP8, {555: None}, 0, lambda d: feedback.append(d) or True, 1
    )
    consumer = Consumer(producer, "sub", 9999, 8888, SequenceRewriter(90000))
    wire = Wire()
    consumer.bind(SUB_VP8, 0, wire)
    consumer.set_state(Consumer.State.FORWARDING)
    return producer, consumer, wire, feedback


def send_frames(
    producer: Producer,
    first_frame: int,
    count: int,
    key_at: set[int],
    unsynced: frozenset[int] = frozenset(),
) -> None:
    for frame in range(first_frame, first_frame + count):
        tid = L1T3[frame % 4]
        sync = tid > 0 and frame not in unsynced
        for part in (0, 1):
            seq = (frame * 2 + part) % SEQ_MOD
            data = vp8_packet(seq, frame, tid, frame in key_at, part == 1, sync=sync)
            producer.on_rtp(parse_rtp(data), 0.0)
        producer.flush()  # what the end of the loop's wake-up does


async def test_a_burst_goes_out_at_the_end_of_the_wake_up_that_read_it() -> None:
    producer, _, wire, _ = await make_pair()
    for seq in range(3):
        producer.on_rtp(parse_rtp(vp8_packet(seq, 0, 0, True, seq == 2, sync=False)), 0.0)
    assert wire.sent() == []  # queued while the wake-up reads
    await asyncio.sleep(0)
    assert len(wire.sent()) == 3


async def test_video_starts_only_at_a_key_frame_and_asks_for_one() -> None:
    producer, consumer, wire, feedback = await make_pair()
    assert producer.media_ssrc == 555
    send_frames(producer, 0, 3, key_at=set())
    assert wire.sent() == []
    assert feedback, "a PLI went to the publisher when the consumer started"
    send_frames(producer, 3, 2, key_at={3})
    sent = wire.sent()
    assert len(sent) == 4
    assert [(b[0] - a[0]) % SEQ_MOD for a, b in itertools.pairwise(sent)] == [1, 1, 1]
    assert consumer.stats()["frames"] == 2
    producer.close()


@pytest.mark.parametrize(("target", "kept"), [(0, {0}), (1, {0, 1}), (ALL_LAYERS, {0, 1, 2})])
async def test_temporal_layers_above_the_target_are_dropped_without_gaps(
    target: int, kept: set[int]
) -> None:
    producer, consumer, wire, _ = await make_pair()
    consumer.set_target_layer(target)
    send_frames(producer, 0, 16, key_at={0})
    sent = wire.sent()
    assert {tid for _, _, tid in sent} == kept
    assert len(sent) == 2 * sum(1 for f in range(16) if L1T3[f % 4] in kept)
    assert all((b[0] - a[0]) % SEQ_MOD == 1 for a, b in itertools.pairwise(sent))
    producer.close()


async def test_raising_the_layer_waits_for_a_sync_frame() -> None:
    producer, consumer, wire, _ = await make_pair()
    consumer.set_target_layer(0)
    send_frames(producer, 0, 4, key_at={0})
    consumer.set_target_layer(ALL_LAYERS)
    wire.packets.clear()
    # frames 4..7 have TIDs 0, 2, 1, 2; frame 5 (TID 2) is not a switching point
    send_frames(producer, 4, 4, key_at=set(), unsynced={5})
    assert [tid for _, _, tid in wire.sent()][::2] == [0, 1, 2]
    producer.close()


async def test_padding_only_probes_are_not_forwarded_and_leave_no_gap() -> None:
    producer, _, wire, _ = await make_pair()
    send_frames(producer, 0, 1, key_at={0})  # seq 0, 1
    probe = bytearray(write_header(False, 96, 2, 3000, 555, True, False) + bytes(255))
    probe[-1] = 255  # RFC 3550: the last byte counts the padding, itself included
    producer.on_rtp(parse_rtp(bytes(probe)), 0.0)
    rtx_probe = bytearray(write_header(False, 97, 900, 3000, 556, True, False) + bytes(200))
    rtx_probe[-1] = 200
    producer.on_rtp(parse_rtp(bytes(rtx_probe)), 0.0)
    send_frames(producer, 2, 1, key_at=set())  # seq 4, 5 (3 was never sent: real loss)
    sent = wire.sent()
    assert len(sent) == 4
    steps = [(b[0] - a[0]) % SEQ_MOD for a, b in itertools.pairwise(sent)]
    assert steps == [1, 2, 1]  # the probe's number is closed up, the lost packet's is not
    assert producer.media_ssrc == 555
    producer.close()


async def test_state_moves_start_and_stop_forwarding_and_wrong_moves_are_refused() -> None:
    producer, consumer, wire, _ = await make_pair()
    send_frames(producer, 0, 2, key_at={0})
    sent = len(wire.sent())
    assert sent == 4
    consumer.set_state(Consumer.State.WITHHELD)
    send_frames(producer, 2, 2, key_at={2})
    assert len(wire.sent()) == sent
    consumer.set_state(Consumer.State.FORWARDING)
    send_frames(producer, 4, 2, key_at={4})
    assert len(wire.sent()) == sent + 4
    with pytest.raises(InvalidState):
        consumer.set_state(Consumer.State.UNBOUND)
    consumer.close()
    assert consumer.state is Consumer.State.CLOSED
    assert consumer not in producer.sinks
    with pytest.raises(InvalidState):
        consumer.set_state(Consumer.State.FORWARDING)


async def test_a_consumer_that_stops_forwarding_lets_its_history_go() -> None:
    """Off air, every citizen's consumer to every receiver kept 512 packets it could never
    be asked for again: a reception's memory grew until each citizen had been on air."""
    producer, consumer, wire, _ = await make_pair()
    send_frames(producer, 0, 2, key_at={0})
    first = wire.sent()[0][0]

    def resends() -> int:
        wire.packets.clear()
        consumer.on_rtcp(RtcpPacket.parse(rtcp.nack(1, consumer.ssrc, [first]))[0])
        return len(wire.packets)

    assert resends() == 1
    consumer.set_state(Consumer.State.WITHHELD)
    assert resends() == 0
    producer.close()
