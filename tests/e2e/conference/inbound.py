"""What a listener's Chromium receives, from its own getStats, and what the SFU enforces."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from signaling.setup import SIGNALING
from tests.e2e.conference.conftest import Person

WINDOW_S = 5.0
MARGIN = 1.15
"""The SFU decides on the last second's rates: a burst (a key frame) may overshoot briefly."""

# Cumulative inbound counters of the listener, per publishing participant and kind.
INBOUND = """async () => {
  const sub = window.conference.subscriber;
  const found = { bytes: 0 };
  for (const s of (await sub.pc.getStats()).values()) {
    if (s.type !== "inbound-rtp") continue;
    found.bytes += s.bytesReceived ?? 0;
    const owner = sub.owners.get(s.mid);
    if (!owner) continue;
    found[`${owner.participant_id}:${s.kind}`] = {
      frames: s.framesDecoded ?? 0,
      width: s.frameWidth ?? 0,
      packets: s.packetsReceived ?? 0,
      concealed: s.concealedSamples ?? 0,
      samples: s.totalSamplesReceived ?? 0,
      freeze_s: s.totalFreezesDuration ?? 0,
      freezes: s.freezeCount ?? 0,
      keyframes: s.keyFramesDecoded ?? 0,
      nacks: s.nackCount ?? 0,
      plis: s.pliCount ?? 0,
    };
  }
  return found;
}"""


@dataclass
class Window:
    """What the listener received over a window of seconds."""

    fps: float
    """The governor's video frames decoded per second."""
    width: int
    kbps: float
    """Everything received (payload, as the limit counts it)."""
    audio_packets: int
    """The governor's audio packets."""
    concealed: float
    """Share of the governor's audio samples the browser had to invent."""
    freeze_ratio: float = 0.0
    """Share of the window the governor's video stood frozen (Chromium's freeze count)."""
    freezes: int = 0
    keyframes: int = 0
    """Key frames decoded: each after a PLI is a picture that had broken."""
    nacks: int = 0
    plis: int = 0


async def across(person: Person, stats: str, window: float) -> tuple[Any, Any, float]:
    """The page's `stats` script before and after `window` seconds, and the seconds."""
    before = await person.page.evaluate(stats)
    started = asyncio.get_running_loop().time()
    await asyncio.sleep(window)
    after = await person.page.evaluate(stats)
    return before, after, asyncio.get_running_loop().time() - started


async def measure(listener: Person, window: float = WINDOW_S) -> Window:
    before, after, seconds = await across(listener, INBOUND, window)
    video, audio = after["host:video"], after["host:audio"]
    samples = audio["samples"] - before["host:audio"]["samples"]
    return Window(
        fps=(video["frames"] - before["host:video"]["frames"]) / seconds,
        width=video["width"],
        kbps=(after["bytes"] - before["bytes"]) * 8 / 1000 / seconds,
        audio_packets=audio["packets"] - before["host:audio"]["packets"],
        concealed=(audio["concealed"] - before["host:audio"]["concealed"]) / max(samples, 1),
        freeze_ratio=(video["freeze_s"] - before["host:video"]["freeze_s"]) / seconds,
        freezes=video["freezes"] - before["host:video"]["freezes"],
        keyframes=video["keyframes"] - before["host:video"]["keyframes"],
        nacks=video["nacks"] - before["host:video"]["nacks"],
        plis=video["plis"] - before["host:video"]["plis"],
    )


OUTBOUND = """async () => {
  const pub = window.conference.publisher;
  for (const s of (await pub.pc.getStats()).values()) {
    if (s.type !== "outbound-rtp" || s.kind !== "video") continue;
    return {
      frames_sent: s.framesSent ?? 0,
      frames_encoded: s.framesEncoded ?? 0,
      nacks: s.nackCount ?? 0,
      plis: s.pliCount ?? 0,
      retransmitted: s.retransmittedPacketsSent ?? 0,
      target_bps: s.targetBitrate ?? 0,
      limited_by_bandwidth_s: s.qualityLimitationDurations?.bandwidth ?? 0,
      limited_by_cpu_s: s.qualityLimitationDurations?.cpu ?? 0,
    };
  }
  return null;
}"""


