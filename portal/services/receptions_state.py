"""The one function that moves a reception, and what each move does to its appeals.

`planned → started → live → ended` (+ `cancelled`), checked against the protocol's
table that the conference uses too. Each move is a compare-and-set UPDATE, so two staff
pressing «Закончить прием» at once, or the conference and the portal ending it together,
end it once; then the seats drive their appeals through the appeal status machine:
- live: confirmed appeals go `at_reception`;
- ended: an appeal whose citizen took part is `held`; one whose citizen never came, or
  never confirmed, goes back to `preparing` (and to the planning list);
- cancelled: every appeal still in the reception goes back to `preparing`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.appeals_orm import Appeal
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Attendance, ModerationEntry, Reception, Seat
from portal.domain.receptions import HOLDING, STATE_LABELS, SeatState
from portal.domain.status import Status
from portal.errors import Conflict, NotFound
from portal.services.appeals_notify import Outgoing
from portal.services.appeals_status import change_status
from signaling.protocol.receptions import MOVES, ReceptionState

log = logging.getLogger(__name__)

_STAMPS = {
    ReceptionState.STARTED: "started_at",
    ReceptionState.LIVE: "live_at",
    ReceptionState.ENDED: "ended_at",
    ReceptionState.CANCELLED: "ended_at",
}

_MOVE_NAMES = {
    ReceptionState.STARTED: "Прием начат",
    ReceptionState.LIVE: "Модератор присоединился: прием идет",
    ReceptionState.ENDED: "Прием закончен",
    ReceptionState.CANCELLED: "Прием отменен",
}


def _sources(target: ReceptionState) -> list[str]:
    return sorted(s.value for s, targets in MOVES.items() if target in targets)


async def move_reception(
    session: AsyncSession,
    reception_id: int,
    target: ReceptionState,
    actor: User | None,
    now: datetime,
    outgoing: Outgoing,
    link: str = "",
) -> Reception:
    """Move the reception to `target` (None actor: the conference itself) and its appeals
    with it; a move the table forbids from the current state is a named 409."""
    moved = await session.execute(
        update(Reception)
        .where(Reception.id == reception_id, Reception.state.in_(_sources(target)))
        .values({"state": target.value, _STAMPS[target]: now})
        .returning(Reception.state)
    )
    if moved.first() is None:
        current = await session.get(Reception, reception_id)
        if current is None:
            raise NotFound("Прием не найден.", en=f"Reception {reception_id} not found.")
        raise Conflict(
            f"Прием сейчас в состоянии «{STATE_LABELS[ReceptionState(current.state)]}»: "
            "это действие невозможно.",
            en=f"The reception is {current.state}; it cannot become {target.value}.",
        )
    reception = await session.get(Reception, reception_id, populate_existing=True)
    assert reception is not None
    log.info("reception state -> %s", target.value, extra={"reception": reception_id})
    session.add(
        ModerationEntry(
            reception_id=reception_id,
            at=now,
            actor_id=actor.id if actor else None,
            action=f"reception_{target.value}",
            target_id=None,
            detail={"label": _MOVE_NAMES[target]},
        )
    )
    seats = list(
        (
            await session.execute(
                select(Seat).where(Seat.reception_id == reception_id, Seat.state.in_(HOLDING))
            )
        ).scalars()
    )
    if target is ReceptionState.LIVE:
        await _went_live(session, seats, now, outgoing, link)
    elif target is ReceptionState.ENDED:
        await _ended(session, reception, seats, now, outgoing, link)
    elif target is ReceptionState.CANCELLED:
        await _cancelled(session, reception, seats, actor, now, outgoing, link)
    await session.flush()
    return reception


async def _went_live(
    session: AsyncSession, seats: list[Seat], now: datetime, outgoing: Outgoing, link: str
) -> None:
    for seat in seats:
        if seat.state == SeatState.CONFIRMED:
            await _appeal_to(session, seat, Status.AT_RECEPTION, None, now, outgoing, link)


async def _ended(
    session: AsyncSession,
    reception: Reception,
    seats: list[Seat],
    now: datetime,
    outgoing: Outgoing,
    link: str,
) -> None:
    came = set(
        (
            await session.execute(
                select(Attendance.user_id).where(Attendance.reception_id == reception.id)
            )
        ).scalars()
    )
    await _close_on_air(session, reception.id, now)
    for seat in seats:
        appeal = await session.get(Appeal, seat.appeal_id)
        assert appeal is not None
        attended = appeal.citizen_id in came and appeal.status == Status.AT_RECEPTION
        if attended:
            await _appeal_to(session, seat, Status.HELD, None, now, outgoing, link)
        elif appeal.status in (Status.AT_RECEPTION, Status.CONFIRMED, Status.INVITED):
            await _appeal_to(session, seat, Status.PREPARING, None, now, outgoing, link)
        seat.state = SeatState.ATTENDED if attended else SeatState.ABSENT
        seat.active_appeal_id = None
    reception.seats_taken = 0


async def _cancelled(
    session: AsyncSession,
    reception: Reception,
    seats: list[Seat],
    actor: User | None,
    now: datetime,
    outgoing: Outgoing,
    link: str,
) -> None:
    for seat in seats:
        appeal = await session.get(Appeal, seat.appeal_id)
        assert appeal is not None
        if appeal.status in (Status.INVITED, Status.CONFIRMED):
            await _appeal_to(session, seat, Status.PREPARING, actor, now, outgoing, link)
        await session.delete(seat)
    reception.seats_taken = 0


async def _appeal_to(
    session: AsyncSession,
    seat: Seat,
    target: Status,
    actor: User | None,
    now: datetime,
    outgoing: Outgoing,
    link: str,
) -> None:
    appeal = await session.get(Appeal, seat.appeal_id)
    assert appeal is not None
    await change_status(
        session, appeal, target, actor, now, outgoing, link=f"{link}/appeals/{appeal.id}"
    )


async def _close_on_air(session: AsyncSession, reception_id: int, now: datetime) -> None:
    """Whoever is still on air when the reception ends leaves the air now."""
    rows = await session.execute(
        select(Attendance).where(
            Attendance.reception_id == reception_id, Attendance.on_air_since.is_not(None)
        )
    )
    for row in rows.scalars():
        since = row.on_air_since
        assert since is not None
        row.on_air_seconds += max(0, int((now - since).total_seconds()))
        row.on_air_since = None
        row.last_left_at = row.last_left_at or now
