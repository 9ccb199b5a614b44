"""Reception planning in the JSON API (/api/v1/staff/receptions): the organizer's lists,
the reception's fields and its participants; the same use cases as the planning pages.

Dates and times of the form are on the reception's local clock (`server.time_zone`),
exactly as the organizer types them on the page; answers carry UTC instants.
"""

from __future__ import annotations

from datetime import date, datetime, time

from aiohttp import web
from pydantic import BaseModel, Field

from portal.api.registry import ApiRegistry
from portal.domain.receptions import MAX_DESCRIPTION, MAX_TITLE, Plan, plan_from_form
from portal.domain.roles import Role
from portal.errors import NotFound
from portal.http.auth import require_user
from portal.http.context import database_of, time_zone_of
from portal.http.receptions_request import deps_of, reception_id
from portal.services import receptions, receptions_planning, receptions_seats
from portal.services.receptions_planning import ManageView, ReceptionRow
from signaling.protocol.receptions import MAX_CITIZENS

api = ApiRegistry()
ORGANIZER = (Role.ORGANIZER,)
TAGS = ["reception planning"]
_BASE = "/api/v1/staff/receptions"
_ONE = _BASE + r"/{reception_id:\d+}"
_SEAT = _ONE + r"/seats/{seat_id:\d+}"


class PageParams(BaseModel):
    page: int = Field(1, ge=1, le=receptions_planning.MAX_PAGE)


class WaitingParams(PageParams):
    search: str = Field("", max_length=receptions_planning.MAX_SEARCH)


class ReceptionForm(BaseModel):
    """«Дата», «Время начала», «Время завершения» on the local clock (server.time_zone)."""

    date: date
    start: time
    end: time
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    capacity: int = Field(ge=1, le=MAX_CITIZENS, description="«Кол-во участников»")
    host_id: int = Field(description="«Прием проводит»: a staff user with the host role")
    moderator_id: int = Field(description="«Модератор»: a staff user with the moderator role")


class ReceptionInfo(BaseModel):
    id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_taken: int
    free: int
    state: str
    state_label: str
    host_id: int
    host: str
    moderator_id: int
    moderator: str


class ReceptionList(BaseModel):
    items: list[ReceptionInfo]
    total: int
    page: int
    pages: int


class SeatInfo(BaseModel):
    id: int
    appeal_id: int
    number: str
    title: str
    topic: str
    citizen: str
    address: str
    state: str
    state_label: str = Field(description="«Подготовка к участию», «Ожидает подтверждения», …")
    invited_at: datetime | None
    answered_at: datetime | None


class ReceptionDetail(BaseModel):
    reception: ReceptionInfo
    seats: list[SeatInfo]
    editable: bool = Field(description="planned: fields, seats and invitations may change")
    invited: int | None = Field(None, description="how many were just invited")


class WaitingInfo(BaseModel):
    id: int
    number: str
    title: str
    topic: str
    citizen: str
    queued_at: datetime


class WaitingList(BaseModel):
    items: list[WaitingInfo]
    total: int
    page: int
    pages: int


class EnrollBody(BaseModel):
    appeal_id: int


class Person(BaseModel):
    id: int
    name: str


class People(BaseModel):
    hosts: list[Person]
    moderators: list[Person]


def _info(row: ReceptionRow) -> ReceptionInfo:
    return ReceptionInfo(
        id=row.id,
        title=row.title,
        description=row.description,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        capacity=row.capacity,
        seats_taken=row.seats_taken,
        free=row.free,
        state=row.state.value,
        state_label=row.state_label,
        host_id=row.host_id,
        host=row.host,
        moderator_id=row.moderator_id,
        moderator=row.moderator,
    )


def _detail(view: ManageView, invited: int | None = None) -> ReceptionDetail:
    return ReceptionDetail(
        reception=_info(view.reception),
        seats=[
            SeatInfo(
                id=s.id,
                appeal_id=s.appeal_id,
                number=s.number,
                title=s.title,
                topic=s.topic,
                citizen=s.citizen,
                address=s.address,
                state=s.state.value,
                state_label=s.label,
                invited_at=s.invited_at,
                answered_at=s.answered_at,
            )
            for s in view.seats
        ],
        editable=view.editable,
        invited=invited,
    )


def _plan(request: web.Request, body: ReceptionForm) -> Plan:
    return plan_from_form(
        day=body.date.isoformat(),
        start=body.start.strftime("%H:%M"),
        end=body.end.strftime("%H:%M"),
        title=body.title,
        description=body.description,
        capacity=str(body.capacity),
        host_id=str(body.host_id),
        moderator_id=str(body.moderator_id),
        tz=time_zone_of(request.app),
    )


async def _view(
    request: web.Request, reception: int, invited: int | None = None
) -> ReceptionDetail:
    user = await require_user(request)
    view = await receptions_planning.manage_view(database_of(request), user, reception)
    return _detail(view, invited)


async def _seat_id(request: web.Request) -> int:
    seat = int(request.match_info["seat_id"])
    owner = await receptions_planning.reception_of_seat(database_of(request), seat)
    if owner != reception_id(request):
        raise NotFound("Участник не найден.", en=f"Seat {seat} not found.")
    return seat


