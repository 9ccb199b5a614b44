"""The organizer's pages (seed 002 «Планирование приемов»): the two lists, the new
reception's form, «Управление приемом» with its participants, and the small POSTs that
enroll, remove, invite and delete.

Every action calls one use case and comes back to its page; a refusal comes back with
the reason shown there (a refused form keeps what was typed), never as an error page.
Times are typed and shown on the reception's local clock (`server.time_zone`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from portal.adapters.orm import User
from portal.domain.local_time import to_local
from portal.domain.receptions import MAX_DESCRIPTION, MAX_TITLE, Plan, plan_from_form
from portal.domain.roles import Role
from portal.errors import InvalidInput, NotFound, PortalError
from portal.http.access import allow
from portal.http.auth import require_user
from portal.http.context import clock_of, database_of, time_zone_of
from portal.http.errors import DB_INT_MAX
from portal.http.i18n import language_of
from portal.http.receptions_request import deps_of, reception_id
from portal.services import receptions, receptions_planning, receptions_seats
from portal.services.receptions_planning import ManageView, ReceptionRow
from portal.text import Text
from portal.web import recordings_staff
from portal.web.forms import FormData, flash, render
from signaling.protocol.receptions import MAX_CITIZENS

FIELDS = ("day", "capacity", "title", "start", "end", "description", "host_id", "moderator_id")
"""The reception form's fields, in the order of seed 002."""
_LIMITS = {"title": MAX_TITLE, "description": MAX_DESCRIPTION}


def _manage_url(reception: int, anchor: str = "") -> str:
    return f"/staff/receptions/{reception}" + (f"#{anchor}" if anchor else "")


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _int(value: str, field: str, en: str) -> int:
    """An id from a form: a row's id or a clear refusal (never a database overflow)."""
    if not _digits(value) or not 0 < int(value) <= DB_INT_MAX:
        raise InvalidInput(f"Неверное значение поля «{field}».", en=f"Invalid {en}.")
    return int(value)


def _query_int(request: web.Request, name: str) -> int:
    value = request.query.get(name, "")
    return int(value) if _digits(value) and len(value) < 10 else 1


def _values(form: FormData) -> dict[str, str]:
    """What was typed (cut to a sane length), to check and to show again if refused."""
    values = {}
    for name in FIELDS:
        value = form.get(name, "")
        values[name] = value.strip()[: _LIMITS.get(name, 100) + 1] if isinstance(value, str) else ""
    return values


def _values_of(reception: ReceptionRow, request: web.Request) -> dict[str, str]:
    tz = time_zone_of(request.app)
    starts, ends = to_local(reception.starts_at, tz), to_local(reception.ends_at, tz)
    return {
        "day": starts.date().isoformat(),
        "capacity": str(reception.capacity),
        "title": reception.title,
        "start": starts.strftime("%H:%M"),
        "end": ends.strftime("%H:%M"),
        "description": reception.description,
        "host_id": str(reception.host_id),
        "moderator_id": str(reception.moderator_id),
    }


def _plan(request: web.Request, values: dict[str, str]) -> Plan:
    return plan_from_form(**values, tz=time_zone_of(request.app))


async def _form_context(request: web.Request, values: dict[str, str]) -> dict[str, Any]:
    db = database_of(request)
    return {
        "values": values,
        "hosts": await receptions.staff_choices(db, Role.HOST),
        "moderators": await receptions.staff_choices(db, Role.MODERATOR),
        "max_citizens": MAX_CITIZENS,
        "max_title": MAX_TITLE,
        "max_description": MAX_DESCRIPTION,
        "today": to_local(clock_of(request).now(), time_zone_of(request.app)).date(),
    }


def _refusal(request: web.Request, error: PortalError) -> str:
    return error.text.in_language(language_of(request))


# --- «Планирование приемов» ----------------------------------------------------------------


def _planning_link(**params: object) -> str:
    """The planning page with the lists' state kept (only what differs from the default)."""
    kept = {
        k: v
        for k, v in params.items()
        if v not in (None, "") and not (k in ("page", "rpage") and v == 1)
    }
    return "/staff/planning" + (f"?{urlencode(kept)}" if kept else "")


