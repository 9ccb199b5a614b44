"""A reception as the live conference sees it, and the one table of its state moves.

The portal owns receptions (its database is the truth) and feeds this record to the
signaling side; both check moves against `MOVES`, so a state the portal refuses is refused
on every node too.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import asdict, dataclass, replace

log = logging.getLogger(__name__)

MAX_CITIZENS = 15
"""SPEC §4: a reception takes at most 15 citizens."""


class ReceptionState(enum.StrEnum):
    PLANNED = "planned"
    STARTED = "started"
    """«Начать прием»: the room is open, only the moderator (and host) may join."""
    LIVE = "live"
    """The moderator has joined: citizens may join."""
    ENDED = "ended"
    CANCELLED = "cancelled"
    """Deleted while planned (or started but never live): its appeals went back."""


MOVES: dict[ReceptionState, frozenset[ReceptionState]] = {
    ReceptionState.PLANNED: frozenset({ReceptionState.STARTED, ReceptionState.CANCELLED}),
    ReceptionState.STARTED: frozenset(
        {ReceptionState.LIVE, ReceptionState.ENDED, ReceptionState.CANCELLED}
    ),
    ReceptionState.LIVE: frozenset({ReceptionState.ENDED}),
    ReceptionState.ENDED: frozenset(),
    ReceptionState.CANCELLED: frozenset(),
}

OPEN = frozenset({ReceptionState.STARTED, ReceptionState.LIVE})
"""States in which the conference room exists and people may join."""


class StateError(Exception):
    """A reception state move the table forbids, or a reception nobody opened; the
    namespace sends `code` to the client."""

    code = "invalid_state"


def check_move(reception_id: str, source: ReceptionState, target: ReceptionState) -> None:
    if target is not source and target not in MOVES[source]:
        raise StateError(f"reception {reception_id}: {source} -> {target} refused")


@dataclass(frozen=True, slots=True)
class Reception:
    reception_id: str
    title: str
    state: ReceptionState
    host_user_id: str | None = None
    moderator_user_id: str | None = None
    max_citizens: int = MAX_CITIZENS
    banned: tuple[str, ...] = ()
    """Who the moderator removed for good, as the portal keeps it: a node that lost its
    own list (a restart without Redis) still refuses them when it loads the reception."""

    def moved_to(self, state: ReceptionState) -> Reception:
        """The signaling side's copy of a move; a move the table forbids raises."""
        if state is self.state:
            return self
        check_move(self.reception_id, self.state, state)
        log.info(
            "reception state %s -> %s",
            self.state,
            state,
            extra={"reception": self.reception_id},
        )
        return replace(self, state=state)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> Reception:
        data = json.loads(text)
        data["state"] = ReceptionState(data["state"])
        data["banned"] = tuple(data.get("banned", ()))
        return cls(**data)