@api.route(
    "GET",
    _BASE,
    summary="«Запланированные приемы»: planned receptions (and those under way), soonest first",
    tags=TAGS,
    query_model=PageParams,
    response_model=ReceptionList,
    roles=ORGANIZER,
)
async def list_planned_receptions(request: web.Request, query: PageParams) -> ReceptionList:
    user = await require_user(request)
    page = await receptions_planning.planned_receptions(database_of(request), user, query.page)
    return ReceptionList(
        items=[_info(r) for r in page.rows], total=page.total, page=page.page, pages=page.pages
    )


@api.route(
    "GET",
    "/api/v1/staff/planning/appeals",
    summary="Appeals «В очереди на прием» not enrolled anywhere, oldest in the queue first",
    tags=TAGS,
    query_model=WaitingParams,
    response_model=WaitingList,
    roles=ORGANIZER,
)
async def list_waiting_appeals(request: web.Request, query: WaitingParams) -> WaitingList:
    user = await require_user(request)
    page = await receptions_planning.waiting_appeals(
        database_of(request), user, query.page, query.search
    )
    return WaitingList(
        items=[
            WaitingInfo(
                id=r.id,
                number=r.number,
                title=r.title,
                topic=r.topic,
                citizen=r.citizen,
                queued_at=r.queued_at,
            )
            for r in page.rows
        ],
        total=page.total,
        page=page.page,
        pages=page.pages,
    )


@api.route(
    "GET",
    "/api/v1/staff/planning/people",
    summary="Who may be chosen as «Прием проводит» and as «Модератор»",
    tags=TAGS,
    response_model=People,
    roles=ORGANIZER,
)
async def list_reception_people(request: web.Request) -> People:
    await require_user(request)
    db = database_of(request)

    async def of(role: Role) -> list[Person]:
        return [
            Person(id=u.id, name=u.display_name) for u in await receptions.staff_choices(db, role)
        ]

    return People(hosts=await of(Role.HOST), moderators=await of(Role.MODERATOR))


@api.route(
    "POST",
    _BASE,
    summary="«Запланировать новый прием» → «Добавить»",
    tags=TAGS,
    request_model=ReceptionForm,
    response_model=ReceptionDetail,
    roles=ORGANIZER,
    status=201,
)
async def plan_reception(request: web.Request, body: ReceptionForm) -> ReceptionDetail:
    user = await require_user(request)
    created = await receptions.create(deps_of(request), user, _plan(request, body))
    return await _view(request, created.id)


@api.route(
    "GET",
    _ONE,
    summary="«Управление приемом»: the reception's fields and every participant",
    tags=TAGS,
    response_model=ReceptionDetail,
    roles=ORGANIZER,
)
async def get_planned_reception(request: web.Request) -> ReceptionDetail:
    return await _view(request, reception_id(request))


@api.route(
    "PUT",
    _ONE,
    summary="«Сохранить изменения»: every field, while the reception is planned",
    tags=TAGS,
    request_model=ReceptionForm,
    response_model=ReceptionDetail,
    roles=ORGANIZER,
)
async def edit_planned_reception(request: web.Request, body: ReceptionForm) -> ReceptionDetail:
    user = await require_user(request)
    await receptions.edit(deps_of(request), reception_id(request), user, _plan(request, body))
    return await _view(request, reception_id(request))


@api.route(
    "POST",
    _ONE + "/cancel",
    summary="«Удалить прием»: kept as cancelled; every appeal goes back to «В очереди на прием»",
    tags=TAGS,
    response_model=ReceptionDetail,
    roles=ORGANIZER,
)
async def cancel_planned_reception(request: web.Request) -> ReceptionDetail:
    user = await require_user(request)
    await receptions.cancel(deps_of(request), reception_id(request), user)
    return await _view(request, reception_id(request))


@api.route(
    "POST",
    _ONE + "/seats",
    summary="«Записать»: enroll an appeal «В очереди на прием» into a free seat",
    tags=TAGS,
    request_model=EnrollBody,
    response_model=ReceptionDetail,
    roles=ORGANIZER,
    status=201,
)
async def enroll_appeal(request: web.Request, body: EnrollBody) -> ReceptionDetail:
    user = await require_user(request)
    await receptions_seats.enroll(deps_of(request), reception_id(request), body.appeal_id, user)
    return await _view(request, reception_id(request))


@api.route(
    "DELETE",
    _SEAT,
    summary="«Убрать из списка»: the appeal goes back to «В очереди на прием»",
    tags=TAGS,
    response_model=ReceptionDetail,
    roles=ORGANIZER,
)
async def remove_participant(request: web.Request) -> ReceptionDetail:
    user = await require_user(request)
    await receptions_seats.remove(deps_of(request), await _seat_id(request), user)
    return await _view(request, reception_id(request))


@api.route(
    "POST",
    _SEAT + "/invite",
    summary="«Выслать приглашение» to one participant",
    tags=TAGS,
    response_model=ReceptionDetail,
    roles=ORGANIZER,
)
async def invite_participant(request: web.Request) -> ReceptionDetail:
    user = await require_user(request)
    seat = await _seat_id(request)
    count = await receptions_seats.invite(deps_of(request), reception_id(request), user, seat)
    return await _view(request, reception_id(request), count)


@api.route(
    "POST",
    _ONE + "/invite",
    summary="«Выслать приглашение всем»: every participant not invited yet",
    tags=TAGS,
    response_model=ReceptionDetail,
    roles=ORGANIZER,
)
async def invite_all_participants(request: web.Request) -> ReceptionDetail:
    user = await require_user(request)
    count = await receptions_seats.invite(deps_of(request), reception_id(request), user, None)
    return await _view(request, reception_id(request), count)
