"""Receive caps: what fits in a subscriber's kbit/s budget, audio first, the speaker next.

VP8 sent with temporal scalability (L1T3) lets the SFU halve and quarter the frame rate by
dropping upper layers without breaking decoding; only below what a base layer needs does
a video go off. Unlayered video is all or nothing. Audio is never cut: it is what a
listener must keep, and it is counted before any video.

The budget goes to the layers in this order: the main tile's base layer, its middle layer,
the other tiles' base layers, then the upper layers the same way. So the current speaker
keeps moving pictures while the small tiles are reduced and turned off first, and a small
tile never takes the base layer the speaker needs.

A pure decision on plain figures: the subscriber transport applies it to its consumers.
Budgets count media payload, as the subscriber's transport counts what it sends and the
browser's getStats counts `bytesReceived`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sfu.rtp import ALL_LAYERS

ENABLE_MARGIN = 1.15
"""A layer not forwarded now (or a video that was cut) is added only with this much
headroom, so a rate hovering near the budget does not switch layers every second; each
switch up from off costs the publisher a key frame."""
CUT = -1
"""The layer given to video that does not fit at all."""


@dataclass(frozen=True, slots=True)
class VideoTrack:
    key: str
    """How stats name the track (its mid)."""
    layer_bitrates: Sequence[int]
    """Bitrate of each temporal layer present, lowest first."""
    current: int = ALL_LAYERS
    """The highest layer forwarded after the last decision: CUT, a layer or ALL_LAYERS."""
    main: bool = False
    """The listener's main tile (the speaker): its lower layers come before other tiles'."""


@dataclass(slots=True)
class Allocation:
    layers: dict[str, int] = field(default_factory=dict)
    """Per video track key: the highest temporal layer to forward, ALL_LAYERS or CUT."""
    enforced: dict[str, object] = field(default_factory=lambda: {"video": "full"})
    """What is enforced, for stats."""
    next_step_bps: int | None = None
    """The budget that would add the first layer left out, None when nothing was: a
    link estimate grows at least this far, so the next layer gets its try."""

    def reduced(self) -> list[str]:
        """Keys of the tracks forwarded with fewer layers than they have."""
        return [key for key, layer in self.layers.items() if CUT < layer < ALL_LAYERS]

    def off(self) -> list[str]:
        return [key for key, layer in self.layers.items() if layer == CUT]


def allocate_receive_budget(
    limit_bps: int | None, audio_bps: int, video: Sequence[VideoTrack]
) -> Allocation:
    """Give the budget left after audio to the video layers, in the order described above.

    `video` comes in the listener's order of preference (the subscriber transport sorts it);
    a layer is taken only on top of the one below it."""
    if limit_bps is None:
        return Allocation({track.key: ALL_LAYERS for track in video})
    budget = limit_bps - audio_bps
    first_left_out: int | None = None
    level = {track.key: CUT for track in video}
    steps = sorted(
        (layer - track.main, index, layer)
        for index, track in enumerate(video)
        for layer in range(len(track.layer_bitrates))
    )
    for _, index, layer in steps:
        track = video[index]
        if level[track.key] != layer - 1:
            continue
        rate = track.layer_bitrates[layer]
        cost = rate if layer <= track.current else int(rate * ENABLE_MARGIN)
        if cost <= budget:
            budget -= rate
            level[track.key] = layer
        elif first_left_out is None:
            first_left_out = cost
    allocation = Allocation()
    if first_left_out is not None:
        allocation.next_step_bps = limit_bps - budget + first_left_out
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
