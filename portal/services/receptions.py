"""Receptions (SPEC §4): planning by the organizer, «Начать прием» and «Закончить прием».

Every use case runs in one transaction, moves states only through
`receptions_state.move_reception`, sends its letters after the commit and then puts the
reception's record on the board for the live conference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.appeals_orm import Appeal
from portal.adapters.clock import Clock
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.receptions_orm import ModerationEntry, Reception, Seat
from portal.domain.local_time import DEFAULT_ZONE, format_local
from portal.domain.receptions import HOLDING, Plan, SeatState, check_dates, may_start
from portal.domain.roles import Role
from portal.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal.services.appeals_notify import Letter, MailSender, Outgoing, greeting
from portal.services.receptions_board import NoBoard, ReceptionBoard, publish
from portal.services.receptions_state import move_reception
from signaling.protocol.receptions import ReceptionState


@dataclass
class ReceptionsDeps:
    """What the reception use cases need; built per request like the appeals' deps."""

    db: Database
    clock: Clock
    mailer: MailSender | None
    public_url: str
    time_zone: tzinfo = field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))
    board: ReceptionBoard = field(default_factory=NoBoard)

    def link(self, reception_id: int) -> str:
        return f"{self.public_url}/receptions/{reception_id}"


def require(user: User, *roles: Role) -> None:
    if not user.has_role(*roles):
        raise Forbidden(
            "Недостаточно прав для этого действия.", en="You are not allowed to do this."
        )


def runs(user: User, reception: Reception) -> bool:
    """The reception's own host or moderator, or an organizer: who starts and ends it."""
    return user.id in (reception.host_id, reception.moderator_id) or user.has_role(Role.ORGANIZER)


async def get_reception(session: AsyncSession, reception_id: int) -> Reception:
    reception = await session.get(Reception, reception_id)
    if reception is None:
        raise NotFound("Прием не найден.", en=f"Reception {reception_id} not found.")
    return reception


async def staff_choices(db: Database, role: Role) -> Sequence[User]:
    """Active staff holding `role`, for the «Прием проводит» and «Модератор» lists."""
    async with db.session() as session:
        users = (
            await session.execute(
                select(User).where(User.is_active.is_(True)).order_by(User.surname, User.id)
            )
        ).scalars()
        return [u for u in users if u.has_role(role)]


async def _check_people(session: AsyncSession, plan: Plan) -> None:
    for user_id, role, label in (
        (plan.host_id, Role.HOST, "Прием проводит"),
        (plan.moderator_id, Role.MODERATOR, "Модератор"),
    ):
        user = await session.get(User, user_id)
        if user is None or not user.is_active or not user.has_role(role):
            raise InvalidInput(
                f"Поле «{label}»: выберите сотрудника из списка.",
                en=f"Choose the {role.value} from the list.",
            )


async def create(deps: ReceptionsDeps, organizer: User, plan: Plan) -> Reception:
    """«Запланировать новый прием» → «Добавить»."""
    require(organizer, Role.ORGANIZER)
    now = deps.clock.now()
    check_dates(plan, now, new=True)
    async with deps.db.session() as session, session.begin():
        await _check_people(session, plan)
        reception = Reception(
            title=plan.title,
            description=plan.description,
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            capacity=plan.capacity,
            seats_taken=0,
            host_id=plan.host_id,
            moderator_id=plan.moderator_id,
            state=ReceptionState.PLANNED.value,
            created_by=organizer.id,
            created_at=now,
        )
        session.add(reception)
        await session.flush()
        session.add(_entry(reception.id, now, organizer, "reception_planned"))
    await publish(deps.board, reception)
    return reception


async def edit(deps: ReceptionsDeps, reception_id: int, organizer: User, plan: Plan) -> Reception:
    """«Сохранить изменения»: every field while the reception is planned; citizens already
    invited hear of a new date or time."""
    require(organizer, Role.ORGANIZER)
    now = deps.clock.now()
    check_dates(plan, now, new=False)
    outgoing = Outgoing()
    async with deps.db.session() as session, session.begin():
        reception = await get_reception(session, reception_id)
        if reception.state != ReceptionState.PLANNED:
            raise Conflict(
                "Изменять можно только запланированный прием.",
                en="Only a planned reception can be edited.",
            )
        if plan.capacity < reception.seats_taken:
            raise InvalidInput(
                f"На прием уже записано {reception.seats_taken}: "
                "количество участников не может быть меньше.",
                en="The capacity cannot be below the seats already taken.",
            )
        await _check_people(session, plan)
        moved = (reception.starts_at, reception.ends_at) != (plan.starts_at, plan.ends_at)
        for name in ("title", "description", "starts_at", "ends_at", "capacity"):
            setattr(reception, name, getattr(plan, name))
        reception.host_id, reception.moderator_id = plan.host_id, plan.moderator_id
        session.add(_entry(reception.id, now, organizer, "reception_edited"))
        if moved:
            for citizen in await _invited_citizens(session, reception.id):
                outgoing.add(_moved_letter(deps, reception, citizen))
    await outgoing.deliver(deps.mailer)
    await publish(deps.board, reception)
    return reception


