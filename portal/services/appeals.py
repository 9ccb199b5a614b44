"""Use cases of an appeal: filing, reading, withdrawal; who may see which appeal.

Officer work (departments, answer, documents) is in `appeals_processing`, files and
exports in `appeals_files`, lists in `appeals_journal`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from sqlalchemy import exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement

from portal.adapters.appeals_orm import (
    Answer,
    Appeal,
    Attachment,
    ExecutingDepartment,
    Municipality,
    ServiceComment,
    StatusChange,
    Topic,
)
from portal.adapters.clock import Clock
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.scope_orm import StaffDepartment
from portal.adapters.storage import BlobStore, StoredBlob
from portal.domain import status as machine
from portal.domain.appeals import (
    MAX_FILES_BYTES,
    AppealDraft,
    TimeLeft,
    appeal_number,
    deadline_for,
)
from portal.domain.local_time import DEFAULT_ZONE
from portal.domain.profile import missing_fields
from portal.domain.roles import Role
from portal.domain.status import FINAL, Status, citizen_status
from portal.errors import Forbidden, InvalidInput, NotFound
from portal.services.appeals_blobs import claim
from portal.services.appeals_notify import MailSender, Outgoing, new_appeal_letters
from portal.services.appeals_status import change_status
from portal.services.audit import record_access

APPEAL_STAFF = frozenset({Role.DEPARTMENT, Role.ORGANIZER, Role.CONTROL})
"""Staff roles that work with appeals; `visible_to` says which appeals each one opens."""


@dataclass(frozen=True)
class AppealsDeps:
    """What the appeal use cases need; one instance per application."""

    db: Database
    store: BlobStore
    clock: Clock
    mailer: MailSender | None
    public_url: str
    max_files_bytes: int = MAX_FILES_BYTES
    """All files of one appeal (or one upload of documents) together (storage.max_upload_mb)."""
    time_zone: tzinfo = field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))
    """Where letters and answers say what day it is (server.time_zone); UTC is stored."""

    def link(self, appeal_id: int, *, staff: bool) -> str:
        return f"{self.public_url}/{'staff/' if staff else ''}appeals/{appeal_id}"


@dataclass(frozen=True, slots=True)
class Upload:
    """A stored file and the name its sender gave it (shown, never used on disk)."""

    name: str
    blob: StoredBlob


def is_appeal_staff(user: User) -> bool:
    return user.has_role(*APPEAL_STAFF)


def _reached(status: Status) -> ColumnElement[bool]:
    """The appeal has been in `status` at some point (its history says so)."""
    return exists().where(StatusChange.appeal_id == Appeal.id, StatusChange.target == status.value)


def role_scope(viewer: User, role: Role) -> ColumnElement[bool]:
    """The appeals one of `viewer`'s staff roles works with (none for a role they do not
    hold); each staff journal lists its role's scope.

    - department officer: an account tied to departments (`staff_departments`) sees the
      appeals those departments execute; an account tied to none is the responsible
      office that routes new appeals and sees them all;
    - organizer: appeals recommended for a reception (seed 002: the ОС starts there);
    - control: appeals whose reception took place.
    """
    if not viewer.has_role(role):
        return false()
    if role is Role.DEPARTMENT:
        mine = select(StaffDepartment.department_id).where(StaffDepartment.user_id == viewer.id)
        assigned = exists().where(
            ExecutingDepartment.appeal_id == Appeal.id,
            ExecutingDepartment.department_id.in_(mine.scalar_subquery()),
        )
        return or_(~exists(mine), assigned)
    if role is Role.ORGANIZER:
        return _reached(Status.RECOMMENDED)
    if role is Role.CONTROL:
        return _reached(Status.HELD)
    return false()


_SCOPED_ROLES = (Role.DEPARTMENT, Role.ORGANIZER, Role.CONTROL)


def visible_to(viewer: User) -> ColumnElement[bool]:
    """The appeals `viewer` may open and act on (SPEC §7: staff see what their role needs).

    - anyone: their own appeals;
    - a staff member: the scope of each of their roles (`role_scope`);
    - anyone else (administrator, moderator, host): none.

    Several roles see the union. An appeal outside the scope answers "not found", like a
    missing one, so numbers cannot be probed.
    """
    seen: list[ColumnElement[bool]] = [Appeal.citizen_id == viewer.id]
    seen += [role_scope(viewer, role) for role in _SCOPED_ROLES if viewer.has_role(role)]
    return or_(false(), *seen)


async def load_appeal(session: AsyncSession, appeal_id: int, viewer: User) -> Appeal:
    """The appeal if `viewer` may see it (`visible_to`). Someone else's appeal is "not
    found", exactly like a missing one, so numbers cannot be probed."""
    query = select(Appeal).where(Appeal.id == appeal_id, visible_to(viewer))
    query = query.options(
        joinedload(Appeal.topic), joinedload(Appeal.municipality), joinedload(Appeal.citizen)
    )
    appeal = (await session.execute(query)).scalar_one_or_none()
    if appeal is None:
        raise NotFound("Заявка не найдена.", en=f"Appeal {appeal_id} not found.")
    return appeal