@allow(Role.ORGANIZER)
async def planning_page(request: web.Request) -> web.Response:
    user = await require_user(request)
    db = database_of(request)
    search = request.query.get("q", "")[: receptions_planning.MAX_SEARCH]
    waiting = await receptions_planning.waiting_appeals(
        db, user, _query_int(request, "page"), search
    )
    planned = await receptions_planning.planned_receptions(db, user, _query_int(request, "rpage"))
    enroll = request.query.get("enroll", "")
    choosing = int(enroll) if _digits(enroll) and len(enroll) < 10 else None
    state = {"q": waiting.search, "page": waiting.page, "rpage": planned.page}

    def link(**changed: object) -> str:
        return _planning_link(**{**state, **changed})

    context = {
        "waiting": waiting,
        "planned": planned,
        "choosing": choosing,
        "choices": (
            await receptions_planning.open_receptions(db, user, clock_of(request).now())
            if choosing is not None
            else []
        ),
        "link": link,
        "state": state,
    }
    return render(request, "receptions/planning.html", context)


@allow(Role.ORGANIZER)
async def enroll(request: web.Request) -> web.StreamResponse:
    """«Записать на прием» → the reception chosen in the list → «Записать»."""
    user = await require_user(request)
    form = await request.post()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    back = {
        "q": fields.get("q", "")[: receptions_planning.MAX_SEARCH],
        "page": fields.get("page", "1"),
        "rpage": fields.get("rpage", "1"),
    }
    try:
        appeal = _int(fields.get("appeal_id", ""), "Заявка", "appeal")
        if not fields.get("reception_id"):
            raise InvalidInput("Выберите прием из списка.", en="Choose a reception from the list.")
        chosen = _int(fields["reception_id"], "Прием", "reception")
        await receptions_seats.enroll(deps_of(request), chosen, appeal, user)
        flash(request, "Заявка записана на прием.")
    except PortalError as error:
        flash(request, error.text)
        if _digits(fields.get("appeal_id", "")) and len(fields["appeal_id"]) < 10:
            back["enroll"] = fields["appeal_id"]
    raise web.HTTPSeeOther(_planning_link(**back) + "#waiting")


# --- «Запланировать новый прием» ------------------------------------------------------------


@allow(Role.ORGANIZER)
async def new_reception_page(request: web.Request) -> web.Response:
    await require_user(request)
    values = dict.fromkeys(FIELDS, "")
    values["capacity"] = str(MAX_CITIZENS)
    return render(request, "receptions/reception_form.html", await _form_context(request, values))


@allow(Role.ORGANIZER)
async def create_reception(request: web.Request) -> web.StreamResponse:
    """«Добавить»."""
    user = await require_user(request)
    values = _values(await request.post())
    try:
        created = await receptions.create(deps_of(request), user, _plan(request, values))
    except NotFound:
        raise
    except PortalError as error:
        context = await _form_context(request, values)
        context["error"] = _refusal(request, error)
        return render(request, "receptions/reception_form.html", context, status=422)
    title = created.title
    flash(request, Text(f"Прием «{title}» запланирован.", f"The reception «{title}» is planned."))
    raise web.HTTPSeeOther(_planning_link() + f"#reception-{created.id}")


# --- «Управление приемом» --------------------------------------------------------------------


async def _manage_page(
    request: web.Request,
    view: ManageView,
    values: dict[str, str],
    error: str = "",
    status: int = 200,
) -> web.Response:
    context = await _form_context(request, values)
    user = await require_user(request)
    rec = await recordings_staff.section(request, user, view.reception.id, "manage")
    context.update({"view": view, "error": error, "rec": rec})
    return render(request, "receptions/manage.html", context, status=status)


@allow(Role.ORGANIZER)
async def manage_page(request: web.Request) -> web.Response:
    user = await require_user(request)
    view = await receptions_planning.manage_view(database_of(request), user, reception_id(request))
    return await _manage_page(request, view, _values_of(view.reception, request))


