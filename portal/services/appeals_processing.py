"""The department officer's work on an appeal (SPEC §3, seed 002 «Работа с заявкой»)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.appeals_orm import (
    Answer,
    AnswerTemplate,
    Appeal,
    Attachment,
    Department,
    ExecutingDepartment,
    ServiceComment,
    Topic,
)
from portal.adapters.orm import User
from portal.domain.appeals import EXTENSION, MAX_TEXT, MAX_TITLE, fill_template, full_name
from portal.domain.roles import Role
from portal.domain.status import FINAL, Status
from portal.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal.services.appeals import (
    AppealsDeps,
    Upload,
    is_appeal_staff,
    load_appeal,
    new_attachment,
    search_text,
)
from portal.services.appeals_blobs import claim
from portal.services.appeals_notify import Outgoing, extension_letter
from portal.services.appeals_status import change_status

MAX_ANSWER = 20000


def _require(user: User, *roles: Role) -> None:
    if not user.has_role(*roles):
        raise Forbidden(
            "Недостаточно прав для этого действия.", en="You are not allowed to do this."
        )


async def _editable_work(session: AsyncSession, appeal_id: int, officer: User) -> Appeal:
    _require(officer, Role.DEPARTMENT)
    appeal = await load_appeal(session, appeal_id, officer)
    if Status(appeal.status) not in (Status.NEW, Status.IN_WORK):
        raise Conflict(
            "Блок «Работа с заявкой» доступен только для новых заявок и заявок в работе.",
            en="The work block is read-only in this status.",
        )
    return appeal


async def add_executing(
    deps: AppealsDeps, appeal_id: int, officer: User, department_id: int, sed_number: str
) -> None:
    sed_number = sed_number.strip()
    if not sed_number:
        raise InvalidInput(
            "Укажите номер в СЭД «Дело».", en="The document-system number is required."
        )
    if len(sed_number) > 100:
        raise InvalidInput(
            "Номер в СЭД слишком длинный.", en="The document-system number is too long."
        )
    async with deps.db.session() as session, session.begin():
        appeal = await _editable_work(session, appeal_id, officer)
        department = await session.get(Department, department_id)
        if department is None or not department.is_active:
            raise InvalidInput(
                "Выберите ведомство из списка.", en="Choose a department from the list."
            )
        row = (
            await session.execute(
                select(ExecutingDepartment).where(
                    ExecutingDepartment.appeal_id == appeal.id,
                    ExecutingDepartment.department_id == department.id,
                )
            )
        ).scalar_one_or_none()
        if row is None:
            session.add(
                ExecutingDepartment(
                    appeal_id=appeal.id,
                    department_id=department.id,
                    sed_number=sed_number,
                    added_at=deps.clock.now(),
                )
            )
        else:
            row.sed_number = sed_number


async def remove_executing(
    deps: AppealsDeps, appeal_id: int, officer: User, executing_id: int
) -> None:
    async with deps.db.session() as session, session.begin():
        appeal = await _editable_work(session, appeal_id, officer)
        row = await session.get(ExecutingDepartment, executing_id)
        if row is None or row.appeal_id != appeal.id:
            raise NotFound("Исполнитель не найден.", en="Executing department not found.")
        await session.delete(row)


async def start_work(deps: AppealsDeps, appeal_id: int, officer: User, comment: str = "") -> None:
    """«Направить в работу»: needs at least one executing department with its СЭД number."""
    async with deps.db.session() as session, session.begin():
        appeal = await _editable_work(session, appeal_id, officer)
        count = await session.scalar(
            select(func.count()).where(ExecutingDepartment.appeal_id == appeal.id)
        )
        if not count:
            raise InvalidInput(
                "Добавьте хотя бы одно ведомство-исполнитель с номером в СЭД «Дело».",
                en="Add at least one executing department with its document-system number.",
            )
        outgoing = Outgoing()
        await change_status(
            session,
            appeal,
            Status.IN_WORK,
            officer,
            deps.clock.now(),
            outgoing,
            comment=comment,
            link=deps.link(appeal.id, staff=False),
        )
    await outgoing.deliver(deps.mailer)


async def recommend(deps: AppealsDeps, appeal_id: int, officer: User, comment: str = "") -> None:
    """«Рекомендовать к приему»: the work block becomes read-only."""
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, officer)
        outgoing = Outgoing()
        await change_status(
            session,
            appeal,
            Status.RECOMMENDED,
            officer,
            deps.clock.now(),
            outgoing,
            comment=comment,
            link=deps.link(appeal.id, staff=False),
        )
    await outgoing.deliver(deps.mailer)


async def queue(deps: AppealsDeps, appeal_id: int, organizer: User, comment: str = "") -> None:
    """«В очередь на прием» (the organizer, `recommended → preparing`): the appeal goes to
    «Планирование приемов» as «Подготовка к участию»."""
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, organizer)
        outgoing = Outgoing()
        await change_status(
            session,
            appeal,
            Status.PREPARING,
            organizer,
            deps.clock.now(),
            outgoing,
            comment=comment,
            link=deps.link(appeal.id, staff=False),
        )
    await outgoing.deliver(deps.mailer)


async def give_answer(
    deps: AppealsDeps, appeal_id: int, officer: User, text: str, template_id: int | None = None
) -> Answer:
    """«Дать ответ»: stores the answer and moves the appeal to «Дан ответ»; the documents
    flagged «Прикрепить к ответу» go to the citizen with it."""
    text = text.strip()
    if not text:
        raise InvalidInput("Введите текст ответа.", en="The answer text is required.")
    if len(text) > MAX_ANSWER:
        raise InvalidInput(
            f"Ответ длиннее {MAX_ANSWER} символов.",
            en=f"The answer is longer than {MAX_ANSWER} characters.",
        )
    outgoing = Outgoing()
    now = deps.clock.now()
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, officer)
        if template_id is not None and await session.get(AnswerTemplate, template_id) is None:
            raise InvalidInput("Шаблон не найден.", en="Template not found.")
        await change_status(
            session,
            appeal,
            Status.ANSWERED,
            officer,
            now,
            outgoing,
            link=deps.link(appeal.id, staff=False),
            answer=text,
        )
        answer = Answer(
            appeal_id=appeal.id, template_id=template_id, text=text, author_id=officer.id, at=now
        )
        session.add(answer)
    await outgoing.deliver(deps.mailer)
    return answer


async def template_text(deps: AppealsDeps, appeal_id: int, officer: User, template_id: int) -> str:
    """A template's body with the appeal's placeholders filled in, for editing."""
    async with deps.db.session() as session:
        appeal = await load_appeal(session, appeal_id, officer)
        template = await session.get(AnswerTemplate, template_id)
        if template is None or not template.is_active:
            raise NotFound("Шаблон не найден.", en="Template not found.")
        return fill_template(
            template.body,
            full_name(appeal.citizen),
            appeal.number,
            appeal.created_at,
            deps.time_zone,
        )


async def extend_deadline(deps: AppealsDeps, appeal_id: int, officer: User) -> None:
    """59-FZ allows one extension by 30 days; the citizen is always told."""
    outgoing = Outgoing()
    async with deps.db.session() as session, session.begin():
        _require(officer, Role.DEPARTMENT)
        appeal = await load_appeal(session, appeal_id, officer)
        if appeal.extended_at is not None:
            raise Conflict("Срок уже продлевался.", en="The deadline was extended once already.")
        if Status(appeal.status) in FINAL:
            raise Conflict("Заявка уже закрыта.", en="The appeal is closed.")
        appeal.extended_at = deps.clock.now()
        appeal.deadline_at = appeal.deadline_at + EXTENSION
        outgoing.add(
            extension_letter(
                appeal, appeal.citizen, deps.link(appeal.id, staff=False), deps.time_zone
            )
        )
    await outgoing.deliver(deps.mailer)


async def edit_appeal(
    deps: AppealsDeps, appeal_id: int, officer: User, topic_id: int, title: str
) -> None:
    """Staff correct the topic and title (seed 002: both editable in «Заявка гражданина»)."""
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(
            f"Заголовок: от 1 до {MAX_TITLE} символов.",
            en=f"The title must have 1 to {MAX_TITLE} characters.",
        )
    async with deps.db.session() as session, session.begin():
        _require(officer, Role.DEPARTMENT)
        appeal = await load_appeal(session, appeal_id, officer)
        topic = await session.get(Topic, topic_id)
        if topic is None:
            raise InvalidInput("Выберите тему из списка.", en="Choose a topic from the list.")
        appeal.topic_id, appeal.title = topic.id, title
        appeal.search_text = search_text(appeal.number, title, appeal.citizen, appeal.address)


async def add_comment(deps: AppealsDeps, appeal_id: int, staff: User, text: str) -> None:
    """«Служебные комментарии»: any staff member working with appeals."""
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput(
            f"Комментарий: от 1 до {MAX_TEXT} символов.",
            en=f"The comment must have 1 to {MAX_TEXT} characters.",
        )
    if not is_appeal_staff(staff):
        raise Forbidden(
            "Недостаточно прав для этого действия.", en="You are not allowed to do this."
        )
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, staff)
        session.add(
            ServiceComment(appeal_id=appeal.id, author_id=staff.id, at=deps.clock.now(), text=text)
        )


async def add_documents(
    deps: AppealsDeps, appeal_id: int, staff: User, uploads: Sequence[Upload]
) -> None:
    """«Документы»: staff files, later flagged to go with the answer."""
    _require(staff, Role.DEPARTMENT, Role.ORGANIZER, Role.CONTROL)
    if not uploads:
        raise InvalidInput("Выберите файл.", en="Choose a file.")
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, staff)
        now = deps.clock.now()
        await claim(session, deps.store, (u.blob.sha256 for u in uploads), now)
        for upload in uploads:
            session.add(new_attachment(appeal.id, upload, staff, now, by_staff=True))


async def _document(session: AsyncSession, appeal: Appeal, document_id: int) -> Attachment:
    doc = await session.get(Attachment, document_id)
    if doc is None or doc.appeal_id != appeal.id or not doc.by_staff:
        raise NotFound("Документ не найден.", en="Document not found.")
    return doc


async def set_attach_to_answer(
    deps: AppealsDeps, appeal_id: int, staff: User, document_id: int, attach: bool
) -> None:
    _require(staff, Role.DEPARTMENT, Role.ORGANIZER, Role.CONTROL)
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, staff)
        if Status(appeal.status) is Status.ANSWERED:
            raise Conflict("Ответ уже отправлен.", en="The answer has been sent.")
        (await _document(session, appeal, document_id)).attach_to_answer = attach


async def delete_document(deps: AppealsDeps, appeal_id: int, staff: User, document_id: int) -> None:
    _require(staff, Role.DEPARTMENT, Role.ORGANIZER, Role.CONTROL)
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, staff)
        doc = await _document(session, appeal, document_id)
        if doc.attach_to_answer and Status(appeal.status) is Status.ANSWERED:
            raise Conflict("Файл отправлен с ответом.", en="The file went out with the answer.")
        await session.delete(doc)