async def open_citizen_profile(db: Database, viewer: User, citizen_id: int) -> User | None:
    """The citizen whose profile `viewer` (staff) opens, the access written to the audit
    log; None when there is no such citizen or the citizen is out of `viewer`'s scope."""
    async with db.session() as session, session.begin():
        citizen = await session.get(User, citizen_id)
        if (
            citizen is None
            or not citizen.has_role(Role.CITIZEN)
            or not await may_see_citizen(session, viewer, citizen.id)
        ):
            return None
        await record_access(session, viewer, citizen.id, "профиль гражданина")
    return citizen


async def may_see_citizen(session: AsyncSession, viewer: User, citizen_id: int) -> bool:
    """Staff read a citizen's profile only while one of the citizen's appeals is theirs to
    work on: the profile is personal data, and no other role needs it."""
    if not is_appeal_staff(viewer):
        return False
    found = await session.scalar(
        select(exists().where(Appeal.citizen_id == citizen_id, visible_to(viewer)))
    )
    return bool(found)


def safe_name(name: str) -> str:
    """A display name without path parts or control characters. Some clients send
    non-ASCII names percent-encoded (browsers send UTF-8): both read the same."""
    name = unquote(name, errors="replace") if "%" in name else name
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:
        # Too long: shorten the stem and keep the extension; none: "file".
        return f"{stem.strip()[: 254 - len(ext)] or 'file'}.{ext}"
    return name[:255] or "file"


async def file_appeal(
    deps: AppealsDeps, citizen: User, draft: AppealDraft, uploads: Sequence[Upload]
) -> Appeal:
    """Register a citizen's appeal: status «Новая», a number, the 30-day deadline."""
    if not citizen.has_role(Role.CITIZEN):
        raise Forbidden("Подавать заявки могут только граждане.", en="Only citizens file appeals.")
    missing = missing_fields(citizen)
    if missing:
        raise InvalidInput(
            "Заполните профиль, чтобы подать заявку: " + ", ".join(m.ru for m in missing) + ".",
            en="Complete your profile to file an appeal: " + ", ".join(m.en for m in missing) + ".",
        )
    draft = draft.validated()
    if sum(u.blob.size for u in uploads) > deps.max_files_bytes:
        mb = deps.max_files_bytes // 2**20
        raise InvalidInput(
            f"Файлы больше {mb} МБ в сумме.", en=f"The files exceed {mb} MB in total."
        )
    now = deps.clock.now()
    outgoing = Outgoing()
    async with deps.db.session() as session, session.begin():
        topic = await session.get(Topic, draft.topic_id)
        municipality = await session.get(Municipality, draft.municipality_id)
        if topic is None or not topic.is_active:
            raise InvalidInput("Выберите тему из списка.", en="Choose a topic from the list.")
        if municipality is None or not municipality.is_active:
            raise InvalidInput(
                "Выберите муниципальное образование из списка.",
                en="Choose a municipality from the list.",
            )
        appeal = Appeal(
            number=f"n{uuid.uuid4().hex[:16]}",
            citizen_id=citizen.id,
            topic_id=topic.id,
            municipality_id=municipality.id,
            title=draft.title,
            address=draft.address,
            text=draft.text,
            status=Status.NEW.value,
            created_at=now,
            deadline_at=deadline_for(now, extended=False),
            consent_at=now,
            status_changed_at=now,
        )
        session.add(appeal)
        await session.flush()
        appeal.number = appeal_number(appeal.id, now)
        appeal.search_text = search_text(appeal.number, appeal.title, citizen, appeal.address)
        session.add(
            StatusChange(
                appeal_id=appeal.id,
                at=now,
                actor_id=citizen.id,
                actor_role=Role.CITIZEN.value,
                source=None,
                target=Status.NEW.value,
                action="file",
                comment="",
            )
        )
        await claim(session, deps.store, (u.blob.sha256 for u in uploads), now)
        for upload in uploads:
            session.add(new_attachment(appeal.id, upload, citizen, now, by_staff=False))
        for letter in await new_appeal_letters(session, appeal, deps.link(appeal.id, staff=True)):
            outgoing.add(letter)
    await outgoing.deliver(deps.mailer)
    return appeal


def search_text(number: str, title: str, citizen: User, address: str) -> str:
    return " ".join((number, title, citizen.display_name, address)).lower()[:900]


async def refresh_search_text(session: AsyncSession, citizen: User) -> None:
    """Rewrite the stored search text of the citizen's appeals after their name changed,
    in the caller's transaction, so the journal never finds them by the old name."""
    appeals = await session.execute(select(Appeal).where(Appeal.citizen_id == citizen.id))
    for appeal in appeals.scalars():
        appeal.search_text = search_text(appeal.number, appeal.title, citizen, appeal.address)


def new_attachment(
    appeal_id: int, upload: Upload, who: User, now: datetime, *, by_staff: bool
) -> Attachment:
    return Attachment(
        appeal_id=appeal_id,
        sha256=upload.blob.sha256,
        size=upload.blob.size,
        kind=upload.blob.kind.value,
        display_name=safe_name(upload.name),
        by_staff=by_staff,
        attach_to_answer=False,
        uploaded_by=who.id,
        uploaded_at=now,
    )


