"""The staff appeal page (seed 002 blocks) and the officer's actions on it.

Each action is a small POST that calls one use case and comes back to the page; refused
actions come back with the reason shown on the page instead of an error page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from portal.adapters.orm import User
from portal.domain.local_time import to_local
from portal.domain.roles import Role
from portal.domain.status import STAFF_LABELS
from portal.errors import InvalidInput, NotFound, PortalError
from portal.http.access import allow
from portal.http.appeals_request import appeal_id, deps_of, file_response
from portal.http.appeals_uploads import read_multipart
from portal.http.auth import require_user
from portal.http.context import CLOCK, SETTINGS, database_of, time_zone_of
from portal.services import (
    appeals,
    appeals_control,
    appeals_files,
    appeals_processing,
    receptions_of_appeal,
    reference,
)
from portal.services.reference import Kind
from portal.web.appeals import ACCEPT
from portal.web.forms import flash
from portal.web.journal import staff_journal

READERS = (Role.DEPARTMENT, Role.ORGANIZER, Role.CONTROL)


def _page_url(request: web.Request, anchor: str = "") -> str:
    return f"/staff/appeals/{appeal_id(request)}" + (f"#{anchor}" if anchor else "")


@allow(*READERS)
async def staff_appeal_page(request: web.Request) -> web.Response:
    user = await require_user(request)
    deps = deps_of(request)
    view = await appeals.view_appeal(deps, appeal_id(request), user)
    db = database_of(request)
    answer_text = ""
    template = request.query.get("template", "")
    if template.isdigit() and any(rule.action == "answer" for rule in view.actions):
        # Whoever may answer now (the officer, or the organizer once it is recommended)
        # gets the template filled in, not an empty box.
        answer_text = await appeals_processing.template_text(
            deps, view.appeal.id, user, int(template)
        )
    context: dict[str, Any] = {
        "view": view,
        "labels": STAFF_LABELS,
        "officer": user.has_role(Role.DEPARTMENT),
        "departments": await reference.entries(db, Kind.DEPARTMENTS, active_only=True),
        "topics": await reference.entries(db, Kind.TOPICS),
        "templates": await reference.templates(db, active_only=True),
        "answer_text": answer_text,
        "chosen_template": template,
        "accept": ACCEPT,
        "max_mb": request.app[SETTINGS].storage.max_upload_mb,
        "now": request.app[CLOCK].now(),
        "today": to_local(request.app[CLOCK].now(), time_zone_of(request.app)).date(),
        "reception_seats": await receptions_of_appeal.seats_of(db, view.appeal.id),
        "control": await appeals_control.load_control(deps, view.appeal.id, user),
    }
    return aiohttp_jinja2.render_template("appeals/staff_appeal.html", request, context)


Action = Callable[[web.Request, User, dict[str, str]], Awaitable[str | None]]


def _action(anchor: str, done: str, *roles: Role) -> Callable[[Action], Any]:
    """Wrap an action: read the form, run it, flash the outcome, return to the page."""

    def wrap(run: Action) -> Any:
        @allow(*(roles or (Role.DEPARTMENT,)))
        async def handler(request: web.Request) -> web.StreamResponse:
            user = await require_user(request)
            form = await request.post()
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            try:
                await run(request, user, fields)
                flash(request, done)
            except NotFound:
                raise  # an appeal outside the officer's scope is a 404, not a flashed note
            except PortalError as error:
                flash(request, error.text)
            raise web.HTTPSeeOther(_page_url(request, anchor))

        handler.__name__ = run.__name__
        return handler

    return wrap


def _number(fields: dict[str, str], name: str) -> int:
    try:
        return int(fields.get(name, ""))
    except ValueError:
        raise InvalidInput(f"Неверное значение поля {name}.", en=f"Invalid {name}.") from None


@_action("work", "Ведомство-исполнитель сохранено.")
async def add_executing(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_processing.add_executing(
        deps_of(request),
        appeal_id(request),
        user,
        _number(fields, "department_id"),
        fields.get("sed_number", ""),
    )


@_action("work", "Ведомство-исполнитель удалено.")
async def remove_executing(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_processing.remove_executing(
        deps_of(request), appeal_id(request), user, int(request.match_info["item_id"])
    )


@_action("status", "Заявка направлена в работу.")
async def start_work(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_processing.start_work(
        deps_of(request), appeal_id(request), user, fields.get("comment", "")
    )


@_action("status", "Заявка рекомендована к приему.")
async def recommend(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_processing.recommend(
        deps_of(request), appeal_id(request), user, fields.get("comment", "")
    )


@_action("work", "Заявка поставлена в очередь на прием.", Role.ORGANIZER)
async def queue(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_processing.queue(
        deps_of(request), appeal_id(request), user, fields.get("comment", "")
    )


@_action("answer", "Ответ отправлен гражданину.", Role.DEPARTMENT, Role.ORGANIZER)
async def give_answer(request: web.Request, user: User, fields: dict[str, str]) -> None:
    template = fields.get("template_id", "")
    await appeals_processing.give_answer(
        deps_of(request),
        appeal_id(request),
        user,
        fields.get("text", "").replace("\r\n", "\n"),
        int(template) if template.isdigit() else None,
    )


@_action("deadline", "Срок рассмотрения продлен на 30 дней; гражданин уведомлен.")
async def extend_deadline(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_processing.extend_deadline(deps_of(request), appeal_id(request), user)


@_action("appeal", "Изменения сохранены.")
async def edit_appeal(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_processing.edit_appeal(
        deps_of(request),
        appeal_id(request),
        user,
        _number(fields, "topic_id"),
        fields.get("title", ""),
    )


@_action("comments", "Комментарий добавлен.", *READERS)
async def add_comment(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_processing.add_comment(
        deps_of(request), appeal_id(request), user, fields.get("text", "")
    )


@_action("documents", "Отметка сохранена.", *READERS)
async def attach_document(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_processing.set_attach_to_answer(
        deps_of(request),
        appeal_id(request),
        user,
        int(request.match_info["item_id"]),
        fields.get("attach") == "1",
    )


@_action("documents", "Документ удален.", *READERS)
async def delete_document(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_processing.delete_document(
        deps_of(request), appeal_id(request), user, int(request.match_info["item_id"])
    )


# --- the control officer: «Работа с заявками граждан» (seed 002) ---------------------------


@_action("control", "Заявка рассмотрена.", Role.CONTROL)
async def review(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_control.review(
        deps_of(request), appeal_id(request), user, fields.get("comment", "")
    )


@_action("control", "Заявка поставлена на контроль.", Role.CONTROL)
async def put_on_control(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_control.put_on_control(
        deps_of(request), appeal_id(request), user, fields.get("comment", "")
    )


@_action("control", "Ведомство добавлено. Сохраните форму.", Role.CONTROL)
async def add_control_department(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_control.add_department(
        deps_of(request),
        appeal_id(request),
        user,
        _number(fields, "department_id"),
        fields.get("sed_number", ""),
    )


@_action("control", "Ведомство удалено. Сохраните форму.", Role.CONTROL)
async def remove_control_department(
    request: web.Request, user: User, fields: dict[str, str]
) -> None:
    await appeals_control.remove_department(
        deps_of(request), appeal_id(request), user, int(request.match_info["item_id"])
    )


@_action("control", "Форма «Контроль выполнения заявки» сохранена.", Role.CONTROL)
async def save_control(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_control.save_form(
        deps_of(request),
        appeal_id(request),
        user,
        appeals_control.parse_day(fields.get("planned_on", ""), appeals_control.PLANNED),
        appeals_control.parse_day(fields.get("executed_on", ""), appeals_control.EXECUTED),
        fields.get("comment", ""),
    )


@_action("control", "Поручение исполнено: заявка решена.", Role.CONTROL)
async def resolve(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_control.resolve(
        deps_of(request), appeal_id(request), user, fields.get("comment", "")
    )


@_action("control", "Поручение не исполнено: заявка рассмотрена.", Role.CONTROL)
async def not_resolved(request: web.Request, user: User, fields: dict[str, str]) -> None:
    await appeals_control.not_resolved(
        deps_of(request), appeal_id(request), user, fields.get("comment", "")
    )


@allow(*READERS)
async def upload_documents(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    deps = deps_of(request)
    try:
        form = await read_multipart(request, deps)
        await appeals_processing.add_documents(deps, appeal_id(request), user, form.uploads)
        flash(request, "Документы загружены.")
    except NotFound:
        raise
    except PortalError as error:
        flash(request, error.text)
    raise web.HTTPSeeOther(_page_url(request, "documents"))


@allow(*READERS)
async def staff_file(request: web.Request) -> web.Response:
    user = await require_user(request)
    out = await appeals_files.open_file(
        deps_of(request), appeal_id(request), int(request.match_info["file_id"]), user
    )
    return file_response(out)


@allow(*READERS)
async def archive(request: web.Request) -> web.Response:
    user = await require_user(request)
    return file_response(await appeals_files.archive(deps_of(request), appeal_id(request), user))


@allow(*READERS)
async def appeal_pdf(request: web.Request) -> web.Response:
    user = await require_user(request)
    out = await appeals_files.appeal_pdf(deps_of(request), appeal_id(request), user)
    return file_response(out)


@allow(*READERS)
async def answer_pdf(request: web.Request) -> web.Response:
    user = await require_user(request)
    out = await appeals_files.answer_pdf(deps_of(request), appeal_id(request), user)
    return file_response(out)


def mount(app: web.Application) -> None:
    r = app.router
    base = r"/staff/appeals/{appeal_id:\d+}"
    r.add_get("/staff/appeals", staff_journal, name="staff_journal")
    r.add_get(base, staff_appeal_page, name="staff_appeal")
    r.add_post(base + "/executing", add_executing)
    r.add_post(base + r"/executing/{item_id:\d+}/delete", remove_executing)
    r.add_post(base + "/start-work", start_work)
    r.add_post(base + "/recommend", recommend)
    r.add_post(base + "/queue", queue)
    r.add_post(base + "/answer", give_answer)
    r.add_post(base + "/extend", extend_deadline)
    r.add_post(base + "/edit", edit_appeal)
    r.add_post(base + "/comments", add_comment)
    r.add_post(base + "/documents", upload_documents)
    r.add_post(base + r"/documents/{item_id:\d+}/attach", attach_document)
    r.add_post(base + r"/documents/{item_id:\d+}/delete", delete_document)
    r.add_post(base + "/review", review)
    r.add_post(base + "/put-on-control", put_on_control)
    r.add_post(base + "/control", save_control)
    r.add_post(base + "/control/departments", add_control_department)
    r.add_post(base + r"/control/departments/{item_id:\d+}/delete", remove_control_department)
    r.add_post(base + "/resolve", resolve)
    r.add_post(base + "/not-resolved", not_resolved)
    r.add_get(base + r"/files/{file_id:\d+}", staff_file)
    r.add_get(base + "/archive.zip", archive)
    r.add_get(base + "/appeal.pdf", appeal_pdf)
    r.add_get(base + "/answer.pdf", answer_pdf)
