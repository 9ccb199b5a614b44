"""How the portal tells the live conference about its receptions.

The portal's database is the truth; after every change it puts the reception's record on
the board, which is the signaling side's directory (in-process in the embedded default,
Redis when configured, so every node hears it). The portal never needs to know which node
hosts the conference: the hosting node watches the board and follows.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Protocol

from sqlalchemy import select

from portal.adapters.db import Database
from portal.adapters.receptions_orm import Attendance, Reception
from signaling.protocol.receptions import Reception as Record
from signaling.protocol.receptions import ReceptionState

log = logging.getLogger(__name__)


class ReceptionBoard(Protocol):
    async def put(self, reception: Record) -> None: ...


class NoBoard:
    """A node without the live conference and without Redis: nobody to tell."""

    async def put(self, reception: Record) -> None:
        return None


def record_of(reception: Reception) -> Record:
    return Record(
        reception_id=str(reception.id),
        title=reception.title,
        state=ReceptionState(reception.state),
        host_user_id=str(reception.host_id),
        moderator_user_id=str(reception.moderator_id),
        max_citizens=reception.capacity,
    )


async def publish(board: ReceptionBoard, reception: Reception) -> None:
    """After the commit: a board that is down must not undo a change already made (the
    conference then loads the record from the database when someone joins)."""
    try:
        await board.put(record_of(reception))
    except Exception:
        log.exception(
            "could not feed the reception to the conference", extra={"reception": reception.id}
        )


async def load_record(db: Database, reception_id: str) -> Record | None:
    """The conference asks for a reception it was never fed (a restarted node)."""
    rid = portal_id(reception_id)
    if rid is None:
        return None
    async with db.session() as session:
        reception = await session.get(Reception, rid)
        if reception is None:
            return None
        banned = await session.execute(
            select(Attendance.user_id).where(
                Attendance.reception_id == reception.id, Attendance.banned.is_(True)
            )
        )
        return replace(record_of(reception), banned=tuple(str(b) for b in banned.scalars()))


def portal_id(value: str | None) -> int | None:
    """A conference's id (of a reception or a person) as the portal's row id; None for
    ids the portal never issued (the development page's demo)."""
    if value is None or not value.isdigit() or len(value) > 18:
        return None
    return int(value)