async def withdraw(deps: AppealsDeps, appeal_id: int, citizen: User, comment: str = "") -> None:
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, citizen)
        if appeal.citizen_id != citizen.id:
            raise Forbidden(
                "Отозвать заявку может только ее автор.",
                en="Only the author may withdraw the appeal.",
            )
        await change_status(
            session,
            appeal,
            Status.WITHDRAWN,
            citizen,
            deps.clock.now(),
            Outgoing(),
            comment=comment,
        )


@dataclass(frozen=True, slots=True)
class HistoryRow:
    at: datetime
    actor: str
    source: Status | None
    target: Status
    action: str
    comment: str


@dataclass(frozen=True, slots=True)
class CommentRow:
    at: datetime
    author: str
    text: str


@dataclass
class AppealView:
    """Everything an appeal page shows, already filtered for its viewer."""

    appeal: Appeal
    staff: bool
    files: list[Attachment]
    documents: list[Attachment]
    """Staff: every «Документы» file; the citizen: only those sent with the answer."""
    history: list[HistoryRow]
    comments: list[CommentRow]
    executing: list[ExecutingDepartment]
    answer: Answer | None
    time_left: TimeLeft | None
    actions: list[machine.Rule]

    @property
    def status(self) -> Status:
        return Status(self.appeal.status)

    @property
    def work_editable(self) -> bool:
        """«Работа с заявкой» is read-only once the appeal is recommended (seed 002)."""
        return self.status in (Status.NEW, Status.IN_WORK)


async def view_appeal(deps: AppealsDeps, appeal_id: int, viewer: User) -> AppealView:
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, viewer)
        staff = is_appeal_staff(viewer) and appeal.citizen_id != viewer.id
        if staff:
            await record_access(session, viewer, appeal.citizen_id, f"appeal {appeal.number}")
        attachments = list(
            (
                await session.execute(
                    select(Attachment)
                    .where(Attachment.appeal_id == appeal.id)
                    .order_by(Attachment.id)
                )
            ).scalars()
        )
        answer = (
            await session.execute(select(Answer).where(Answer.appeal_id == appeal.id))
        ).scalar_one_or_none()
        history = await _history(session, appeal.id, staff)
        comments = await _comments(session, appeal.id) if staff else []
        executing = list(
            (
                await session.execute(
                    select(ExecutingDepartment)
                    .options(joinedload(ExecutingDepartment.department))
                    .where(ExecutingDepartment.appeal_id == appeal.id)
                    .order_by(ExecutingDepartment.id)
                )
            ).scalars()
        )
    status = Status(appeal.status)
    files = [a for a in attachments if not a.by_staff]
    documents = [a for a in attachments if a.by_staff]
    if not staff:
        documents = [d for d in documents if d.attach_to_answer and answer is not None]
    actors: set[machine.Actor] = (
        {r for r in viewer.role_set if r is not Role.CITIZEN} if staff else {Role.CITIZEN}
    )
    return AppealView(
        appeal=appeal,
        staff=staff,
        files=files,
        documents=documents,
        history=history,
        comments=comments,
        executing=executing if staff else [],
        answer=answer,
        time_left=None if status in FINAL else TimeLeft.until(appeal.deadline_at, deps.clock.now()),
        actions=machine.available(status, actors),
    )


async def _history(session: AsyncSession, appeal_id: int, staff: bool) -> list[HistoryRow]:
    rows = await session.execute(
        select(StatusChange, User)
        .outerjoin(User, User.id == StatusChange.actor_id)
        .where(StatusChange.appeal_id == appeal_id)
        .order_by(StatusChange.at, StatusChange.id)
    )
    history = []
    for change, user in rows:
        source = Status(change.source) if change.source else None
        if (
            not staff
            and source is not None
            and citizen_status(source) is citizen_status(Status(change.target))
        ):
            # «В работе → В работе»: a change the citizen cannot see (in work → recommended)
            # is no event in their history, as it sends them no letter either.
            continue
        if user is None:
            actor = "Система"
        elif staff or change.actor_role == Role.CITIZEN.value:
            actor = user.display_name
        else:
            # The citizen sees who acted as an office, not which officer.
            actor = "Сотрудник"
        history.append(
            HistoryRow(
                at=change.at,
                actor=actor,
                source=source,
                target=Status(change.target),
                action=change.action,
                comment=change.comment if staff or change.action in _PUBLIC_COMMENTS else "",
            )
        )
    return history


_PUBLIC_COMMENTS = frozenset({"withdraw", "decline", "confirm"})
"""Comments the citizen wrote themselves; staff comments on changes stay internal."""


async def _comments(session: AsyncSession, appeal_id: int) -> list[CommentRow]:
    rows = await session.execute(
        select(ServiceComment, User)
        .outerjoin(User, User.id == ServiceComment.author_id)
        .where(ServiceComment.appeal_id == appeal_id)
        .order_by(ServiceComment.at, ServiceComment.id)
    )
    return [CommentRow(c.at, u.display_name if u else "—", c.text) for c, u in rows]
