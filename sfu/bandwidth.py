"""Receive caps: what fits in a subscriber's kbit/s budget, audio first.

VP8 sent with temporal scalability (L1T3) lets the SFU halve and quarter the frame rate by
dropping upper layers without breaking decoding; below what the base layer needs the
subscriber gets audio only. Unlayered video is all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sfu.consumer import ALL_LAYERS, Consumer
from sfu.types import MediaKind

ENABLE_MARGIN = 1.15
"""Video that was cut comes back only with this much headroom, so it does not flap."""


def allocate_receive_budget(
    limit_bps: int | None, consumers: Sequence[Consumer]
) -> dict[str, object]:
    """Set each video consumer's allowed layer; return what is enforced, for stats."""
    video = [c for c in consumers if c.kind is MediaKind.VIDEO]
    if limit_bps is None:
        for consumer in video:
            consumer.video_allowed_by_cap = True
            consumer.set_target_layer(ALL_LAYERS)
        return {"video": "full"}
    audio_bps = sum(c.producer.received.bitrate_bps for c in consumers if c.kind is MediaKind.AUDIO)
    budget = limit_bps - audio_bps
    level = {c: -1 for c in video}
    rates = {c: c.producer.layer_bitrates() for c in video}
    for layer in range(ALL_LAYERS + 1):
        for consumer in video:
            if layer >= len(rates[consumer]) or level[consumer] != layer - 1:
                continue
            cost = rates[consumer][layer]
            if layer == 0 and not consumer.video_allowed_by_cap:
                cost = int(cost * ENABLE_MARGIN)
            if cost <= budget:
                budget -= rates[consumer][layer]
                level[consumer] = layer
    per_track: dict[str, object] = {}
    for consumer in video:
        top = len(rates[consumer]) - 1
        chosen = level[consumer]
        consumer.video_allowed_by_cap = chosen >= 0
        consumer.set_target_layer(ALL_LAYERS if chosen == top else chosen)
        key = consumer.mid or consumer.producer.id
        per_track[key] = "off" if chosen < 0 else ("full" if chosen == top else f"layers<={chosen}")
    states = set(per_track.values())
    summary = "full" if states <= {"full"} else ("audio_only" if states == {"off"} else "reduced")
    return {"video": summary, "tracks": per_track, "audio_kbps": audio_bps // 1000}
