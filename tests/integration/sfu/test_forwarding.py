"""Audio and video forwarded between real aiortc peers, without the SFU decoding."""

from __future__ import annotations

import threading
import time

import pytest

from sfu import Router
from tests.helpers import wait_until
from tests.integration.sfu.peers import Clients, change

pytestmark = pytest.mark.timeout(40)


def decoder_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.endswith("-decoder"))


async def test_on_air_publisher_reaches_subscriber_audio_and_video(
    router: Router, clients: Clients
) -> None:
    await clients.publisher("alice", luma=200)
    change(router, "alice", on_air=True)
    bob = await clients.subscriber("bob")
    await wait_until(lambda: bob.frames_of("alice", "video") >= 30, timeout=10, message="video")
    await wait_until(lambda: bob.frames_of("alice", "audio") >= 50, timeout=5, message="audio")
    video = bob.track_of("alice", "video")
    assert video is not None
    assert video.luma is not None
    assert abs(video.luma - 200) < 10  # the publisher's picture, decoded by the subscriber
    # only the subscribing client decodes (its audio and video); the SFU decodes nothing
    assert decoder_threads() == 2
    participants = router.stats()["participants"]
    producers = participants["alice"]["publisher"]["producers"]
    assert {p["kind"] for p in producers.values()} == {"audio", "video"}
    consumers = participants["bob"]["subscriber"]["consumers"]
    assert [c["forwarding"] for c in consumers.values()] == [True, True]
    assert all(c["packets"] > 0 for c in consumers.values())


async def test_late_subscriber_starts_at_a_requested_key_frame(
    router: Router, clients: Clients
) -> None:
    await clients.publisher("alice")
    change(router, "alice", on_air=True)
    first = await clients.subscriber("bob")
    await wait_until(lambda: first.frames_of("alice", "video") >= 10, timeout=10)
    producer = next(p for p in router.producers() if p.kind == "video")
    requests_before = producer.keyframe_requests
    keyframes_before = producer.keyframes
    joined = time.monotonic()
    late = await clients.subscriber("carol")
    await wait_until(lambda: late.frames_of("alice", "video") >= 1, timeout=5)
    track = late.track_of("alice", "video")
    assert track is not None
    assert track.first_at is not None
    # aiortc's encoder sends a key frame every few seconds on its own; this one was asked for
    assert track.first_at - joined < 1.5
    assert producer.keyframe_requests > requests_before
    assert producer.keyframes > keyframes_before


async def test_h264_is_forwarded_when_the_publisher_offers_it(
    router: Router, clients: Clients
) -> None:
    await clients.publisher("alice", luma=120, video_codec="video/H264")
    change(router, "alice", on_air=True)
    bob = await clients.subscriber("bob")
    await wait_until(lambda: bob.frames_of("alice", "video") >= 20, timeout=15, message="H.264")
    producer = next(p for p in router.producers() if p.kind == "video")
    assert producer.codec.mime_type.lower() == "video/h264"
    assert producer.keyframes >= 1  # IDR recognised: the consumer could start
    video = bob.track_of("alice", "video")
    assert video is not None
    assert video.luma is not None
    assert abs(video.luma - 120) < 10
