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


@dataclass(frozen=True, slots=True)
class ReceivedVideo:
    """What a subscriber's receive limit does to the videos it gets, by publisher id."""

    reduced: tuple[str, ...] = ()
    """Forwarded at a lower frame rate (upper temporal layers dropped)."""
    off: tuple[str, ...] = ()
    """Not forwarded at all: not even the lowest layer fits."""


@dataclass(frozen=True, slots=True)
class ForwardingState:
    """Everything forwarding needs to know about one participant, handed over whole.

    The signaling layer derives it from the room after every change (`Router.apply`); the
    router compares it with the previous one and touches forwarding only where it differs,
    so pushing an unchanged state costs a comparison.
    """

    on_air: bool = False
    """As a publisher: its producers go to every subscriber."""
    paused: frozenset[MediaKind] = frozenset()
    """As a publisher: these producers reach nobody (the moderator's or its own mute)."""
    held: bool = False
    """As a subscriber: it receives nothing."""
    preview: bool = False
    """As a subscriber: it also receives publishers that are not on air (the moderator)..."""
    previewed: str | None = None
    """... narrowed to this one publisher when set."""
    featured: bool = False
    """As a publisher: under a subscriber's receive cap its video comes right after the
    active speaker's (the host, whose tile is the main one when nobody speaks)."""
    send_limit_kbps: int | None = None
    """As a publisher: the video bitrate asked of it (REMB)."""
    receive_limit_kbps: int | None = None
    """As a subscriber: the budget its consumers must fit in."""

    def __post_init__(self) -> None:
        for limit in (self.send_limit_kbps, self.receive_limit_kbps):
            if limit is not None and limit <= 0:
                raise ValueError(f"a bandwidth limit must be positive, got {limit} kbit/s")

    def receives_off_air(self, publisher_id: str) -> bool:
        """Whether this subscriber gets a publisher that is not on air."""
        return self.preview and self.previewed in (None, publisher_id)
