"""Shapes of the appeals API: list parameters, list and appeal answers, and how a page
of the journal or an appeal view becomes one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from portal.adapters.appeals_orm import Attachment
from portal.domain.status import CITIZEN_LABELS, STAFF_LABELS, Status
from portal.services.appeals import AppealView
from portal.services.appeals_journal import MAX_PAGE, PAGE_SIZES, JournalPage, JournalQuery, Sort


class ListParams(BaseModel):
    category: str = Field("all", description="citizen: all|current|closed; staff: all|new|in_work")
    q: str = Field("", max_length=200, description="number, title, citizen or address")
    status: Status | None = None
    topic: int | None = Field(None, ge=1, le=2**63 - 1)
    date_from: date | None = None
    date_to: date | None = None
    invited: bool = False
    sort: Sort = Sort.CREATED
    order: Literal["asc", "desc"] = "desc"
    page: int = Field(1, ge=1, description=f"pages past {MAX_PAGE} are clamped to it")
    size: int = Field(PAGE_SIZES[0], description="20, 50 or 100")

    def journal_query(self) -> JournalQuery:
        return JournalQuery(
            category=self.category,
            search=self.q,
            status=self.status,
            topic_id=self.topic,
            date_from=self.date_from,
            date_to=self.date_to,
            invited=self.invited,
            sort=self.sort,
            descending=self.order == "desc",
            page=self.page,
            per_page=self.size if self.size in PAGE_SIZES else PAGE_SIZES[0],
        )


class AppealItem(BaseModel):
    id: int
    number: str
    created_at: datetime
    title: str
    topic: str
    citizen: str | None
    status: Status
    status_label: str
    time_left: str | None
    overdue: bool


class AppealList(BaseModel):
    items: list[AppealItem]
    total: int
    page: int
    pages: int
    counts: dict[str, int]


class FileInfo(BaseModel):
    id: int
    name: str
    size: int
    kind: str
    attach_to_answer: bool
    url: str


class HistoryItem(BaseModel):
    at: datetime
    actor: str
    source: Status | None
    target: Status
    action: str
    comment: str


class ActionInfo(BaseModel):
    action: str
    label: str
    target: Status


class AnswerInfo(BaseModel):
    text: str
    at: datetime
    pdf_url: str


class ExecutingInfo(BaseModel):
    id: int
    department_id: int
    department: str
    sed_number: str


class CommentInfo(BaseModel):
    at: datetime
    author: str
    text: str


class CitizenInfo(BaseModel):
    id: int
    name: str
    email: str | None
    phone: str | None


class AppealDetail(BaseModel):
    id: int
    number: str
    status: Status
    status_label: str
    created_at: datetime
    deadline_at: datetime
    deadline_extended: bool
    time_left: str | None
    overdue: bool
    topic: str
    municipality: str
    title: str
    address: str
    text: str
    files: list[FileInfo]
    documents: list[FileInfo]
    history: list[HistoryItem]
    answer: AnswerInfo | None
    actions: list[ActionInfo]
    citizen: CitizenInfo | None = Field(None, description="staff only")
    executing: list[ExecutingInfo] = Field(default_factory=list, description="staff only")
    comments: list[CommentInfo] = Field(default_factory=list, description="staff only")


def detail(view: AppealView) -> AppealDetail:
    a = view.appeal
    labels = STAFF_LABELS if view.staff else CITIZEN_LABELS
    prefix = f"/api/v1/appeals/{a.id}"

    def file_info(f: Attachment) -> FileInfo:
        return FileInfo(
            id=f.id,
            name=f.display_name,
            size=f.size,
            kind=f.kind,
            attach_to_answer=f.attach_to_answer,
            url=f"{prefix}/files/{f.id}",
        )

    return AppealDetail(
        id=a.id,
        number=a.number,
        status=view.status,
        status_label=labels[view.status],
        created_at=a.created_at,
        deadline_at=a.deadline_at,
        deadline_extended=a.extended_at is not None,
        time_left=view.time_left.text() if view.time_left else None,
        overdue=bool(view.time_left and view.time_left.overdue),
        topic=a.topic.name,
        municipality=a.municipality.name,
        title=a.title,
        address=a.address,
        text=a.text,
        files=[file_info(f) for f in view.files],
        documents=[file_info(f) for f in view.documents],
        history=[
            HistoryItem(
                at=h.at,
                actor=h.actor,
                source=h.source,
                target=h.target,
                action=h.action,
                comment=h.comment,
            )
            for h in view.history
        ],
        answer=AnswerInfo(text=view.answer.text, at=view.answer.at, pdf_url=f"{prefix}/answer.pdf")
        if view.answer
        else None,
        actions=[ActionInfo(action=r.action, label=r.label, target=r.target) for r in view.actions],
        citizen=CitizenInfo(
            id=a.citizen.id,
            name=a.citizen.display_name,
            email=a.citizen.email,
            phone=a.citizen.phone,
        )
        if view.staff
        else None,
        executing=[
            ExecutingInfo(
                id=e.id,
                department_id=e.department_id,
                department=e.department.name,
                sed_number=e.sed_number,
            )
            for e in view.executing
        ],
        comments=[CommentInfo(at=c.at, author=c.author, text=c.text) for c in view.comments],
    )


def listing(page: JournalPage, staff: bool) -> AppealList:
    labels = STAFF_LABELS if staff else CITIZEN_LABELS
    return AppealList(
        items=[
            AppealItem(
                id=row.id,
                number=row.number,
                created_at=row.created_at,
                title=row.title,
                topic=row.topic,
                citizen=row.citizen if staff else None,
                status=row.status,
                status_label=labels[row.status],
                time_left=row.time_left.text() if row.time_left else None,
                overdue=row.overdue,
            )
            for row in page.rows
        ],
        total=page.total,
        page=page.query.page,
        pages=page.pages,
        counts=page.counts,
    )