@allow(Role.ORGANIZER)
async def save_reception(request: web.Request) -> web.StreamResponse:
    """«Сохранить изменения»."""
    user = await require_user(request)
    values = _values(await request.post())
    reception = reception_id(request)
    try:
        await receptions.edit(deps_of(request), reception, user, _plan(request, values))
    except NotFound:
        raise
    except PortalError as error:
        view = await receptions_planning.manage_view(database_of(request), user, reception)
        return await _manage_page(request, view, values, _refusal(request, error), 422)
    flash(request, "Изменения сохранены.")
    raise web.HTTPSeeOther(_manage_url(reception))


Action = Callable[[web.Request, User], Awaitable[str | Text]]


def _seat_action(anchor: str) -> Callable[[Action], Any]:
    """An action on the reception's participants: run it, flash the outcome or the
    reason it was refused, come back to «Управление приемом»."""

    def wrap(run: Action) -> Any:
        @allow(Role.ORGANIZER)
        async def handler(request: web.Request) -> web.StreamResponse:
            user = await require_user(request)
            await request.post()
            try:
                flash(request, await run(request, user))
            except NotFound:
                raise
            except PortalError as error:
                flash(request, error.text)
            raise web.HTTPSeeOther(_manage_url(reception_id(request), anchor))

        handler.__name__ = handler.__qualname__ = run.__name__
        return handler

    return wrap


async def _seat_id(request: web.Request) -> int:
    """The seat of the URL, which must belong to the URL's reception."""
    seat = int(request.match_info["seat_id"])
    owner = await receptions_planning.reception_of_seat(database_of(request), seat)
    if owner != reception_id(request):
        raise NotFound("Участник не найден.", en=f"Seat {seat} not found.")
    return seat


@_seat_action("participants")
async def invite_one(request: web.Request, user: User) -> str | Text:
    """«Выслать приглашение»."""
    seat = await _seat_id(request)
    await receptions_seats.invite(deps_of(request), reception_id(request), user, seat)
    return "Приглашение выслано."


@_seat_action("participants")
async def invite_all(request: web.Request, user: User) -> str | Text:
    """«Выслать приглашение всем»."""
    count = await receptions_seats.invite(deps_of(request), reception_id(request), user, None)
    if count == 0:
        return "Всем участникам приглашения уже высланы."
    return Text(f"Приглашения высланы: {count}.", f"Invitations sent: {count}.")


@_seat_action("participants")
async def remove_seat(request: web.Request, user: User) -> str | Text:
    """«Убрать из списка»: the appeal goes back to the planning list."""
    seat = await _seat_id(request)
    await receptions_seats.remove(deps_of(request), seat, user)
    return "Участник убран из списка; заявка вернулась в список на запись."


# --- «Удалить прием» --------------------------------------------------------------------------


@allow(Role.ORGANIZER)
async def cancel_page(request: web.Request) -> web.Response:
    """The confirmation step before «Удалить прием»."""
    user = await require_user(request)
    view = await receptions_planning.manage_view(database_of(request), user, reception_id(request))
    return render(request, "receptions/cancel_confirm.html", {"view": view})


@allow(Role.ORGANIZER)
async def cancel_reception(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    await request.post()
    reception = reception_id(request)
    try:
        await receptions.cancel(deps_of(request), reception, user)
    except NotFound:
        raise
    except PortalError as error:
        flash(request, error.text)
        raise web.HTTPSeeOther(_manage_url(reception)) from None
    flash(request, "Прием удален; его заявки вернулись в список на запись.")
    raise web.HTTPSeeOther(_planning_link())


def setup_planning(app: web.Application) -> None:
    r = app.router
    base = r"/staff/receptions/{reception_id:\d+}"
    seat = base + r"/seats/{seat_id:\d+}"
    r.add_get("/staff/planning", planning_page, name="planning")
    r.add_post("/staff/planning/enroll", enroll)
    r.add_get("/staff/receptions/new", new_reception_page, name="new_reception")
    r.add_post("/staff/receptions/new", create_reception)
    r.add_get(base, manage_page, name="manage_reception")
    r.add_post(base, save_reception)
    r.add_post(base + "/invite", invite_all)
    r.add_post(seat + "/invite", invite_one)
    r.add_post(seat + "/remove", remove_seat)
    r.add_get(base + "/cancel", cancel_page)
    r.add_post(base + "/cancel", cancel_reception)
