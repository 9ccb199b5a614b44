"""«Расписание приемов» over JSON: the schedule for the viewer, one reception, «Начать
прием», «Закончить прием» and the join ticket (the same rules as the pages)."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, Field

from portal.api.registry import ApiRegistry
from portal.domain.roles import STAFF_ROLES
from portal.http.auth import require_user
from portal.http.context import link_key_of
from portal.http.receptions_request import deps_of, reception_id
from portal.services import receptions, receptions_join, receptions_schedule
from portal.services.receptions_schedule import MAX_PAGE, Buttons, Category

api = ApiRegistry()
_ID = r"{reception_id:\d+}"
_TAGS = ["receptions"]


class ScheduleParams(BaseModel):
    category: Category = Category.ALL
    page: int = Field(1, ge=1, description=f"pages past {MAX_PAGE} are clamped to it")


class ButtonsOut(BaseModel):
    start: bool
    details: bool
    join: bool
    end: bool

    @classmethod
    def of(cls, b: Buttons) -> ButtonsOut:
        return cls(start=b.start, details=b.details, join=b.join, end=b.end)


class ScheduleRow(BaseModel):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    state: str
    state_label: str
    host: str
    moderator: str
    seats_taken: int
    capacity: int
    my_participation: str | None = None
    buttons: ButtonsOut


class ScheduleOut(BaseModel):
    category: Category
    counts: dict[str, int]
    page: int
    pages: int
    items: list[ScheduleRow]


class SeatOut(BaseModel):
    appeal_id: int
    number: str
    citizen: str
    topic: str
    state: str
    state_label: str


class AttendanceOut(BaseModel):
    name: str
    role: str
    first_joined_at: datetime
    on_air_seconds: int
    banned: bool


class LogOut(BaseModel):
    at: datetime
    actor: str
    action: str
    target: str
    details: str


class ReceptionOut(BaseModel):
    id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    state: str
    state_label: str
    host: str
    moderator: str
    buttons: ButtonsOut
    may_edit: bool
    seats: list[SeatOut]
    attendance: list[AttendanceOut]
    moderation_log: list[LogOut]


class TicketOut(BaseModel):
    reception_id: int
    role: str
    token: str
    url: str


class StateOut(BaseModel):
    id: int
    state: str


@api.route(
    "GET",
    "/api/v1/receptions",
    summary="«Расписание приемов»: staff see all, a citizen the receptions of their appeals",
    tags=_TAGS,
    query_model=ScheduleParams,
    response_model=ScheduleOut,
)
async def reception_schedule(request: web.Request, query: ScheduleParams) -> ScheduleOut:
    user = await require_user(request)
    view = await receptions_schedule.schedule(
        deps_of(request), user, query.category, min(query.page, MAX_PAGE)
    )
    return ScheduleOut(
        category=view.category,
        counts={c.value: n for c, n in view.counts.items()},
        page=view.page,
        pages=view.pages,
        items=[
            ScheduleRow(
                id=r.id,
                title=r.title,
                starts_at=r.starts_at,
                ends_at=r.ends_at,
                state=r.state.value,
                state_label=r.state_label,
                host=r.host,
                moderator=r.moderator,
                seats_taken=r.seats_taken,
                capacity=r.capacity,
                my_participation=r.seat.value if r.seat else None,
                buttons=ButtonsOut.of(r.buttons),
            )
            for r in view.rows
        ],
    )


@api.route(
    "GET",
    f"/api/v1/receptions/{_ID}",
    summary="One reception («Подробнее»); seats and the log for its staff only",
    tags=_TAGS,
    response_model=ReceptionOut,
)
async def reception_detail(request: web.Request) -> ReceptionOut:
    user = await require_user(request)
    view = await receptions_schedule.detail(deps_of(request), reception_id(request), user)
    r = view.reception
    return ReceptionOut(
        id=r.id,
        title=r.title,
        description=r.description,
        starts_at=r.starts_at,
        ends_at=r.ends_at,
        capacity=r.capacity,
        state=view.state.value,
        state_label=view.state_label,
        host=view.host,
        moderator=view.moderator,
        buttons=ButtonsOut.of(view.buttons),
        may_edit=view.may_edit,
        seats=[
            SeatOut(
                appeal_id=s.appeal_id,
                number=s.number,
                citizen=s.citizen,
                topic=s.topic,
                state=s.state.value,
                state_label=s.state_label,
            )
            for s in view.seats
        ],
        attendance=[
            AttendanceOut(
                name=a.name,
                role=a.role,
                first_joined_at=a.first_joined_at,
                on_air_seconds=a.on_air_seconds,
                banned=a.banned,
            )
            for a in view.attendance
        ],
        moderation_log=[
            LogOut(at=e.at, actor=e.actor, action=e.action, target=e.target, details=e.details)
            for e in view.log
        ],
    )


@api.route(
    "POST",
    f"/api/v1/receptions/{_ID}/start",
    summary="«Начать прием» (its host, moderator or an organizer, from an hour before)",
    tags=_TAGS,
    response_model=StateOut,
    roles=sorted(STAFF_ROLES),
)
async def start_reception(request: web.Request) -> StateOut:
    user = await require_user(request)
    done = await receptions.start(deps_of(request), reception_id(request), user)
    return StateOut(id=done.id, state=done.state)


@api.route(
    "POST",
    f"/api/v1/receptions/{_ID}/end",
    summary="«Закончить прием» (its host, moderator or an organizer)",
    tags=_TAGS,
    response_model=StateOut,
    roles=sorted(STAFF_ROLES),
)
async def end_reception(request: web.Request) -> StateOut:
    user = await require_user(request)
    done = await receptions.end(deps_of(request), reception_id(request), user)
    return StateOut(id=done.id, state=done.state)


@api.route(
    "POST",
    f"/api/v1/receptions/{_ID}/join-ticket",
    summary="«Присоединиться к приему»: a short-lived token for this user in their role",
    tags=_TAGS,
    response_model=TicketOut,
)
async def join_ticket(request: web.Request) -> TicketOut:
    user = await require_user(request)
    ticket = await receptions_join.ticket(
        deps_of(request), reception_id(request), user, link_key_of(request)
    )
    return TicketOut(
        reception_id=ticket.reception_id,
        role=ticket.role.value,
        token=ticket.token,
        url=ticket.url,
    )
