"""What the organizer's planning pages and API read (seed 002 «Планирование приемов»):
queries only, every change goes through `receptions` and `receptions_seats`.

- the appeals waiting for a reception: `preparing`, holding no seat, paged and searchable;
- the planned receptions (started ones too, for information) with their seats taken;
- the receptions an appeal can be enrolled in now;
- one reception with every seat («Управление приемом»).

Each is one or two indexed queries whatever the number of rows: names come from joins,
never from a query per row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from portal.adapters.appeals_orm import Appeal, Topic
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Reception, Seat
from portal.domain.receptions import HOLDING, SEAT_LABELS, STATE_LABELS, SeatState
from portal.domain.roles import Role
from portal.domain.status import Status
from portal.errors import NotFound
from portal.services.appeals_journal import FULL_NUMBER
from portal.services.receptions import require
from signaling.protocol.receptions import ReceptionState

PAGE_SIZE = 50
MAX_PAGE = 100_000
"""Pages past this are clamped: the row offset stays far from the integer limits."""
MAX_SEARCH = 200
LISTED = (ReceptionState.PLANNED, ReceptionState.STARTED, ReceptionState.LIVE)
"""The right-hand list: planned receptions, and those under way for information."""


def _full_name(surname: str, name: str, patronymic: str) -> str:
    return " ".join(p for p in (surname, name, patronymic) if p)


def _pages(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


def _page(page: int) -> int:
    return min(max(1, page), MAX_PAGE)


# --- the left list: appeals waiting for a reception ----------------------------------------


@dataclass(frozen=True, slots=True)
class WaitingAppeal:
    id: int
    number: str
    title: str
    topic: str
    citizen: str
    queued_at: datetime
    """When the appeal came to `preparing` (its last status change)."""


@dataclass(frozen=True, slots=True)
class WaitingPage:
    rows: list[WaitingAppeal]
    total: int
    page: int
    search: str

    @property
    def pages(self) -> int:
        return _pages(self.total)


def _contains(column: Any, term: str, dialect: str) -> ColumnElement[bool]:
    """A plain substring test (`instr`/`strpos`, like the journals' search)."""
    if dialect == "postgresql":
        return func.strpos(column, term) > 0
    return func.instr(column, term) > 0


async def waiting_appeals(
    db: Database, viewer: User, page: int = 1, search: str = ""
) -> WaitingPage:
    """«В очереди на прием» not yet enrolled anywhere, oldest in the queue first."""
    require(viewer, Role.ORGANIZER)
    page, search = _page(page), search.strip()[:MAX_SEARCH]
    seated = exists().where(Seat.active_appeal_id == Appeal.id)
    # No `visible_to` here: the organizer's scope is "reached `recommended`", and the
    # status machine lets an appeal into `preparing` only from there (or back from a
    # reception it was queued for), so every `preparing` appeal is in it. Asking the
    # history anyway made the databases read every status change of that kind on each
    # page (bench/portal: 196 ms p95 on PostgreSQL with 100,000 appeals).
    where: list[ColumnElement[bool]] = [Appeal.status == Status.PREPARING.value, ~seated]
    async with db.session() as session:
        if FULL_NUMBER.fullmatch(search):
            where.append(Appeal.number == search)
        elif search:
            dialect = session.get_bind().dialect.name
            where.append(_contains(Appeal.search_text, search.lower(), dialect))
        total = int(
            await session.scalar(select(func.count()).select_from(Appeal).where(and_(*where))) or 0
        )
        rows = await session.execute(
            select(
                Appeal.id,
                Appeal.number,
                Appeal.title,
                Topic.name,
                User.surname,
                User.name,
                User.patronymic,
                Appeal.status_changed_at,
            )
            .join(Topic, Topic.id == Appeal.topic_id)
            .join(User, User.id == Appeal.citizen_id)
            .where(and_(*where))
            .order_by(Appeal.status_changed_at, Appeal.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        found = [
            WaitingAppeal(
                id=r[0],
                number=r[1],
                title=r[2],
                topic=r[3],
                citizen=_full_name(r[4], r[5], r[6]),
                queued_at=r[7],
            )
            for r in rows
        ]
    return WaitingPage(found, total, page, search)


# --- the right list: planned receptions ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceptionRow:
    id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_taken: int
    state: ReceptionState
    host_id: int
    host: str
    moderator_id: int
    moderator: str

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def planned(self) -> bool:
        return self.state is ReceptionState.PLANNED


@dataclass(frozen=True, slots=True)
class ReceptionPage:
    rows: list[ReceptionRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return _pages(self.total)


def _reception_query(
    *where: ColumnElement[bool],
) -> Select[Reception, str, str, str, str, str, str]:
    host, moderator = aliased(User), aliased(User)
    return (
        select(
            Reception,
            host.surname,
            host.name,
            host.patronymic,
            moderator.surname,
            moderator.name,
            moderator.patronymic,
        )
        .join(host, host.id == Reception.host_id)
        .join(moderator, moderator.id == Reception.moderator_id)
        .where(*where)
    )


def _reception_row(row: Sequence[object]) -> ReceptionRow:
    reception = row[0]
    assert isinstance(reception, Reception)
    names = [str(v or "") for v in row[1:7]]
    return ReceptionRow(
        id=reception.id,
        title=reception.title,
        description=reception.description,
        starts_at=reception.starts_at,
        ends_at=reception.ends_at,
        capacity=reception.capacity,
        seats_taken=reception.seats_taken,
        state=ReceptionState(reception.state),
        host_id=reception.host_id,
        host=_full_name(*names[0:3]),
        moderator_id=reception.moderator_id,
        moderator=_full_name(*names[3:6]),
    )


async def planned_receptions(db: Database, viewer: User, page: int = 1) -> ReceptionPage:
    """Planned receptions (and those under way) by their start, soonest first."""
    require(viewer, Role.ORGANIZER)
    page = _page(page)
    listed = Reception.state.in_([s.value for s in LISTED])
    async with db.session() as session:
        total = int(
            await session.scalar(select(func.count()).select_from(Reception).where(listed)) or 0
        )
        rows = await session.execute(
            _reception_query(listed)
            .order_by(Reception.starts_at, Reception.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        found = [_reception_row(r) for r in rows]
    return ReceptionPage(found, total, page)


@dataclass(frozen=True, slots=True)
class Choice:
    """A reception the appeal can be enrolled in: «Записать на прием»."""

    id: int
    title: str
    starts_at: datetime
    free: int


async def open_receptions(db: Database, viewer: User, now: datetime) -> list[Choice]:
    """Planned receptions that have not ended yet and still have free seats."""
    require(viewer, Role.ORGANIZER)
    async with db.session() as session:
        rows = await session.execute(
            select(
                Reception.id,
                Reception.title,
                Reception.starts_at,
                Reception.capacity - Reception.seats_taken,
            )
            .where(
                Reception.state == ReceptionState.PLANNED.value,
                Reception.seats_taken < Reception.capacity,
                Reception.ends_at > now,
            )
            .order_by(Reception.starts_at, Reception.id)
        )
        return [Choice(r[0], r[1], r[2], int(r[3])) for r in rows]


# --- one reception: «Управление приемом» ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeatRow:
    id: int
    appeal_id: int
    number: str
    title: str
    """The question the citizen comes with (the appeal's title)."""
    topic: str
    citizen: str
    address: str
    state: SeatState
    invited_at: datetime | None
    answered_at: datetime | None

    @property
    def label(self) -> str:
        return SEAT_LABELS[self.state]

    @property
    def holding(self) -> bool:
        """Takes a place in the reception (may be removed from the list)."""
        return self.state in HOLDING

    @property
    def may_invite(self) -> bool:
        return self.state is SeatState.ENROLLED


@dataclass(frozen=True, slots=True)
class ManageView:
    reception: ReceptionRow
    seats: list[SeatRow]

    @property
    def editable(self) -> bool:
        """Fields, seats and invitations change only while the reception is planned."""
        return self.reception.planned

    @property
    def cancellable(self) -> bool:
        """«Удалить прием»: planned, or started but nobody on air yet."""
        return self.reception.state in (ReceptionState.PLANNED, ReceptionState.STARTED)

    @property
    def enrolled(self) -> int:
        """Seats still waiting for «Выслать приглашение»."""
        return sum(1 for s in self.seats if s.may_invite)


def _home_address(user_row: Sequence[Any]) -> str:
    city, street, house, building, flat = (str(v or "") for v in user_row)
    parts = [city, f"ул. {street}" if street else "", house and f"д. {house}"]
    parts += [building and f"корп. {building}", flat and f"кв. {flat}"]
    return ", ".join(p for p in parts if p)


async def manage_view(db: Database, viewer: User, reception_id: int) -> ManageView:
    """The reception's fields and every seat, declined ones too, in enrolment order."""
    require(viewer, Role.ORGANIZER)
    async with db.session() as session:
        found = (await session.execute(_reception_query(Reception.id == reception_id))).first()
        if found is None:
            raise NotFound("Прием не найден.", en=f"Reception {reception_id} not found.")
        rows = await session.execute(
            select(
                Seat.id,
                Seat.appeal_id,
                Appeal.number,
                Appeal.title,
                Topic.name,
                User.surname,
                User.name,
                User.patronymic,
                Appeal.address,
                Seat.state,
                Seat.invited_at,
                Seat.answered_at,
                User.city,
                User.street,
                User.house,
                User.building,
                User.flat,
            )
            .join(Appeal, Appeal.id == Seat.appeal_id)
            .join(Topic, Topic.id == Appeal.topic_id)
            .join(User, User.id == Appeal.citizen_id)
            .where(Seat.reception_id == reception_id)
            .order_by(Seat.id)
        )
        seats = [
            SeatRow(
                id=r[0],
                appeal_id=r[1],
                number=r[2],
                title=r[3],
                topic=r[4],
                citizen=_full_name(r[5], r[6], r[7]),
                address=r[8] or _home_address(r[12:17]),
                state=SeatState(r[9]),
                invited_at=r[10],
                answered_at=r[11],
            )
            for r in rows
        ]
    return ManageView(_reception_row(found), seats)


async def reception_of_seat(db: Database, seat_id: int) -> int | None:
    """The reception a seat belongs to (a URL naming a seat of another one is refused)."""
    async with db.session() as session:
        found = await session.scalar(select(Seat.reception_id).where(Seat.id == seat_id))
        return int(found) if found is not None else None
