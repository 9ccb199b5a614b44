"""«Расписание приемов» and a reception's page («Подробнее»), read for one viewer.

Staff see every reception; a citizen sees only the receptions one of their appeals has a
seat in. Each row carries the buttons that apply to this viewer now (seed 002: «Начать
прием», «Подробнее», «Присоединиться к приему», «Закончить прием»). A page costs a few
indexed queries whatever the number of receptions: the counts, one page of rows with
their host and moderator, and (for a citizen) their seats and removals on that page.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Select, case, false, func, select
from sqlalchemy.orm import aliased

from portal.adapters.appeals_orm import Appeal, Topic
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Attendance, ModerationEntry, Reception, Seat
from portal.domain.appeals import full_name
from portal.domain.local_time import to_local
from portal.domain.receptions import SEAT_LABELS, STATE_LABELS, JoinRole, SeatState, may_start
from portal.domain.roles import STAFF_ROLES, Role
from portal.errors import NotFound
from portal.services.receptions import ReceptionsDeps, runs
from portal.services.receptions_join import role_in
from portal.services.receptions_words import action_words, detail_words
from signaling.protocol.receptions import OPEN, ReceptionState

PER_PAGE = 20
MAX_PAGE = 10_000
"""A page number from a link is clamped: the offset stays far from any integer limit."""


class Category(enum.StrEnum):
    ALL = "all"
    MONTH = "month"
    FUTURE = "future"


CATEGORY_LABELS: dict[Category, str] = {
    Category.ALL: "Все",
    Category.MONTH: "В этом месяце",
    Category.FUTURE: "Будущие",
}

ROLE_LABELS: dict[str, str] = {
    JoinRole.HOST: "Ведущий",
    JoinRole.MODERATOR: "Модератор",
    JoinRole.CITIZEN: "Гражданин",
    JoinRole.OBSERVER: "Наблюдатель",
}

SYSTEM_ACTOR = "Система"
"""The actor of a move the conference made by itself (the moderator joined, the end)."""


def category_of(value: str | None) -> Category:
    try:
        return Category(value or Category.ALL)
    except ValueError:
        return Category.ALL


def page_of(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def is_staff(user: User) -> bool:
    return bool(user.role_set & STAFF_ROLES)


def sees_seats(user: User, reception: Reception) -> bool:
    """Its staff: organizers, its host and moderator, control officers."""
    return user.id in (reception.host_id, reception.moderator_id) or user.has_role(
        Role.ORGANIZER, Role.CONTROL
    )


def may_edit(user: User) -> bool:
    """«Редактировать» leads to the organizer's form of the reception."""
    return user.has_role(Role.ORGANIZER)


@dataclass(frozen=True, slots=True)
class Buttons:
    start: bool
    join: bool
    end: bool
    details: bool = True


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    state: ReceptionState
    host: str
    moderator: str
    seats_taken: int
    capacity: int
    buttons: Buttons
    seat: SeatState | None = None
    """The citizen's own participation (None for staff)."""

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def seat_label(self) -> str:
        return SEAT_LABELS[self.seat] if self.seat else ""


@dataclass(frozen=True, slots=True)
class Schedule:
    category: Category
    counts: dict[Category, int]
    rows: list[Row]
    page: int
    pages: int

    @property
    def total(self) -> int:
        return self.counts[self.category]


@dataclass(frozen=True, slots=True)
class SeatRow:
    appeal_id: int
    number: str
    citizen: str
    topic: str
    address: str
    state: SeatState
    invited_at: datetime | None
    answered_at: datetime | None

    @property
    def state_label(self) -> str:
        return SEAT_LABELS[self.state]


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    name: str
    role: str
    first_joined_at: datetime
    last_left_at: datetime | None
    on_air_seconds: int
    banned: bool

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role or "—")

    @property
    def on_air(self) -> str:
        minutes, seconds = divmod(self.on_air_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}"


@dataclass(frozen=True, slots=True)
class LogRow:
    at: datetime
    actor: str
    action: str
    """In Russian words."""
    target: str
    details: str


@dataclass(frozen=True, slots=True)
class Detail:
    reception: Reception
    host: str
    moderator: str
    buttons: Buttons
    staff_view: bool
    """The reception's own staff: seats, attendance and the moderation log."""
    may_edit: bool
    seats: list[SeatRow] = field(default_factory=list)
    attendance: list[AttendanceRow] = field(default_factory=list)
    log: list[LogRow] = field(default_factory=list)

    @property
    def state(self) -> ReceptionState:
        return ReceptionState(self.reception.state)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


