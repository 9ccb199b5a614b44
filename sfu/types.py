"""Value types shared by the SFU and its callers (the signaling layer)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class MediaKind(enum.StrEnum):
    AUDIO = "audio"
    VIDEO = "video"


class Role(enum.StrEnum):
    PUBLISHER = "publisher"
    SUBSCRIBER = "subscriber"


@dataclass(frozen=True, slots=True)
class TrackInfo:
    """What a subscriber's m-line carries, so the client can label the track it receives."""

    mid: str
    participant_id: str
    kind: MediaKind


@dataclass(frozen=True, slots=True)
class SubscriberOffer:
    sdp: str
    tracks: list[TrackInfo]
