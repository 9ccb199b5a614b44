"""«Расписание приемов», a reception's page («Подробнее»), «Начать прием», «Закончить
прием», «Присоединиться к приему», and the citizen's answer to an invitation."""

from __future__ import annotations

from aiohttp import web

from portal.adapters.orm import User
from portal.domain.roles import STAFF_ROLES, Role
from portal.errors import NotFound, PortalError
from portal.http.access import SIGNED_IN, allow
from portal.http.appeals_request import appeal_id
from portal.http.auth import require_user
from portal.http.context import database_of, link_key_of
from portal.http.receptions_request import deps_of, reception_id
from portal.services import (
    receptions,
    receptions_join,
    receptions_schedule,
    receptions_seats,
    recordings_archive,
)
from portal.services.receptions import runs
from portal.services.receptions_schedule import CATEGORY_LABELS, Category, category_of, page_of
from portal.web.forms import checked, flash, render, safe_next
from portal.web.recordings_staff import page_url as recording_page_url
from signaling.protocol.receptions import ReceptionState

SCHEDULE = "/receptions"


@allow(SIGNED_IN)
async def schedule_page(request: web.Request) -> web.Response:
    user = await require_user(request)
    category = category_of(request.query.get("category"))
    view = await receptions_schedule.schedule(
        deps_of(request), user, category, page_of(request.query.get("page"))
    )
    context = {
        "schedule": view,
        "categories": [(c, CATEGORY_LABELS[c]) for c in Category],
        "staff": receptions_schedule.is_staff(user),
    }
    return render(request, "receptions/schedule.html", context)


@allow(SIGNED_IN)
async def reception_page(request: web.Request) -> web.Response:
    user = await require_user(request)
    view = await receptions_schedule.detail(deps_of(request), reception_id(request), user)
    context = {
        "view": view,
        "edit_url": _edit_url(view, user),
        "recording": await recordings_archive.is_published(database_of(request), view.reception.id),
    }
    return render(request, "receptions/reception.html", context)


def _edit_url(view: receptions_schedule.Detail, user: User) -> str | None:
    """«Редактировать»: an organizer's form of the reception; for its host and moderator,
    once it has ended, its recordings (seed 002: «Доступные записи» are found there)."""
    reception = view.reception
    if view.may_edit:
        return f"/staff/receptions/{reception.id}"
    if runs(user, reception) and reception.state == ReceptionState.ENDED:
        return recording_page_url(reception.id)
    return None


def _back(request: web.Request, form_value: object) -> str:
    """Where a button returns: the page it was pressed on (the schedule by default)."""
    target = safe_next(form_value if isinstance(form_value, str) else None, SCHEDULE)
    return target if target.startswith(SCHEDULE) else SCHEDULE


@allow(*STAFF_ROLES)
async def start_reception(request: web.Request) -> web.StreamResponse:
    """«Начать прием»: its host, moderator or an organizer (the service says who)."""
    user = await require_user(request)
    form = await request.post()
    try:
        await receptions.start(deps_of(request), reception_id(request), user)
        flash(request, "Прием начат. Нажмите «Присоединиться к приему».")
    except NotFound:
        raise
    except PortalError as error:
        flash(request, error.text)
    raise web.HTTPSeeOther(_back(request, form.get("next")))


@allow(*STAFF_ROLES)
async def end_reception(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    form = await request.post()
    try:
        await receptions.end(deps_of(request), reception_id(request), user)
        flash(request, "Прием закончен.")
    except NotFound:
        raise
    except PortalError as error:
        flash(request, error.text)
    raise web.HTTPSeeOther(_back(request, form.get("next")))


@allow(SIGNED_IN)
async def join(request: web.Request) -> web.StreamResponse:
    """«Присоединиться к приему»: to the conference with a token for exactly this person,
    or a page that says why not and leads back.

    A POST with the form's CSRF token: a link on another site must not be able to send a
    signed-in person into a conference (the session cookie is SameSite=Lax, so a plain
    GET from elsewhere would carry it)."""
    user = await require_user(request)
    deps = deps_of(request)
    rid = reception_id(request)
    try:
        ticket = await receptions_join.ticket(deps, rid, user, link_key_of(request))
    except PortalError as error:
        appeal = None
        if not isinstance(error, NotFound) and not receptions_schedule.is_staff(user):
            seat = await receptions_join.citizen_seat(deps, rid, user)
            appeal = seat.appeal_id if seat else None
        context = {
            "error": error.text,
            "reception_id": None if isinstance(error, NotFound) else rid,
            "appeal_id": appeal,
        }
        return render(request, "receptions/join_refused.html", context, status=error.status)
    raise web.HTTPSeeOther(ticket.url)


@allow(SIGNED_IN)
async def to_reception_page(request: web.Request) -> web.StreamResponse:
    """An old or typed link to «Присоединиться к приему» lands on the reception's page,
    whose button joins (see `join`)."""
    raise web.HTTPSeeOther(f"/receptions/{reception_id(request)}")


async def _answer(request: web.Request, *, accept: bool, done: str) -> web.StreamResponse:
    user = await require_user(request)
    appeal = appeal_id(request)
    try:
        await receptions_seats.answer(deps_of(request), appeal, user, accept=accept)
        flash(request, done)
    except NotFound:
        raise
    except PortalError as error:
        flash(request, error.text)
    raise web.HTTPSeeOther(f"/appeals/{appeal}#invitation")


@allow(Role.CITIZEN)
async def confirm_invitation(request: web.Request) -> web.StreamResponse:
    """«Подтвердить участие»."""
    return await _answer(request, accept=True, done="Участие в приеме подтверждено.")


@allow(Role.CITIZEN)
async def decline_invitation(request: web.Request) -> web.StreamResponse:
    """«Отказаться от приема», only with the confirmation ticked: the seat goes to
    another citizen and cannot be taken back."""
    form = await request.post()
    if not checked(form, "confirm"):
        flash(request, "Подтвердите отказ от приема: отметьте флажок.")
        raise web.HTTPSeeOther(f"/appeals/{appeal_id(request)}#invitation")
    return await _answer(request, accept=False, done="Вы отказались от участия в приеме.")


def setup_receptions(app: web.Application) -> None:
    r = app.router
    base = r"/receptions/{reception_id:\d+}"
    r.add_get(SCHEDULE, schedule_page, name="reception_schedule")
    r.add_get(base, reception_page, name="reception")
    r.add_post(f"{base}/start", start_reception)
    r.add_post(f"{base}/end", end_reception)
    r.add_post(f"{base}/join", join)
    r.add_get(f"{base}/join", to_reception_page)
    r.add_post(r"/appeals/{appeal_id:\d+}/reception/confirm", confirm_invitation)
    r.add_post(r"/appeals/{appeal_id:\d+}/reception/decline", decline_invitation)
