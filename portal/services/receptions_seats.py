"""Seats: enrolling appeals in a planned reception, inviting, and the citizen's answer.

The capacity holds under concurrent enrolment without locks: taking a seat is one
conditional UPDATE (`seats_taken < capacity`), and an appeal sits in one reception at a
time through the unique `active_appeal_id`; both work the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.appeals_orm import Appeal
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Reception, Seat
from portal.domain.local_time import format_local
from portal.domain.receptions import HOLDING, SeatState
from portal.domain.roles import Role
from portal.domain.status import Status
from portal.errors import Conflict, NotFound
from portal.services.appeals import load_appeal
from portal.services.appeals_notify import Letter, Outgoing, greeting
from portal.services.appeals_status import change_status
from portal.services.receptions import ReceptionsDeps, get_reception, require
from portal.services.receptions_release import free_seat
from signaling.protocol.receptions import ReceptionState


async def enroll(deps: ReceptionsDeps, reception_id: int, appeal_id: int, organizer: User) -> Seat:
    """«Записать на прием»: a `preparing` appeal takes a free seat of a planned reception."""
    require(organizer, Role.ORGANIZER)
    now = deps.clock.now()
    async with deps.db.session() as session, session.begin():
        taken = await session.execute(
            update(Reception)
            .where(
                Reception.id == reception_id,
                Reception.state == ReceptionState.PLANNED.value,
                Reception.seats_taken < Reception.capacity,
            )
            .values(seats_taken=Reception.seats_taken + 1)
            .returning(Reception.id)
        )
        if taken.first() is None:
            reception = await get_reception(session, reception_id)
            if reception.state != ReceptionState.PLANNED:
                raise Conflict(
                    "Записать на прием можно только пока он запланирован.",
                    en="Appeals are enrolled only in a planned reception.",
                )
            raise Conflict(
                f"На приеме нет свободных мест (всего {reception.capacity}).",
                en="The reception is full.",
            )
        appeal = await load_appeal(session, appeal_id, organizer)
        if appeal.status != Status.PREPARING:
            raise Conflict(
                "Записать на прием можно только заявку в статусе «Подготовка к участию».",
                en="Only an appeal in preparing can be enrolled.",
            )
        seat = Seat(
            reception_id=reception_id,
            appeal_id=appeal.id,
            active_appeal_id=appeal.id,
            state=SeatState.ENROLLED.value,
            enrolled_at=now,
        )
        session.add(seat)
        try:
            await session.flush()
        except IntegrityError:
            raise Conflict(
                "Эта заявка уже записана на прием.", en="The appeal is already enrolled."
            ) from None
    return seat


async def remove(deps: ReceptionsDeps, seat_id: int, organizer: User) -> None:
    """«Убрать из списка»: the appeal goes back to `preparing` and to the planning list."""
    require(organizer, Role.ORGANIZER)
    outgoing = Outgoing()
    async with deps.db.session() as session, session.begin():
        seat, _ = await _planned_seat(session, seat_id)
        await free_seat(session, seat)
        appeal = await _appeal(session, seat)
        if appeal.status in (Status.INVITED, Status.CONFIRMED):
            await change_status(
                session,
                appeal,
                Status.PREPARING,
                organizer,
                deps.clock.now(),
                outgoing,
                link=_appeal_link(deps, appeal),
            )
        await session.delete(seat)
    await outgoing.deliver(deps.mailer)


async def invite(
    deps: ReceptionsDeps, reception_id: int, organizer: User, seat_id: int | None
) -> int:
    """«Выслать приглашение» to one seat, or to every enrolled one (`seat_id` None);
    returns how many were invited."""
    require(organizer, Role.ORGANIZER)
    now = deps.clock.now()
    outgoing = Outgoing()
    async with deps.db.session() as session, session.begin():
        reception = await get_reception(session, reception_id)
        if reception.state != ReceptionState.PLANNED:
            raise Conflict(
                "Приглашения высылаются до начала приема.", en="Invite before the start."
            )
        query = select(Seat).where(
            Seat.reception_id == reception_id, Seat.state == SeatState.ENROLLED.value
        )
        if seat_id is not None:
            query = query.where(Seat.id == seat_id)
        seats = list((await session.execute(query.order_by(Seat.id))).scalars())
        if seat_id is not None and not seats:
            raise Conflict(
                "Приглашение этому участнику уже выслано.", en="This seat is already invited."
            )
        for seat in seats:
            appeal = await _appeal(session, seat)
            # The status letter would only say "invited": the invitation letter says
            # when and where, and follows the citizen's invitation setting instead.
            await change_status(session, appeal, Status.INVITED, organizer, now, Outgoing())
            seat.state, seat.invited_at = SeatState.INVITED.value, now
            citizen = await session.get(User, appeal.citizen_id)
            if citizen is not None:
                outgoing.add(_invitation(deps, reception, appeal, citizen))
    await outgoing.deliver(deps.mailer)
    return len(seats)


async def answer(deps: ReceptionsDeps, appeal_id: int, citizen: User, *, accept: bool) -> None:
    """«Подтвердить участие» / «Отказаться от приема», by the appeal's citizen only. A
    citizen who confirms while the reception is already live goes straight to it."""
    now = deps.clock.now()
    outgoing = Outgoing()
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, citizen)
        if appeal.citizen_id != citizen.id:
            raise NotFound("Заявка не найдена.", en=f"Appeal {appeal_id} not found.")
        seat = (
            await session.execute(select(Seat).where(Seat.active_appeal_id == appeal.id))
        ).scalar_one_or_none()
        if seat is None or seat.state not in (SeatState.INVITED, SeatState.CONFIRMED):
            raise Conflict("Приглашения на прием нет.", en="There is no invitation to answer.")
        reception = await get_reception(session, seat.reception_id)
        link = _appeal_link(deps, appeal)
        if accept and seat.state == SeatState.INVITED:
            await change_status(
                session, appeal, Status.CONFIRMED, citizen, now, outgoing, link=link
            )
            seat.state, seat.answered_at = SeatState.CONFIRMED.value, now
            if reception.state == ReceptionState.LIVE:
                await change_status(
                    session, appeal, Status.AT_RECEPTION, None, now, outgoing, link=link
                )
        elif not accept:
            if reception.state != ReceptionState.PLANNED:
                raise Conflict(
                    "Прием уже начался: отказаться от участия можно было до его начала.",
                    en="The reception has started.",
                )
            await change_status(
                session, appeal, Status.PREPARING, citizen, now, outgoing, link=link
            )
            await free_seat(session, seat)
            seat.state, seat.answered_at = SeatState.DECLINED.value, now
    await outgoing.deliver(deps.mailer)


async def _planned_seat(session: AsyncSession, seat_id: int) -> tuple[Seat, Reception]:
    seat = await session.get(Seat, seat_id)
    if seat is None or seat.state not in HOLDING:
        raise NotFound("Участник не найден.", en=f"Seat {seat_id} not found.")
    reception = await get_reception(session, seat.reception_id)
    if reception.state != ReceptionState.PLANNED:
        raise Conflict(
            "Список участников меняется только до начала приема.",
            en="The list changes only before the start.",
        )
    return seat, reception


async def _appeal(session: AsyncSession, seat: Seat) -> Appeal:
    appeal = await session.get(Appeal, seat.appeal_id)
    assert appeal is not None
    return appeal


def _appeal_link(deps: ReceptionsDeps, appeal: Appeal) -> str:
    return f"{deps.public_url}/appeals/{appeal.id}"


def _invitation(
    deps: ReceptionsDeps, reception: Reception, appeal: Appeal, citizen: User
) -> Letter | None:
    """The invitation (seed 002: by e-mail when the citizen's settings allow it; it is
    always shown inside the appeal)."""
    if not citizen.notify_invitation or not citizen.email:
        return None
    when = format_local(reception.starts_at, deps.time_zone, "%d.%m.%Y с %H:%M")
    until = format_local(reception.ends_at, deps.time_zone, "%H:%M")
    text = (
        f"{greeting(citizen)}\n\n"
        f"Вы приглашены на прием «{reception.title}» по заявке № {appeal.number} "
        f"«{appeal.title}»: {when} до {until}.\n\n"
        "Подтвердите участие или откажитесь от приема на странице заявки:\n"
        f"{_appeal_link(deps, appeal)}\n\n"
        "В назначенное время нажмите там же «Присоединиться к приему». Понадобятся браузер "
        "с камерой и микрофоном и подключение к интернету не медленнее 256 кбит/с.\n\n"
        "Интерактивная приемная"
    )
    return Letter(citizen.email, f"Приглашение на прием: заявка № {appeal.number}", text)
