"""The moderator service (SPEC §5 «Управление участниками приема»).

Every command is authorized here, on the server, against the actor's role, changes the
room, and is written to the moderation log (who, what, when). What the command means for
the sockets (evicting someone, ending the reception) is returned, not done, so the same
rules hold whatever carries the events.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from signaling.directory import ReceptionDirectory
from signaling.protocol.errors import CloseReason, ErrorCode, SignalingError
from signaling.protocol.payloads import (
    BandwidthLimit,
    FloorChange,
    HoldChange,
    LayoutChoice,
    MicLevel,
    ModeratorMute,
    PreviewChoice,
    Target,
)
from signaling.protocol.roles import MODERATED_ROLES, Permission, can
from signaling.room import Participant, Room

audit = logging.getLogger("signaling.audit")

LOG_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class ModerationRecord:
    at: float
    actor_id: str
    action: str
    target_id: str | None
    detail: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "actor": self.actor_id,
            "action": self.action,
            "target": self.target_id,
            "detail": self.detail,
        }


@dataclass(slots=True)
class Outcome:
    """What a command changed, for the conference to forward, broadcast and enforce."""

    changed: list[Participant] = field(default_factory=list)
    room_changed: bool = False
    evict: list[tuple[str, CloseReason]] = field(default_factory=list)
    end: bool = False


class ModeratorService:
    def __init__(
        self,
        room: Room,
        directory: ReceptionDirectory,
        on_record: Callable[[ModerationRecord], None] | None = None,
    ) -> None:
        self._room = room
        self._directory = directory
        self._on_record = on_record
        """Hands each record on to be kept with the reception (the portal's log)."""
        self.log: list[ModerationRecord] = []

    # «Включить видео и звук»: pressing again returns the participant to listener.
    def set_floor(self, actor: Participant, request: FloorChange) -> Outcome:
        target = self._target(actor, request.participant_id)
        if not can(target.role, Permission.TAKE_FLOOR):
            raise SignalingError(
                ErrorCode.FORBIDDEN, f"a {target.role.value} cannot be given or denied the floor"
            )
        target.on_air = request.on_air
        changed = [target]
        checker = self._room.get(self._room.checker_of(target.id) or "")
        if request.on_air and checker is not None:
            self._room.previews[checker.id] = None  # on air, the private check is over
            changed.append(checker)
        self._record(actor, "set_floor", target, on_air=request.on_air)
        return Outcome(changed=changed)

    # «Установить уровень громкости микрофона участника».
    def set_mic_level(self, actor: Participant, request: MicLevel) -> Outcome:
        target = self._target(actor, request.participant_id, publisher=True)
        target.gain_db = request.gain_db
        self._record(actor, "set_mic_level", target, gain_db=request.gain_db)
        return Outcome(changed=[target])

    # «Отключить участника»: out now, may join again.
    def disconnect(self, actor: Participant, request: Target) -> Outcome:
        target = self._target(actor, request.participant_id, moderated=True)
        self._record(actor, "disconnect", target)
        return Outcome(evict=[(target.id, CloseReason.KICKED)])

    # «Удалить из конференции»: out now and refused on every later join to this reception.
    async def remove(self, actor: Participant, request: Target) -> Outcome:
        target = self._target(actor, request.participant_id, moderated=True)
        await self._directory.ban(self._room.reception_id, target.id)
        self._record(actor, "remove", target)
        return Outcome(evict=[(target.id, CloseReason.BANNED)])

    # «Временно отключить»: stays in the list, receives nothing until restored.
    def hold(self, actor: Participant, request: HoldChange) -> Outcome:
        target = self._target(actor, request.participant_id, moderated=True)
        target.held = request.held
        self._record(actor, "hold", target, held=request.held)
        return Outcome(changed=[target])

    # «Настройки пользователя»: limit the participant's connection bandwidth.
    def limit_bandwidth(self, actor: Participant, request: BandwidthLimit) -> Outcome:
        target = self._target(actor, request.participant_id)
        target.bandwidth_kbps = request.kbps
        self._record(actor, "limit_bandwidth", target, kbps=request.kbps)
        return Outcome(changed=[target])

    # «Отключить звук» / «Отключить видео»: the participant cannot undo it.
    def mute(self, actor: Participant, request: ModeratorMute) -> Outcome:
        target = self._target(actor, request.participant_id, publisher=True)
        target.moderator_muted[request.kind] = request.muted
        self._record(actor, "mute", target, kind=request.kind.value, muted=request.muted)
        return Outcome(changed=[target])

    # The layout everyone starts with; each participant may still choose their own.
    def set_layout(self, actor: Participant, request: LayoutChoice) -> Outcome:
        self._authorize(actor)
        self._room.default_layout = request.layout
        self._record(actor, "set_layout", None, layout=request.layout.value)
        return Outcome(room_changed=True)

    # «Проверить»: see and hear a waiting citizen, who sees and hears the moderator back,
    # without putting either on air (None ends the check).
    def preview(self, actor: Participant, request: PreviewChoice) -> Outcome:
        self._authorize(actor)
        if request.participant_id is not None:
            target = self._target(actor, request.participant_id, publisher=True)
            if target.on_air:
                raise SignalingError(ErrorCode.INVALID_STATE, "the participant is already on air")
            checker = self._room.checker_of(target.id)
            if checker not in (None, actor.id):
                raise SignalingError(
                    ErrorCode.INVALID_STATE, "another moderator is checking this participant"
                )
        before = self._room.get(self._room.previews.get(actor.id) or "")
        self._room.previews[actor.id] = request.participant_id
        after = self._room.get(request.participant_id or "")
        self._record(actor, "preview", after)
        touched = [p for p in (before, after) if p is not None]
        return Outcome(changed=touched[:1] if before is after else touched)

    def tech_info(self, actor: Participant, request: Target) -> Participant:
        """The participant whose technical information the moderator opens (not logged:
        reading is not a command)."""
        self._authorize(actor)
        return self._existing(request.participant_id)

    # At the end the moderator disconnects everyone (SPEC §5).
    def end_conference(self, actor: Participant) -> Outcome:
        self._authorize(actor)
        self._record(actor, "end_conference", None)
        return Outcome(end=True)

    def _authorize(self, actor: Participant) -> None:
        if not can(actor.role, Permission.MODERATE):
            raise SignalingError(ErrorCode.FORBIDDEN, "only the moderator may do this")

    def _existing(self, participant_id: str) -> Participant:
        target = self._room.get(participant_id)
        if target is None:
            raise SignalingError(ErrorCode.NOT_FOUND, "no such participant in this reception")
        return target

    def _target(
        self,
        actor: Participant,
        participant_id: str,
        *,
        moderated: bool = False,
        publisher: bool = False,
    ) -> Participant:
        self._authorize(actor)
        target = self._existing(participant_id)
        if moderated and target.role not in MODERATED_ROLES:
            raise SignalingError(
                ErrorCode.FORBIDDEN, f"a {target.role.value} cannot be disconnected or held"
            )
        if publisher and not can(target.role, Permission.PUBLISH):
            raise SignalingError(ErrorCode.FORBIDDEN, f"a {target.role.value} sends no media")
        return target

    def _record(
        self, actor: Participant, action: str, target: Participant | None, **detail: Any
    ) -> None:
        record = ModerationRecord(
            time.time(), actor.id, action, target.id if target else None, detail
        )
        self.log.append(record)
        del self.log[:-LOG_LENGTH]
        if self._on_record is not None:
            self._on_record(record)
        audit.info(
            "moderation %s",
            action,
            extra={
                "reception": self._room.reception_id,
                "actor": actor.id,
                "action": action,
                "target": record.target_id,
                "detail": detail,
            },
        )
