"""Receive caps: what fits in a subscriber's kbit/s budget, audio first.

VP8 sent with temporal scalability (L1T3) lets the SFU halve and quarter the frame rate by
dropping upper layers without breaking decoding; below what the base layer needs the
subscriber gets audio only. Unlayered video is all or nothing.

A pure decision on plain figures: the subscriber transport applies it to its consumers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sfu.rtp import ALL_LAYERS

ENABLE_MARGIN = 1.15
"""Video that was cut comes back only with this much headroom, so it does not flap."""
CUT = -1
"""The layer given to video that does not fit at all."""


@dataclass(frozen=True, slots=True)
class VideoTrack:
    key: str
    """How stats name the track (its mid)."""
    layer_bitrates: Sequence[int]
    """Bitrate of each temporal layer present, lowest first."""
    cut: bool
    """The cap cut it last time: it needs headroom to come back."""


@dataclass(slots=True)
class Allocation:
    layers: dict[str, int] = field(default_factory=dict)
    """Per video track key: the highest temporal layer to forward, ALL_LAYERS or CUT."""
    enforced: dict[str, object] = field(default_factory=lambda: {"video": "full"})
    """What is enforced, for stats."""


def allocate_receive_budget(
    limit_bps: int | None, audio_bps: int, video: Sequence[VideoTrack]
) -> Allocation:
    """Give the budget left after audio to the video tracks' layers, lowest layers first."""
    if limit_bps is None:
        return Allocation({track.key: ALL_LAYERS for track in video})
    budget = limit_bps - audio_bps
    level = {track.key: CUT for track in video}
    for layer in range(ALL_LAYERS + 1):
        for track in video:
            rates = track.layer_bitrates
            if layer >= len(rates) or level[track.key] != layer - 1:
                continue
            cost = rates[layer]
            if layer == 0 and track.cut:
                cost = int(cost * ENABLE_MARGIN)
            if cost <= budget:
                budget -= rates[layer]
                level[track.key] = layer
    allocation = Allocation()
    per_track: dict[str, object] = {}
    for track in video:
        top = len(track.layer_bitrates) - 1
        chosen = level[track.key]
        allocation.layers[track.key] = ALL_LAYERS if chosen == top else chosen
        per_track[track.key] = (
            "off" if chosen < 0 else ("full" if chosen == top else f"layers<={chosen}")
        )
    states = set(per_track.values())
    summary = "full" if states <= {"full"} else ("audio_only" if states == {"off"} else "reduced")
    allocation.enforced = {"video": summary, "tracks": per_track, "audio_kbps": audio_bps // 1000}
    return allocation