# --- who sees what ---------------------------------------------------------------------


def _citizen_receptions(user: User) -> Select[Any]:
    return (
        select(Seat.reception_id)
        .join(Appeal, Appeal.id == Seat.appeal_id)
        .where(Appeal.citizen_id == user.id)
    )


def _visible(user: User) -> list[ColumnElement[bool]]:
    """A deleted (cancelled) reception is no longer in the schedule."""
    where = [Reception.state != ReceptionState.CANCELLED.value]
    if not is_staff(user):
        where.append(Reception.id.in_(_citizen_receptions(user)))
    return where


def month_bounds(now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """The current local month as a UTC range [start, next month's start)."""
    local = to_local(now, tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    start = datetime(local.year, local.month, 1, tzinfo=tz).astimezone(UTC)
    return start, datetime(year, month, 1, tzinfo=tz).astimezone(UTC)


def _conditions(now: datetime, tz: tzinfo) -> dict[Category, ColumnElement[bool]]:
    start, end = month_bounds(now, tz)
    return {
        Category.MONTH: (Reception.starts_at >= start) & (Reception.starts_at < end),
        Category.FUTURE: (Reception.state == ReceptionState.PLANNED.value)
        & (Reception.starts_at > now),
    }


def buttons(
    user: User,
    reception: Reception,
    now: datetime,
    seat: SeatState | None = None,
    banned: bool = False,
) -> Buttons:
    """Which of the four buttons apply to `user` now (seed 002: by the reception's state)."""
    state = ReceptionState(reception.state)
    running = runs(user, reception)
    role = role_in(reception, user, Seat(state=seat.value) if seat else None)
    return Buttons(
        start=state is ReceptionState.PLANNED
        and running
        and may_start(reception.starts_at, reception.ends_at, now),
        join=state in OPEN and role is not None and not banned,
        end=state in OPEN and running,
    )


# --- the schedule ----------------------------------------------------------------------


async def schedule(
    deps: ReceptionsDeps, user: User, category: Category = Category.ALL, page: int = 1
) -> Schedule:
    now = deps.clock.now()
    visible = _visible(user)
    conditions = _conditions(now, deps.time_zone)
    host, moderator = aliased(User), aliased(User)
    async with deps.db.session() as session:
        counted = (
            await session.execute(
                select(
                    func.count(Reception.id),
                    *(_how_many(c) for c in conditions.values()),
                ).where(*visible)
            )
        ).one()
        counts = {Category.ALL: int(counted[0])}
        counts.update({c: int(n) for c, n in zip(conditions, counted[1:], strict=True)})
        pages = max(1, -(-counts[category] // PER_PAGE))
        page = min(page, pages)
        query = (
            select(Reception, host, moderator)
            .join(host, host.id == Reception.host_id)
            .join(moderator, moderator.id == Reception.moderator_id)
            .where(*visible)
        )
        if category in conditions:
            query = query.where(conditions[category])
        order = (
            (Reception.starts_at.desc(), Reception.id.desc())
            if category is Category.ALL
            else (Reception.starts_at, Reception.id)
        )
        found = (
            await session.execute(
                query.order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
            )
        ).all()
        ids = [r.id for r, _, _ in found]
        seats: dict[int, SeatState] = {}
        banned: set[int] = set()
        if ids:
            if not is_staff(user):
                for reception_id, state in await session.execute(
                    select(Seat.reception_id, Seat.state)
                    .join(Appeal, Appeal.id == Seat.appeal_id)
                    .where(Appeal.citizen_id == user.id, Seat.reception_id.in_(ids))
                    .order_by(Seat.id)
                ):
                    seats[reception_id] = SeatState(state)  # the latest seat wins
            banned = set(
                (
                    await session.execute(
                        select(Attendance.reception_id).where(
                            Attendance.user_id == user.id,
                            Attendance.reception_id.in_(ids),
                            Attendance.banned.is_(True),
                        )
                    )
                ).scalars()
            )
    rows = [
        Row(
            id=r.id,
            title=r.title,
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            state=ReceptionState(r.state),
            host=_name(h),
            moderator=_name(m),
            seats_taken=r.seats_taken,
            capacity=r.capacity,
            buttons=buttons(user, r, now, seats.get(r.id), r.id in banned),
            seat=seats.get(r.id),
        )
        for r, h, m in found
    ]
    return Schedule(category, counts, rows, page, pages)


def _how_many(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- one reception ---------------------------------------------------------------------


async def detail(deps: ReceptionsDeps, reception_id: int, user: User) -> Detail:
    """The reception's page; a citizen without a seat in it learns nothing ("not found",
    like a missing one) and sees only the public fields and their own participation."""
    now = deps.clock.now()
    host, moderator = aliased(User), aliased(User)
    async with deps.db.session() as session:
        found = (
            await session.execute(
                select(Reception, host, moderator)
                .join(host, host.id == Reception.host_id)
                .join(moderator, moderator.id == Reception.moderator_id)
                .where(Reception.id == reception_id)
            )
        ).one_or_none()
        if found is None:
            raise _not_found(reception_id)
        reception, host_user, moderator_user = found
        staff_view = sees_seats(user, reception)
        seat_query = (
            select(Seat, Appeal, User, Topic)
            .join(Appeal, Appeal.id == Seat.appeal_id)
            .join(User, User.id == Appeal.citizen_id)
            .join(Topic, Topic.id == Appeal.topic_id)
            .where(Seat.reception_id == reception_id)
            .order_by(Seat.id)
        )
        attendance_query = (
            select(Attendance, User)
            .join(User, User.id == Attendance.user_id)
            .where(Attendance.reception_id == reception_id)
            .order_by(Attendance.first_joined_at, Attendance.id)
        )
        if not is_staff(user):
            seat_query = seat_query.where(Appeal.citizen_id == user.id)
            attendance_query = attendance_query.where(Attendance.user_id == user.id)
        elif not staff_view:
            seat_query = seat_query.where(false())
            attendance_query = attendance_query.where(Attendance.user_id == user.id)
        seat_rows = (await session.execute(seat_query)).all()
        if not is_staff(user) and not seat_rows:
            raise _not_found(reception_id)
        attendance_rows = (await session.execute(attendance_query)).all()
        log: list[LogRow] = []
        if staff_view:
            log = await _log(session, reception_id)
    seats = [
        SeatRow(
            appeal_id=a.id,
            number=a.number,
            citizen=_name(c),
            topic=t.name,
            address=a.address or "",
            state=SeatState(s.state),
            invited_at=s.invited_at,
            answered_at=s.answered_at,
        )
        for s, a, c, t in seat_rows
    ]
    attendance = [
        AttendanceRow(
            name=_name(u),
            role=row.role,
            first_joined_at=row.first_joined_at,
            last_left_at=row.last_left_at,
            on_air_seconds=row.on_air_seconds + _still_on_air(row.on_air_since, now),
            banned=row.banned,
        )
        for row, u in attendance_rows
    ]
    mine = seats[-1].state if seats and not is_staff(user) else None
    banned = any(row.banned for row, u in attendance_rows if u.id == user.id)
    return Detail(
        reception=reception,
        host=_name(host_user),
        moderator=_name(moderator_user),
        buttons=buttons(user, reception, now, mine, banned),
        staff_view=staff_view,
        may_edit=may_edit(user) and reception.state != ReceptionState.CANCELLED,
        seats=seats,
        attendance=attendance,
        log=log,
    )


async def _log(session: Any, reception_id: int) -> list[LogRow]:
    actor, target = aliased(User), aliased(User)
    rows = await session.execute(
        select(ModerationEntry, actor, target)
        .outerjoin(actor, actor.id == ModerationEntry.actor_id)
        .outerjoin(target, target.id == ModerationEntry.target_id)
        .where(ModerationEntry.reception_id == reception_id)
        .order_by(ModerationEntry.at, ModerationEntry.id)
    )
    return [
        LogRow(
            at=entry.at,
            actor=_name(who) if who is not None else SYSTEM_ACTOR,
            action=action_words(entry.action, entry.detail or {}),
            target=_name(whom) if whom is not None else "",
            details=detail_words(entry.action, entry.detail or {}),
        )
        for entry, who, whom in rows
    ]


def _still_on_air(since: datetime | None, now: datetime) -> int:
    if since is None:
        return 0
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return max(0, int((now - since).total_seconds()))


def _name(user: User) -> str:
    return full_name(user) or user.display_name


def _not_found(reception_id: int) -> NotFound:
    return NotFound("Прием не найден.", en=f"Reception {reception_id} not found.")
