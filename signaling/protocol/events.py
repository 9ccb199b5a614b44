"""What a live conference tells the portal about itself, so the reception's record keeps
who took part, who was on air, what the moderator did, and when it went live and ended.

The portal implements `ConferenceEvents`; the signaling side only calls it (through
`signaling.reporting.EventReporter`, which keeps the order and never makes a handler wait
for the database).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol


class EventKind(enum.StrEnum):
    LIVE = "live"
    """The moderator joined: the reception is live."""
    ENDED = "ended"
    JOINED = "joined"
    LEFT = "left"
    ON_AIR = "on_air"
    """`detail["on_air"]` says whether the participant went on air or left it."""
    MODERATED = "moderated"
    """A moderator's command: `action`, `actor_id`, `user_id` (the target) and `detail`."""
    SPEAKER = "speaker"
    """The active speaker by voice activity changed to `user_id` (none: nobody speaks)."""


@dataclass(frozen=True, slots=True)
class ConferenceEvent:
    kind: EventKind
    reception_id: str
    at: float
    """Unix time in seconds, when it happened in the conference."""
    user_id: str | None = None
    role: str | None = None
    actor_id: str | None = None
    action: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class ConferenceEvents(Protocol):
    async def record(self, event: ConferenceEvent) -> None:
        """Write the event down; errors are the caller's to log, never the conference's."""
        ...
