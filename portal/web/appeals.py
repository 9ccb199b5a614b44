"""The citizen's appeal pages: «Мои заявки», the new-appeal form, the appeal page,
withdrawal and downloads."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from portal.domain.appeals import MAX_TEXT
from portal.domain.profile import missing_fields
from portal.domain.roles import Role
from portal.domain.status import CITIZEN_LABELS
from portal.errors import PortalError
from portal.http.access import allow
from portal.http.appeals_request import appeal_id, deps_of, draft_from, file_response
from portal.http.appeals_uploads import MultipartForm, read_multipart
from portal.http.auth import require_user
from portal.http.context import CLOCK, SETTINGS, database_of
from portal.http.receptions_request import deps_of as receptions_deps
from portal.services import appeals, appeals_files, receptions_of_appeal, reference
from portal.services.appeals_journal import Journal
from portal.services.reference import Kind
from portal.web.forms import flash
from portal.web.journal import journal_page

ACCEPT = (
    ".pdf,.rtf,.jpg,.jpeg,.png,.txt,application/pdf,application/rtf,image/jpeg,image/png,text/plain"
)


@allow(Role.CITIZEN)
async def my_appeals(request: web.Request) -> web.Response:
    return await journal_page(request, Journal.CITIZEN, "appeals/my_appeals.html")


async def _form_context(request: web.Request, values: dict[str, str]) -> dict[str, Any]:
    db = database_of(request)
    user = await require_user(request)
    return {
        "values": values,
        "missing": missing_fields(user),
        "topics": await reference.entries(db, Kind.TOPICS, active_only=True),
        "municipalities": await reference.entries(db, Kind.MUNICIPALITIES, active_only=True),
        "max_text": MAX_TEXT,
        "max_mb": request.app[SETTINGS].storage.max_upload_mb,
        "accept": ACCEPT,
    }


@allow(Role.CITIZEN)
async def new_appeal_form(request: web.Request) -> web.Response:
    context = await _form_context(request, {})
    return aiohttp_jinja2.render_template("appeals/new.html", request, context)


@allow(Role.CITIZEN)
async def submit_appeal(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    deps = deps_of(request)
    form = MultipartForm()
    try:
        await read_multipart(request, deps, form)
        appeal = await appeals.file_appeal(deps, user, draft_from(form.fields), form.uploads)
    except PortalError as error:
        # The form comes back with everything typed (a refused file does not stop the
        # reading, see read_multipart); only files must be chosen again.
        context = await _form_context(request, form.fields)
        context["error"] = error.text
        return aiohttp_jinja2.render_template(
            "appeals/new.html", request, context, status=error.status
        )
    flash(request, "Заявка зарегистрирована.")
    raise web.HTTPSeeOther(f"/appeals/{appeal.id}")


@allow(Role.CITIZEN)
async def appeal_page(request: web.Request) -> web.Response:
    user = await require_user(request)
    view = await appeals.view_appeal(deps_of(request), appeal_id(request), user)
    context = {"view": view, "labels": CITIZEN_LABELS, "now": request.app[CLOCK].now()}
    context["invitation"] = await receptions_of_appeal.invitation(
        receptions_deps(request), view.appeal
    )
    return aiohttp_jinja2.render_template("appeals/citizen_appeal.html", request, context)


def _withdrawable(view: appeals.AppealView) -> bool:
    return any(rule.action == "withdraw" for rule in view.actions)


@allow(Role.CITIZEN)
async def withdraw_confirm(request: web.Request) -> web.Response:
    """The confirmation step before a withdrawal, a page of its own so it works without
    scripts: withdrawing cannot be undone."""
    user = await require_user(request)
    view = await appeals.view_appeal(deps_of(request), appeal_id(request), user)
    if not _withdrawable(view):
        flash(request, "Эту заявку уже нельзя отозвать.")
        raise web.HTTPSeeOther(f"/appeals/{view.appeal.id}")
    context = {"view": view, "comment": ""}
    return aiohttp_jinja2.render_template("appeals/withdraw.html", request, context)


@allow(Role.CITIZEN)
async def withdraw_appeal(request: web.Request) -> web.StreamResponse:
    """Withdraw only with the confirmation box ticked; without it the confirmation page
    comes back with what was typed."""
    user = await require_user(request)
    form = await request.post()
    comment = form.get("comment")
    text = comment if isinstance(comment, str) else ""
    deps = deps_of(request)
    if form.get("confirm") not in ("1", "on", "true"):
        view = await appeals.view_appeal(deps, appeal_id(request), user)
        context = {
            "view": view,
            "comment": text,
            "error": "Подтвердите отзыв заявки: отметьте флажок.",
        }
        return aiohttp_jinja2.render_template("appeals/withdraw.html", request, context, status=422)
    await appeals.withdraw(deps, appeal_id(request), user, text)
    flash(request, "Заявка отозвана.")
    raise web.HTTPSeeOther(f"/appeals/{appeal_id(request)}")


@allow(Role.CITIZEN, Role.DEPARTMENT, Role.ORGANIZER, Role.CONTROL)
async def download_file(request: web.Request) -> web.Response:
    user = await require_user(request)
    out = await appeals_files.open_file(
        deps_of(request), appeal_id(request), int(request.match_info["file_id"]), user
    )
    return file_response(out)


@allow(Role.CITIZEN, Role.DEPARTMENT, Role.ORGANIZER, Role.CONTROL)
async def download_answer(request: web.Request) -> web.Response:
    user = await require_user(request)
    return file_response(await appeals_files.answer_pdf(deps_of(request), appeal_id(request), user))
