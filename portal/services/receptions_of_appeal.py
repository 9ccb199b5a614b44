"""The receptions of one appeal: for staff, every reception it was enrolled in and what
came of its seat; for the citizen, the invitation shown inside the appeal. The appeal's
visibility is checked by the page before (`view_appeal`), so these read by id only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.adapters.appeals_orm import Appeal
from portal.adapters.db import Database
from portal.adapters.receptions_orm import Reception, Seat
from portal.domain.receptions import SEAT_LABELS, STATE_LABELS, SeatState
from portal.services.receptions import ReceptionsDeps
from portal.services.receptions_join import joinable_appeal
from signaling.protocol.receptions import OPEN, ReceptionState


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


SHOWN_SEATS = (SeatState.INVITED, SeatState.CONFIRMED, SeatState.DECLINED)
"""An enrolled seat is not an invitation yet; after the reception the appeal's history
tells the rest."""


@dataclass(frozen=True, slots=True)
class Invitation:
    """«Приглашение на прием» on the citizen's appeal page."""

    reception_id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    reception_state: ReceptionState
    seat: SeatState
    joinable: bool
    """«Присоединиться к приему» applies now (`receptions_join.joinable_appeal`)."""

    @property
    def may_confirm(self) -> bool:
        return self.seat is SeatState.INVITED and self.reception_state in (
            ReceptionState.PLANNED,
            *OPEN,
        )

    @property
    def may_decline(self) -> bool:
        """Invited or confirmed, until the reception starts (`receptions_seats.answer`)."""
        return (
            self.seat in (SeatState.INVITED, SeatState.CONFIRMED)
            and self.reception_state is ReceptionState.PLANNED
        )

    @property
    def seat_label(self) -> str:
        return SEAT_LABELS[self.seat]


async def invitation(deps: ReceptionsDeps, appeal: Appeal) -> Invitation | None:
    """The appeal's latest seat, when it is an invitation (answered or not)."""
    async with deps.db.session() as session:
        found = (
            await session.execute(
                select(Seat.state, Reception)
                .join(Reception, Reception.id == Seat.reception_id)
                .where(Seat.appeal_id == appeal.id)
                .order_by(Seat.id.desc())
                .limit(1)
            )
        ).one_or_none()
    if found is None or found[0] not in SHOWN_SEATS:
        return None
    state, reception = found
    joinable = await joinable_appeal(deps, appeal) == reception.id
    return Invitation(
        reception_id=reception.id,
        title=reception.title,
        description=reception.description,
        starts_at=reception.starts_at,
        ends_at=reception.ends_at,
        reception_state=ReceptionState(reception.state),
        seat=SeatState(state),
        joinable=joinable,
    )