@dataclass
class Sent:
    """What a publisher's Chromium sent of its video over a window of seconds."""

    fps: float
    """Frames sent per second: what the encoder made of the camera's 20-30."""
    target_kbps: float
    """The encoder's target at the window's end (Chromium's bandwidth estimate's share)."""
    limited_by_bandwidth: float
    """Share of the window Chromium says its quality was limited by bandwidth."""
    nacks: int
    plis: int
    retransmitted: int


async def measure_sent(publisher: Person, window: float = WINDOW_S) -> Sent:
    before, after, seconds = await across(publisher, OUTBOUND, window)
    return Sent(
        fps=(after["frames_sent"] - before["frames_sent"]) / seconds,
        target_kbps=after["target_bps"] / 1000,
        limited_by_bandwidth=(after["limited_by_bandwidth_s"] - before["limited_by_bandwidth_s"])
        / seconds,
        nacks=after["nacks"] - before["nacks"],
        plis=after["plis"] - before["plis"],
        retransmitted=after["retransmitted"] - before["retransmitted"],
    )


def host_producer(app: web.Application) -> dict[str, Any]:
    """The SFU's stats of the governor's video as it arrives: upstream loss before repair,
    NACKs it sent him, the uplink bound it told him (REMB)."""
    for router in app[SIGNALING].registry.routers():
        publisher = router.stats()["participants"].get("host", {}).get("publisher") or {}
        for producer in publisher.get("producers", {}).values():
            if producer["kind"] == "video":
                keys = ("packets_lost", "nacks_sent", "retransmissions_received", "frames")
                return {
                    **{key: producer[key] for key in keys},
                    "keyframes": producer["keyframes"],
                    "keyframe_requests": producer["keyframe_requests"],
                    "uplink_kbps": producer["uplink_kbps"],
                    "temporal_layers_kbps": producer["temporal_layers_kbps"],
                }
    return {}


def host_consumer(app: web.Application, listener: str = "citizen-3") -> dict[str, Any]:
    """The SFU's stats of the governor's video to the listener, with what it enforces on
    it: "full", "layers<=N" (the temporal layers up to N) or "off"."""
    for router in app[SIGNALING].registry.routers():
        subscriber = router.stats()["participants"][listener]["subscriber"]
        for mid, consumer in subscriber["consumers"].items():
            if consumer["publisher"] == "host" and consumer["kind"] == "video":
                enforced = subscriber["enforced"].get("tracks", {}).get(mid, "full")
                return {**consumer, "enforced": enforced}
    return {}


def listener_state(app: web.Application, listener: str) -> dict[str, Any]:
    """What the SFU makes of a listener's link: its downlink estimate, what it enforces,
    and the governor's video consumer's last REMB and reported loss."""
    for router in app[SIGNALING].registry.routers():
        subscriber = router.stats()["participants"][listener]["subscriber"]
        consumer = host_consumer(app, listener)
        return {
            "downlink_kbps": subscriber.get("downlink_kbps"),
            "enforced": subscriber["enforced"].get("video"),
            "remb_kbps": consumer.get("remb_kbps"),
            "fraction_lost": consumer.get("fraction_lost"),
        }
    return {}


def host_video(app: web.Application) -> str | None:
    return host_consumer(app).get("enforced")


def thinned(app: web.Application) -> bool:
    """The SFU forwards the governor's lower layers only, and already at the layer it chose."""
    consumer = host_consumer(app)
    return consumer.get("enforced") == f"layers<={consumer.get('temporal_layer')}"


async def seconds_to_recover(
    listener: Person, fps: float, timeout: float = 30.0, publisher: str = "host"
) -> float:
    """Seconds until one second of `publisher`'s video decodes at `fps` or better."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    frames = (await listener.page.evaluate(INBOUND))[f"{publisher}:video"]["frames"]
    while loop.time() - started < timeout:
        await asyncio.sleep(1.0)
        now = (await listener.page.evaluate(INBOUND))[f"{publisher}:video"]["frames"]
        if now - frames >= fps:
            return loop.time() - started
        frames = now
    raise AssertionError(f"{publisher}'s video did not come back to {fps:.1f} fps in {timeout}s")
