"""The appeals part of the JSON API (/api/v1): the same use cases as the pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, Field

from portal.adapters.orm import User
from portal.api.appeals_schema import AppealDetail, AppealList, ListParams, detail, listing
from portal.api.registry import ApiRegistry
from portal.domain.roles import Role
from portal.errors import Forbidden
from portal.http.appeals_request import appeal_id, deps_of, draft_from, file_response
from portal.http.appeals_uploads import read_multipart
from portal.http.auth import require_user
from portal.http.context import CLOCK, database_of, time_zone_of
from portal.http.i18n import language_of
from portal.services import (
    appeals,
    appeals_control,
    appeals_files,
    appeals_processing,
    reference,
)
from portal.services.appeals import AppealsDeps
from portal.services.appeals_journal import Journal, chosen_journal, journals_of, load_journal
from portal.services.reference import Kind

api = ApiRegistry()
STAFF = (Role.DEPARTMENT, Role.ORGANIZER, Role.CONTROL)
_ID = r"{appeal_id:\d+}"
_PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
_ZIP = {"application/zip": {"schema": {"type": "string", "format": "binary"}}}
_ANY_FILE = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
_MULTIPART_APPEAL = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["topic_id", "municipality_id", "title", "text", "consent"],
            "properties": {
                "topic_id": {"type": "integer"},
                "municipality_id": {"type": "integer"},
                "title": {"type": "string", "maxLength": 200},
                "address": {"type": "string", "maxLength": 300},
                "text": {"type": "string", "maxLength": 2000},
                "consent": {"type": "string", "enum": ["on"]},
                "files": {
                    "type": "array",
                    "items": {"type": "string", "format": "binary"},
                    "description": (
                        "PDF, RTF, JPG, JPEG, PNG, TXT; storage.max_upload_mb (20) MB in all"
                    ),
                },
            },
        }
    }
}
_MULTIPART_DOCS = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {
                "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
            },
        }
    }
}


async def _view(request: web.Request) -> AppealDetail:
    user = await require_user(request)
    return detail(await appeals.view_appeal(deps_of(request), appeal_id(request), user))


# --- the citizen ---------------------------------------------------------------------------


@api.route(
    "GET",
    "/api/v1/appeals",
    summary="«Мои заявки»: the citizen's own appeals",
    tags=["appeals"],
    query_model=ListParams,
    response_model=AppealList,
    roles=(Role.CITIZEN,),
)
async def list_my_appeals(request: web.Request, query: ListParams) -> AppealList:
    user = await require_user(request)
    page = await load_journal(
        database_of(request),
        Journal.CITIZEN,
        user,
        query.journal_query(),
        request.app[CLOCK].now(),
        tz=time_zone_of(request.app),
    )
    return listing(page, staff=False)


@api.route(
    "POST",
    "/api/v1/appeals",
    summary="File an appeal (multipart form with files)",
    tags=["appeals"],
    response_model=AppealDetail,
    roles=(Role.CITIZEN,),
    status=201,
    request_content=_MULTIPART_APPEAL,
)
async def file_appeal(request: web.Request) -> AppealDetail:
    user = await require_user(request)
    deps = deps_of(request)
    form = await read_multipart(request, deps)
    appeal = await appeals.file_appeal(deps, user, draft_from(form.fields), form.uploads)
    return detail(await appeals.view_appeal(deps, appeal.id, user))


@api.route(
    "GET",
    f"/api/v1/appeals/{_ID}",
    summary="One appeal (the citizen's own, or any for staff working with appeals)",
    tags=["appeals"],
    response_model=AppealDetail,
    roles=(Role.CITIZEN, *STAFF),
)
async def get_appeal(request: web.Request) -> AppealDetail:
    return await _view(request)


class CommentBody(BaseModel):
    comment: str = Field("", max_length=2000)


@api.route(
    "GET",
    f"/api/v1/appeals/{_ID}" + r"/files/{file_id:\d+}",
    summary="Download one file of the appeal",
    tags=["appeals"],
    roles=(Role.CITIZEN, *STAFF),
    response_content=_ANY_FILE,
)
async def download_file(request: web.Request) -> web.Response:
    user = await require_user(request)
    out = await appeals_files.open_file(
        deps_of(request), appeal_id(request), int(request.match_info["file_id"]), user
    )
    return file_response(out)


@api.route(
    "GET",
    f"/api/v1/appeals/{_ID}/answer.pdf",
    summary="The answer as a PDF with the attached files embedded",
    tags=["appeals"],
    roles=(Role.CITIZEN, *STAFF),
    response_content=_PDF,
)
async def download_answer(request: web.Request) -> web.Response:
    user = await require_user(request)
    return file_response(await appeals_files.answer_pdf(deps_of(request), appeal_id(request), user))


# --- staff ---------------------------------------------------------------------------------


class StaffListParams(ListParams):
    journal: Literal["department", "organizer", "control"] | None = Field(
        None,
        description=(
            "the role's journal: department (categories all|new|in_work), organizer "
            "(all|recommended|preparing), control (all|held|on_control); "
            "default: the first of the user's roles in that order"
        ),
    )


class StaffAppealList(AppealList):
    journal: str = Field(description="the journal shown")
    journals: list[str] = Field(description="the journals this user may ask for")


@api.route(
    "GET",
    "/api/v1/staff/appeals",
    summary="The journal of appeals of one of the user's staff roles",
    tags=["staff appeals"],
    query_model=StaffListParams,
    response_model=StaffAppealList,
    roles=STAFF,
)
async def list_journal(request: web.Request, query: StaffListParams) -> StaffAppealList:
    user = await require_user(request)
    journal = chosen_journal(user, query.journal)
    if journal is None:
        raise Forbidden(
            "Этот журнал заявок вам недоступен.", en="This journal of appeals is not yours."
        )
    page = await load_journal(
        database_of(request),
        journal,
        user,
        query.journal_query(),
        request.app[CLOCK].now(),
        tz=time_zone_of(request.app),
    )
    return StaffAppealList(
        **listing(page, staff=True).model_dump(),
        journal=journal.value,
        journals=[j.value for j in journals_of(user)],
    )


class ExecutingBody(BaseModel):
    department_id: int
    sed_number: str = Field(min_length=1, max_length=100)


class AnswerBody(BaseModel):
    text: str = Field(min_length=1, max_length=appeals_processing.MAX_ANSWER)
    template_id: int | None = None


class TemplateText(BaseModel):
    text: str


@api.route(
    "GET",
    f"/api/v1/staff/appeals/{_ID}" + r"/templates/{template_id:\d+}",
    summary="An answer template filled in for this appeal",
    tags=["staff appeals"],
    response_model=TemplateText,
    roles=(Role.DEPARTMENT, Role.ORGANIZER),
)
async def fill_template(request: web.Request) -> TemplateText:
    user = await require_user(request)
    text = await appeals_processing.template_text(
        deps_of(request), appeal_id(request), user, int(request.match_info["template_id"])
    )
    return TemplateText(text=text)


class CommentText(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


@api.route(
    "POST",
    f"/api/v1/staff/appeals/{_ID}/documents",
    summary="Upload documents («Документы»)",
    tags=["staff appeals"],
    response_model=AppealDetail,
    roles=STAFF,
    status=201,
    request_content=_MULTIPART_DOCS,
)
async def upload_documents(request: web.Request) -> AppealDetail:
    user = await require_user(request)
    deps = deps_of(request)
    form = await read_multipart(request, deps)
    await appeals_processing.add_documents(deps, appeal_id(request), user, form.uploads)
    return await _view(request)


class DocumentFlag(BaseModel):
    attach_to_answer: bool


@api.route(
    "GET",
    f"/api/v1/staff/appeals/{_ID}/archive.zip",
    summary="«Сохранить архив»: every file of the appeal in one zip",
    tags=["staff appeals"],
    roles=STAFF,
    response_content=_ZIP,
)
async def download_archive(request: web.Request) -> web.Response:
    user = await require_user(request)
    return file_response(await appeals_files.archive(deps_of(request), appeal_id(request), user))


@api.route(
    "GET",
    f"/api/v1/staff/appeals/{_ID}/appeal.pdf",
    summary="«Выгрузить PDF»: the printable appeal",
    tags=["staff appeals"],
    roles=STAFF,
    response_content=_PDF,
)
async def download_appeal_pdf(request: web.Request) -> web.Response:
    user = await require_user(request)
    return file_response(await appeals_files.appeal_pdf(deps_of(request), appeal_id(request), user))


# --- actions on one appeal: one service call, the appeal as it is now in return -----------


_STAFF_APPEAL = f"/api/v1/staff/appeals/{_ID}"
_ITEM = r"/{item_id:\d+}"


Body = TypeVar("Body", bound=BaseModel)


def _action(
    name: str,
    method: str,
    path: str,
    summary: str,
    roles: Sequence[Role],
    call: Callable[[AppealsDeps, int, User, web.Request, Body], Awaitable[object]],
    request_model: type[Body] | None = None,
    tag: str = "staff appeals",
) -> None:
    """An action on one appeal whose handler only calls `call(deps, appeal id, user,
    request, body)` and answers with the appeal; `name` is the OpenAPI operationId."""

    async def handler(request: web.Request, body: Any = None) -> AppealDetail:
        user = await require_user(request)
        await call(deps_of(request), appeal_id(request), user, request, body)
        return await _view(request)

    handler.__name__ = handler.__qualname__ = name
    api.route(
        method,
        path,
        summary=summary,
        tags=[tag],
        request_model=request_model,
        response_model=AppealDetail,
        roles=roles,
    )(handler)


def _item(request: web.Request) -> int:
    return int(request.match_info["item_id"])


_action(
    "withdraw_appeal",
    "POST",
    f"/api/v1/appeals/{_ID}/withdraw",
    "Withdraw the appeal («Отозвать»)",
    (Role.CITIZEN,),
    lambda d, a, u, r, b: appeals.withdraw(d, a, u, b.comment),
    CommentBody,
    tag="appeals",
)
_action(
    "add_executing",
    "POST",
    f"{_STAFF_APPEAL}/executing",
    "Add (or renumber) an executing department with its СЭД number",
    (Role.DEPARTMENT,),
    lambda d, a, u, r, b: appeals_processing.add_executing(d, a, u, b.department_id, b.sed_number),
    ExecutingBody,
)
_action(
    "remove_executing",
    "DELETE",
    f"{_STAFF_APPEAL}/executing{_ITEM}",
    "Remove an executing department",
    (Role.DEPARTMENT,),
    lambda d, a, u, r, b: appeals_processing.remove_executing(d, a, u, _item(r)),
)
_action(
    "start_work",
    "POST",
    f"{_STAFF_APPEAL}/start-work",
    "«Направить в работу» (new → in_work)",
    (Role.DEPARTMENT,),
    lambda d, a, u, r, b: appeals_processing.start_work(d, a, u, b.comment),
    CommentBody,
)
_action(
    "recommend",
    "POST",
    f"{_STAFF_APPEAL}/recommend",
    "«Рекомендовать к приему» (in_work → recommended)",
    (Role.DEPARTMENT,),
    lambda d, a, u, r, b: appeals_processing.recommend(d, a, u, b.comment),
    CommentBody,
)
_action(
    "give_answer",
    "POST",
    f"{_STAFF_APPEAL}/answer",
    "«Дать ответ»: answer the citizen; flagged documents go with the answer",
    (Role.DEPARTMENT, Role.ORGANIZER),
    lambda d, a, u, r, b: appeals_processing.give_answer(d, a, u, b.text, b.template_id),
    AnswerBody,
)
_action(
    "extend_deadline",
    "POST",
    f"{_STAFF_APPEAL}/extend",
    "Extend the deadline once by 30 days (the citizen is told)",
    (Role.DEPARTMENT,),
    lambda d, a, u, r, b: appeals_processing.extend_deadline(d, a, u),
)
_action(
    "add_comment",
    "POST",
    f"{_STAFF_APPEAL}/comments",
    "Add a service comment (never shown to the citizen)",
    STAFF,
    lambda d, a, u, r, b: appeals_processing.add_comment(d, a, u, b.text),
    CommentText,
)
_action(
    "flag_document",
    "PATCH",
    f"{_STAFF_APPEAL}/documents{_ITEM}",
    "«Прикрепить к ответу»: send this document with the answer, or not",
    STAFF,
    lambda d, a, u, r, b: appeals_processing.set_attach_to_answer(
        d, a, u, _item(r), b.attach_to_answer
    ),
    DocumentFlag,
)
_action(
    "delete_document",
    "DELETE",
    f"{_STAFF_APPEAL}/documents{_ITEM}",
    "Delete a document",
    STAFF,
    lambda d, a, u, r, b: appeals_processing.delete_document(d, a, u, _item(r)),
)


_action(
    "queue",
    "POST",
    f"{_STAFF_APPEAL}/queue",
    "«В очередь на прием» (recommended → preparing): to reception planning",
    (Role.ORGANIZER,),
    lambda d, a, u, r, b: appeals_processing.queue(d, a, u, b.comment),
    CommentBody,
)
_action(
    "review",
    "POST",
    f"{_STAFF_APPEAL}/review",
    "«Рассмотрено» (held → reviewed): the reception gave no instructions",
    (Role.CONTROL,),
    lambda d, a, u, r, b: appeals_control.review(d, a, u, b.comment),
    CommentBody,
)
_action(
    "put_on_control",
    "POST",
    f"{_STAFF_APPEAL}/put-on-control",
    "«На контроль» (held → on_control): opens the form «Контроль выполнения заявки»",
    (Role.CONTROL,),
    lambda d, a, u, r, b: appeals_control.put_on_control(d, a, u, b.comment),
    CommentBody,
)
_action(
    "resolve",
    "POST",
    f"{_STAFF_APPEAL}/resolve",
    "«Исполнено» (on_control → resolved): only once the control form is complete and saved",
    (Role.CONTROL,),
    lambda d, a, u, r, b: appeals_control.resolve(d, a, u, b.comment),
    CommentBody,
)
_action(
    "not_resolved",
    "POST",
    f"{_STAFF_APPEAL}/not-resolved",
    "«Не исполнено» (on_control → reviewed): the instructions were not executed",
    (Role.CONTROL,),
    lambda d, a, u, r, b: appeals_control.not_resolved(d, a, u, b.comment),
    CommentBody,
)


# --- «Контроль выполнения заявки» ---------------------------------------------------------


class ControlDepartmentInfo(BaseModel):
    id: int
    department_id: int
    department: str
    sed_number: str


class ControlInfo(BaseModel):
    departments: list[ControlDepartmentInfo]
    planned_on: date | None = Field(description="«Плановая дата», a local calendar day")
    executed_on: date | None = Field(description="«Дата выполнения», a local calendar day")
    comment: str
    started_at: datetime
    saved_at: datetime | None = Field(
        description="the last save; null while a department change is not saved"
    )
    editable: bool = Field(description="the appeal is on control")
    complete: bool
    saved: bool
    ready: bool = Field(description="«Исполнено» may be pressed: complete and saved")
    missing: list[str] = Field(description="what «Исполнено» still needs")


class ControlForm(BaseModel):
    """The whole form («Сохранить»): a field left out is cleared."""

    planned_on: date | None = None
    executed_on: date | None = None
    comment: str = Field("", max_length=appeals_control.MAX_COMMENT)


def _control_info(view: appeals_control.ControlView, lang: str) -> ControlInfo:
    return ControlInfo(
        departments=[
            ControlDepartmentInfo(
                id=d.id,
                department_id=d.department_id,
                department=d.department,
                sed_number=d.sed_number,
            )
            for d in view.departments
        ],
        planned_on=view.planned_on,
        executed_on=view.executed_on,
        comment=view.comment,
        started_at=view.started_at,
        saved_at=view.saved_at,
        editable=view.editable,
        complete=view.complete,
        saved=view.saved,
        ready=view.ready,
        missing=[m.in_language(lang) for m in view.missing],
    )


async def _control(request: web.Request) -> ControlInfo:
    user = await require_user(request)
    view = await appeals_control.control_of(deps_of(request), appeal_id(request), user)
    return _control_info(view, language_of(request))


_CONTROL = f"{_STAFF_APPEAL}/control"


@api.route(
    "GET",
    _CONTROL,
    summary="«Контроль выполнения заявки»: the control form of an appeal put on control",
    tags=["staff appeals"],
    response_model=ControlInfo,
    roles=STAFF,
)
async def get_control(request: web.Request) -> ControlInfo:
    return await _control(request)


@api.route(
    "PUT",
    _CONTROL,
    summary="«Сохранить»: the planned and execution dates and the comment",
    tags=["staff appeals"],
    request_model=ControlForm,
    response_model=ControlInfo,
    roles=(Role.CONTROL,),
)
async def save_control(request: web.Request, body: ControlForm) -> ControlInfo:
    user = await require_user(request)
    await appeals_control.save_form(
        deps_of(request), appeal_id(request), user, body.planned_on, body.executed_on, body.comment
    )
    return await _control(request)


@api.route(
    "POST",
    f"{_CONTROL}/departments",
    summary="Add (or renumber) an executing department of the instructions",
    tags=["staff appeals"],
    request_model=ExecutingBody,
    response_model=ControlInfo,
    roles=(Role.CONTROL,),
)
async def add_control_department(request: web.Request, body: ExecutingBody) -> ControlInfo:
    user = await require_user(request)
    await appeals_control.add_department(
        deps_of(request), appeal_id(request), user, body.department_id, body.sed_number
    )
    return await _control(request)


@api.route(
    "DELETE",
    f"{_CONTROL}/departments{_ITEM}",
    summary="«Удалить»: remove an executing department of the instructions",
    tags=["staff appeals"],
    response_model=ControlInfo,
    roles=(Role.CONTROL,),
)
async def remove_control_department(request: web.Request) -> ControlInfo:
    user = await require_user(request)
    await appeals_control.remove_department(
        deps_of(request), appeal_id(request), user, _item(request)
    )
    return await _control(request)


# --- reference data ------------------------------------------------------------------------


class Named(BaseModel):
    id: int
    name: str


class TemplateInfo(BaseModel):
    id: int
    title: str
    body: str


class ReferenceData(BaseModel):
    topics: list[Named]
    municipalities: list[Named]
    departments: list[Named]
    templates: list[TemplateInfo] = Field(description="staff only")


@api.route(
    "GET",
    "/api/v1/reference",
    summary="Active topics, municipalities, departments (and answer templates for staff)",
    tags=["reference"],
    response_model=ReferenceData,
)
async def reference_data(request: web.Request) -> ReferenceData:
    user = await require_user(request)
    db = database_of(request)

    async def named(kind: Kind) -> list[Named]:
        return [
            Named(id=e.id, name=e.name) for e in await reference.entries(db, kind, active_only=True)
        ]

    templates = (
        [
            TemplateInfo(id=t.id, title=t.title, body=t.body)
            for t in await reference.templates(db, active_only=True)
        ]
        if appeals.is_appeal_staff(user)
        else []
    )
    return ReferenceData(
        topics=await named(Kind.TOPICS),
        municipalities=await named(Kind.MUNICIPALITIES),
        departments=await named(Kind.DEPARTMENTS),
        templates=templates,
    )
