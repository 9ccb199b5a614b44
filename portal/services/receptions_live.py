"""What the live conference reports, written into the reception's record: it went live
or ended (and its appeals with it), who joined and left, who was on air for how long, and
every moderator command (the moderation log shown on the reception's page).

Implements the signaling protocol's `ConferenceEvents`. Events of receptions the portal
does not know (the development page's demo) are ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.orm import User
from portal.adapters.receptions_orm import Attendance, ModerationEntry, Reception
from portal.services.receptions import ReceptionsDeps, conference_moved
from portal.services.receptions_board import portal_id
from signaling.protocol.events import ConferenceEvent, EventKind
from signaling.protocol.receptions import ReceptionState

log = logging.getLogger(__name__)

_MOVES = {EventKind.LIVE: ReceptionState.LIVE, EventKind.ENDED: ReceptionState.ENDED}
BAN_ACTION = "remove"
"""The moderator's «Удалить из конференции»: the person may not join this reception again."""


class ConferenceRecord:
    def __init__(self, deps: Callable[[], ReceptionsDeps]) -> None:
        self._deps = deps

    async def record(self, event: ConferenceEvent) -> None:
        reception_id = portal_id(event.reception_id)
        if reception_id is None:
            return
        deps = self._deps()
        if event.kind in _MOVES:
            await conference_moved(deps, reception_id, _MOVES[event.kind])
            return
        at = datetime.fromtimestamp(event.at, UTC)
        async with deps.db.session() as session, session.begin():
            if await session.get(Reception, reception_id) is None:
                return
            user_id = portal_id(event.user_id)
            if event.kind is EventKind.MODERATED:
                await _moderated(session, reception_id, at, event, user_id)
                return
            if user_id is None or await session.get(User, user_id) is None:
                return
            attendance = await _attendance(session, reception_id, user_id, event, at)
            if event.kind is EventKind.LEFT:
                _leave_air(attendance, at)
                attendance.last_left_at = at
            elif event.kind is EventKind.ON_AIR:
                if event.detail.get("on_air"):
                    attendance.on_air_since = attendance.on_air_since or at
                else:
                    _leave_air(attendance, at)


async def _attendance(
    session: AsyncSession, reception_id: int, user_id: int, event: ConferenceEvent, at: datetime
) -> Attendance:
    row = (
        await session.execute(
            select(Attendance).where(
                Attendance.reception_id == reception_id, Attendance.user_id == user_id
            )
        )
    ).scalar_one_or_none()
    if row is None:
        row = Attendance(
            reception_id=reception_id,
            user_id=user_id,
            role=event.role or "",
            first_joined_at=at,
            on_air_seconds=0,
            banned=False,
        )
        session.add(row)
    elif event.kind is EventKind.JOINED:
        row.role = event.role or row.role
        row.last_left_at = None
    return row


def _leave_air(attendance: Attendance, at: datetime) -> None:
    if attendance.on_air_since is not None:
        attendance.on_air_seconds += max(0, int((at - attendance.on_air_since).total_seconds()))
        attendance.on_air_since = None


async def _moderated(
    session: AsyncSession,
    reception_id: int,
    at: datetime,
    event: ConferenceEvent,
    target_id: int | None,
) -> None:
    actor_id = portal_id(event.actor_id)
    session.add(
        ModerationEntry(
            reception_id=reception_id,
            at=at,
            actor_id=await _known(session, actor_id),
            action=(event.action or "")[:40],
            target_id=await _known(session, target_id),
            detail=dict(event.detail),
        )
    )
    if event.action == BAN_ACTION and target_id is not None:
        row = (
            await session.execute(
                select(Attendance).where(
                    Attendance.reception_id == reception_id, Attendance.user_id == target_id
                )
            )
        ).scalar_one_or_none()
        if row is not None:
            row.banned = True


async def _known(session: AsyncSession, user_id: int | None) -> int | None:
    """The id of an existing account (a demo participant's id is none)."""
    if user_id is None:
        return None
    return user_id if await session.get(User, user_id) is not None else None
