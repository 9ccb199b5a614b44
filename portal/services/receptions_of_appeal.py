"""The receptions an appeal was enrolled in, for the staff appeal page: which reception,
when, what came of the citizen's seat. The appeal's visibility is checked by the page
before (`view_appeal`), so this reads by id only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.adapters.db import Database
from portal.adapters.receptions_orm import Reception, Seat
from portal.domain.receptions import SEAT_LABELS, STATE_LABELS, SeatState
from signaling.protocol.receptions import ReceptionState


@dataclass(frozen=True, slots=True)
class AppealSeat:
    reception_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    reception_label: str
    seat_label: str


async def seats_of(db: Database, appeal_id: int) -> list[AppealSeat]:
    async with db.session() as session:
        rows = await session.execute(
            select(
                Reception.id,
                Reception.title,
                Reception.starts_at,
                Reception.ends_at,
                Reception.state,
                Seat.state,
            )
            .join(Seat, Seat.reception_id == Reception.id)
            .where(Seat.appeal_id == appeal_id)
            .order_by(Reception.starts_at.desc(), Seat.id.desc())
        )
        return [
            AppealSeat(
                reception_id=r[0],
                title=r[1],
                starts_at=r[2],
                ends_at=r[3],
                reception_label=STATE_LABELS[ReceptionState(r[4])],
                seat_label=SEAT_LABELS[SeatState(r[5])],
            )
            for r in rows
        ]
