"""The state of one live reception: who is in it and how each one is seen and heard.

Pure data with no I/O: the moderator service and the conference change it, the media
router is made to follow it, and clients get a snapshot on join and deltas after.
"""

from __future__ import annotations

import enum
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from signaling.protocol.payloads import ClientReport, Layout, MediaKind
from signaling.protocol.roles import Permission, Role, can


class Presence(enum.StrEnum):
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    """The connection dropped; the place, floor and mutes are kept for the grace period."""


class Quality(enum.StrEnum):
    UNKNOWN = "unknown"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


def _per_kind() -> dict[MediaKind, bool]:
    return {MediaKind.AUDIO: False, MediaKind.VIDEO: False}


@dataclass(slots=True)
class Participant:
    id: str
    """The user id from the join token: a person is one participant, whatever the tabs."""
    display_name: str
    role: Role
    joined_at: float = field(default_factory=time.time)
    presence: Presence = Presence.CONNECTED
    on_air: bool = False
    self_muted: dict[MediaKind, bool] = field(default_factory=_per_kind)
    moderator_muted: dict[MediaKind, bool] = field(default_factory=_per_kind)
    held: bool = False
    bandwidth_kbps: int | None = None
    gain_db: float = 0.0
    layout: Layout | None = None
    """Own layout choice; None follows the room's default set by the moderator."""
    quality: Quality = Quality.UNKNOWN
    browser: str = ""
    device: str = ""
    report: ClientReport | None = None
    appeal_id: str | None = None
    """The appeal a citizen came with (from the join token), for the moderator's profile."""
    sends: dict[MediaKind, bool] | None = None
    """Which kinds the participant's last offer publishes; None before the first publish."""

    def __post_init__(self) -> None:
        if can(self.role, Permission.ALWAYS_ON_AIR):
            self.on_air = True

    def paused(self, kind: MediaKind) -> bool:
        """Whether the server stops forwarding this kind from the participant."""
        return self.moderator_muted[kind] or self.self_muted[kind]

    def public(self) -> dict[str, Any]:
        """What every participant may see about this one (no technical details)."""
        return {
            "id": self.id,
            "name": self.display_name,
            "role": self.role.value,
            "presence": self.presence.value,
            "on_air": self.on_air,
            "self_muted": {kind.value: muted for kind, muted in self.self_muted.items()},
            "moderator_muted": {kind.value: muted for kind, muted in self.moderator_muted.items()},
            "held": self.held,
            "bandwidth_kbps": self.bandwidth_kbps,
            "gain_db": self.gain_db,
            "quality": self.quality.value,
            "sends": (
                {kind.value: sent for kind, sent in self.sends.items()}
                if self.sends is not None
                else None
            ),
        }

    def technical(self) -> dict[str, Any]:
        """For the moderator's technical panel: what the client reports about itself."""
        return {
            "appeal_id": self.appeal_id,
            "browser": self.browser,
            "device": self.device,
            "client": asdict(self.report) if self.report else None,
        }


@dataclass(slots=True)
class Room:
    reception_id: str
    default_layout: Layout = Layout.TRIBUNE_AUTO
    active_speaker: str | None = None
    participants: dict[str, Participant] = field(default_factory=dict)
    previews: dict[str, str | None] = field(default_factory=dict)
    """Moderator id -> the waiting citizen they see and hear without putting on air."""

    def get(self, participant_id: str) -> Participant | None:
        return self.participants.get(participant_id)

    def citizens(self) -> int:
        return sum(
            1 for p in self.participants.values() if can(p.role, Permission.COUNTS_TOWARDS_CAPACITY)
        )

    def checker_of(self, participant_id: str) -> str | None:
        """The moderator checking this participant before the floor (seed 002): the two see
        and hear each other, nobody else sees either."""
        return next((by for by, whom in self.previews.items() if whom == participant_id), None)

    def record_of(self, participant: Participant) -> dict[str, Any]:
        """What every participant may see about this one, with who is checking them."""
        return {**participant.public(), "checked_by": self.checker_of(participant.id)}

    def moderators(self) -> list[Participant]:
        return [p for p in self.participants.values() if can(p.role, Permission.MODERATE)]

    def room_fields(self) -> dict[str, Any]:
        return {
            "default_layout": self.default_layout.value,
            "active_speaker": self.active_speaker,
            "moderator_present": bool(self.moderators()),
        }

    def snapshot(self, viewer: Participant) -> dict[str, Any]:
        """Everything a participant needs to draw the page right after joining."""
        return {
            "reception_id": self.reception_id,
            "you": viewer.id,
            "role": viewer.role.value,
            "layout": (viewer.layout or self.default_layout).value,
            **self.room_fields(),
            "participants": [self.record_of(p) for p in self.participants.values()],
        }
