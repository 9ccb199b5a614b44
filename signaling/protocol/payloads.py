"""Event names and the payload of every event a client may send (see docs/protocol.md)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from signaling.protocol.validation import limit

MAX_SDP_LENGTH = 512 * 1024
"""The protocol's ceiling (`invalid_payload`); a node's own `signaling.limits.max_sdp_bytes`
is at most this and refuses with `sdp_too_large`."""
ID = limit(max_length=64)


class MediaKind(enum.StrEnum):
    """Same values as the SFU's kinds; repeated here so the protocol imports no media code."""

    AUDIO = "audio"
    VIDEO = "video"


class Layout(enum.StrEnum):
    TRIBUNE_AUTO = "tribune_auto"
    """«Трибуна (автовыбор)»: the current speaker large, chosen by voice activity."""
    SINGLE_SPEAKER = "single_speaker"
    """«Один говорящий»."""
    TRIBUNE_CLICK = "tribune_click"
    """«Трибуна (выбор по клику)»."""
    GRID = "grid"
    """«Таблица»."""


@dataclass(frozen=True, slots=True)
class Empty:
    pass


@dataclass(frozen=True, slots=True)
class JoinRequest:
    token: str = field(metadata=limit(max_length=2048))
    browser: str = field(default="", metadata=limit(max_length=300))
    device: str = field(default="", metadata=limit(max_length=300))


@dataclass(frozen=True, slots=True)
class SessionDescription:
    sdp: str = field(metadata=limit(max_length=MAX_SDP_LENGTH))


@dataclass(frozen=True, slots=True)
class SelfMute:
    kind: MediaKind
    muted: bool


@dataclass(frozen=True, slots=True)
class LayoutChoice:
    layout: Layout


@dataclass(frozen=True, slots=True)
class ClientReport:
    """What only the browser knows, sent every few seconds for the technical panel."""

    candidate_type: str = field(default="", metadata=limit(max_length=32))
    rtt_ms: float | None = field(default=None, metadata=limit(minimum=0, maximum=60_000))
    loss_pct: float | None = field(default=None, metadata=limit(minimum=0, maximum=100))
    send_kbps: float | None = field(default=None, metadata=limit(minimum=0, maximum=1e6))
    receive_kbps: float | None = field(default=None, metadata=limit(minimum=0, maximum=1e6))
    width: int | None = field(default=None, metadata=limit(minimum=0, maximum=10_000))
    height: int | None = field(default=None, metadata=limit(minimum=0, maximum=10_000))
    fps: float | None = field(default=None, metadata=limit(minimum=0, maximum=1000))


@dataclass(frozen=True, slots=True)
class Target:
    participant_id: str = field(metadata=ID)


@dataclass(frozen=True, slots=True)
class FloorChange:
    participant_id: str = field(metadata=ID)
    on_air: bool


@dataclass(frozen=True, slots=True)
class MicLevel:
    participant_id: str = field(metadata=ID)
    gain_db: float = field(metadata=limit(minimum=-20, maximum=20))


@dataclass(frozen=True, slots=True)
class HoldChange:
    participant_id: str = field(metadata=ID)
    held: bool


@dataclass(frozen=True, slots=True)
class BandwidthLimit:
    participant_id: str = field(metadata=ID)
    kbps: int | None = field(metadata=limit(minimum=64, maximum=20_000))


@dataclass(frozen=True, slots=True)
class ModeratorMute:
    participant_id: str = field(metadata=ID)
    kind: MediaKind
    muted: bool


@dataclass(frozen=True, slots=True)
class PreviewChoice:
    participant_id: str | None = field(metadata=ID)


class ClientEvent(enum.StrEnum):
    """Events a client sends; each has one handler `on_<name>` in the namespace, or a row in
    its table of moderator commands of one shape."""

    JOIN = "join"
    LEAVE = "leave"
    PUBLISH = "publish"
    SUBSCRIBE = "subscribe"
    SUBSCRIBE_ANSWER = "subscribe_answer"
    SELF_MUTE = "self_mute"
    CHOOSE_LAYOUT = "choose_layout"
    REPORT = "report"
    # The moderator service.
    SET_FLOOR = "set_floor"
    SET_MIC_LEVEL = "set_mic_level"
    DISCONNECT = "disconnect_participant"
    REMOVE = "remove_participant"
    HOLD = "hold"
    LIMIT_BANDWIDTH = "limit_bandwidth"
    MUTE = "mute"
    SET_LAYOUT = "set_layout"
    PREVIEW = "preview"
    TECH_INFO = "tech_info"
    END_CONFERENCE = "end_conference"


class ServerEvent(enum.StrEnum):
    """Events the server sends."""

    PARTICIPANT = "participant"
    """A participant joined or changed: its full public record."""
    PARTICIPANT_LEFT = "participant_left"
    ROOM = "room"
    """Room-wide fields changed: default layout, active speaker."""
    SUBSCRIBER_OFFER = "subscriber_offer"
    """The forwarded set changed: answer with `subscribe_answer`."""
    CLOSED = "closed"
    """This participant's presence ended; carries a `CloseReason`."""
    RECEPTION_STATE = "reception_state"
    """To clients waiting for a reception (refused with moderator_absent)."""
    RECEIVED_VIDEO = "received_video"
    """To one participant: whose video its bandwidth limit reduces or turns off."""