async def cancel(deps: ReceptionsDeps, reception_id: int, organizer: User) -> None:
    """«Удалить прием»: it is kept as cancelled, and all of its appeals go back."""
    require(organizer, Role.ORGANIZER)
    await _move(deps, reception_id, organizer, ReceptionState.CANCELLED)


async def start(deps: ReceptionsDeps, reception_id: int, user: User) -> Reception:
    """«Начать прием»: the reception's host or moderator (or an organizer), from an hour
    before the start."""
    async with deps.db.session() as session:
        reception = await get_reception(session, reception_id)
    if not runs(user, reception):
        raise Forbidden(
            "Начать прием может его ведущий, модератор или организатор.",
            en="Only the host, the moderator or an organizer may start it.",
        )
    if not may_start(reception.starts_at, reception.ends_at, deps.clock.now()):
        raise Conflict(
            "Начать прием можно за час до его начала и до его окончания "
            f"(начало в {format_local(reception.starts_at, deps.time_zone, '%H:%M %d.%m.%Y')}).",
            en="A reception can be started from an hour before its start until its end.",
        )
    return await _move(deps, reception_id, user, ReceptionState.STARTED)


async def end(deps: ReceptionsDeps, reception_id: int, user: User) -> Reception:
    """«Закончить прием»: the conference, wherever it runs, sends everyone out."""
    async with deps.db.session() as session:
        reception = await get_reception(session, reception_id)
    if not runs(user, reception):
        raise Forbidden(
            "Закончить прием может его ведущий, модератор или организатор.",
            en="Only the host, the moderator or an organizer may end it.",
        )
    return await _move(deps, reception_id, user, ReceptionState.ENDED)


async def _move(
    deps: ReceptionsDeps, reception_id: int, user: User | None, target: ReceptionState
) -> Reception:
    outgoing = Outgoing()
    async with deps.db.session() as session, session.begin():
        reception = await move_reception(
            session, reception_id, target, user, deps.clock.now(), outgoing, deps.public_url
        )
    await outgoing.deliver(deps.mailer)
    await publish(deps.board, reception)
    return reception


async def conference_moved(deps: ReceptionsDeps, reception_id: int, target: ReceptionState) -> None:
    """The conference went live or ended by itself (the moderator joined, «Завершить прием
    для всех»). Already there, or a move the portal has overtaken: nothing to do."""
    try:
        await move_by_system(deps, reception_id, target)
    except (Conflict, NotFound):
        return


async def move_by_system(
    deps: ReceptionsDeps, reception_id: int, target: ReceptionState
) -> Reception:
    """A move nobody clicked: the conference's own, or the keeper's."""
    return await _move(deps, reception_id, None, target)


async def _invited_citizens(session: AsyncSession, reception_id: int) -> list[User]:
    rows = await session.execute(
        select(User)
        .join(Appeal, Appeal.citizen_id == User.id)
        .join(Seat, Seat.appeal_id == Appeal.id)
        .where(
            Seat.reception_id == reception_id,
            Seat.state.in_(sorted(HOLDING - {SeatState.ENROLLED})),
        )
    )
    return list(rows.scalars())


def _moved_letter(deps: ReceptionsDeps, reception: Reception, citizen: User) -> Letter | None:
    if not citizen.notify_invitation or not citizen.email:
        return None
    when = format_local(reception.starts_at, deps.time_zone, "%d.%m.%Y %H:%M")
    text = (
        f"{greeting(citizen)}\n\n"
        f"Время приема «{reception.title}» изменено: прием начнется {when}.\n\n"
        f"Подробнее: {deps.link(reception.id)}\n\nИнтерактивная приемная"
    )
    return Letter(citizen.email, f"Изменено время приема «{reception.title}»", text)


def _entry(reception_id: int, at: datetime, actor: User, action: str) -> ModerationEntry:
    return ModerationEntry(
        reception_id=reception_id,
        at=at,
        actor_id=actor.id,
        action=action,
        target_id=None,
        detail={},
    )
