"""Files of an appeal as people get them: one file, the zip archive, the PDFs.

Every function starts from the viewer: a file is served only when its appeal is theirs
(or they are staff working with appeals) and, for a citizen, only the files meant for them.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.adapters import pdf
from portal.adapters.appeals_orm import Answer, Appeal, Attachment, ExecutingDepartment
from portal.adapters.orm import User
from portal.adapters.storage import EXTENSIONS, FileKind, content_type
from portal.domain.local_time import format_local, zone_label
from portal.domain.status import CITIZEN_LABELS, STAFF_LABELS, Status
from portal.errors import NotFound
from portal.services.appeals import AppealsDeps, is_appeal_staff, load_appeal
from portal.services.audit import record_access


@dataclass(frozen=True, slots=True)
class FileOut:
    name: str
    content_type: str
    data: bytes


def _download_name(item: Attachment) -> str:
    """The sender's name with the extension of what the file really is."""
    ext = EXTENSIONS[FileKind(item.kind)]
    stem = item.display_name.rsplit(".", 1)[0] if "." in item.display_name else item.display_name
    return f"{stem}{ext}"


def _visible(item: Attachment, staff: bool, answered: bool) -> bool:
    return staff or not item.by_staff or (item.attach_to_answer and answered)


async def open_file(deps: AppealsDeps, appeal_id: int, file_id: int, viewer: User) -> FileOut:
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, viewer)
        item = await session.get(Attachment, file_id)
        staff = is_appeal_staff(viewer) and appeal.citizen_id != viewer.id
        answered = appeal.status == Status.ANSWERED.value
        if item is None or item.appeal_id != appeal.id or not _visible(item, staff, answered):
            raise NotFound("Файл не найден.", en="File not found.")
        if staff:
            await record_access(session, viewer, appeal.citizen_id, f"file of {appeal.number}")
    data = await deps.store.read(item.sha256)
    return FileOut(_download_name(item), content_type(FileKind(item.kind), data), data)


async def _files(deps: AppealsDeps, appeal: Appeal) -> list[Attachment]:
    async with deps.db.session() as session:
        rows = await session.execute(
            select(Attachment).where(Attachment.appeal_id == appeal.id).order_by(Attachment.id)
        )
        return list(rows.scalars())


async def archive(deps: AppealsDeps, appeal_id: int, staff: User) -> FileOut:
    """«Сохранить архив»: every file of the appeal in one zip (staff only)."""
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, staff)
        if not is_appeal_staff(staff):
            raise NotFound("Заявка не найдена.", en="Appeal not found.")
        await record_access(session, staff, appeal.citizen_id, f"archive of {appeal.number}")
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for item in await _files(deps, appeal):
            folder = "documents" if item.by_staff else "appeal"
            name = f"{folder}/{_download_name(item)}"
            if name in used:
                name = f"{folder}/{item.id}-{_download_name(item)}"
            used.add(name)
            bundle.writestr(name, await deps.store.read(item.sha256))
    return FileOut(f"appeal-{appeal.number}.zip", "application/zip", buffer.getvalue())


async def appeal_pdf(deps: AppealsDeps, appeal_id: int, staff: User) -> FileOut:
    """«Выгрузить PDF»: the printable appeal for staff."""
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, staff)
        if not is_appeal_staff(staff):
            raise NotFound("Заявка не найдена.", en="Appeal not found.")
        await record_access(session, staff, appeal.citizen_id, f"pdf of {appeal.number}")
        executing = (
            await session.execute(
                select(ExecutingDepartment)
                .options(joinedload(ExecutingDepartment.department))
                .where(ExecutingDepartment.appeal_id == appeal.id)
                .order_by(ExecutingDepartment.id)
            )
        ).scalars()
        work = [(e.department.name, f"СЭД «Дело» № {e.sed_number}") for e in executing]
    citizen = appeal.citizen
    files = await _files(deps, appeal)
    sections = [
        pdf.Section(
            "Заявка гражданина",
            [
                ("Номер", appeal.number),
                (
                    "Дата подачи",
                    format_local(appeal.created_at, deps.time_zone, "%d.%m.%Y %H:%M ")
                    + zone_label(deps.time_zone, appeal.created_at),
                ),
                ("Статус", STAFF_LABELS[Status(appeal.status)]),
                ("Срок ответа", format_local(appeal.deadline_at, deps.time_zone, "%d.%m.%Y")),
                ("Гражданин", citizen.display_name),
                ("Электронная почта", citizen.email or ""),
                ("Телефон", citizen.phone or ""),
                ("Тема", appeal.topic.name),
                ("Муниципальное образование", appeal.municipality.name),
                ("Адрес", appeal.address),
                ("Заголовок", appeal.title),
            ],
            appeal.text,
        ),
        pdf.Section(
            "Файлы",
            [(_download_name(f), f"{f.size} байт") for f in files if not f.by_staff],
        ),
    ]
    if work:
        sections.append(pdf.Section("Работа с заявкой", work))
    body = pdf.render(pdf.Document(f"Заявка № {appeal.number}", sections, created=deps.clock.now()))
    return FileOut(f"appeal-{appeal.number}.pdf", "application/pdf", body)


async def answer_pdf(deps: AppealsDeps, appeal_id: int, viewer: User) -> FileOut:
    """The answer as a PDF carrying the files attached to it («Прикрепить к ответу»)."""
    async with deps.db.session() as session:
        appeal = await load_appeal(session, appeal_id, viewer)
        answer = (
            await session.execute(select(Answer).where(Answer.appeal_id == appeal.id))
        ).scalar_one_or_none()
        if answer is None:
            raise NotFound("Ответа на заявку еще нет.", en="The appeal has no answer yet.")
    attached = [f for f in await _files(deps, appeal) if f.by_staff and f.attach_to_answer]
    embedded = []
    for f in attached:
        data = await deps.store.read(f.sha256)
        embedded.append(
            pdf.EmbeddedFile(_download_name(f), data, content_type(FileKind(f.kind), data))
        )
    document = pdf.Document(
        f"Ответ на заявку № {appeal.number}",
        [
            pdf.Section(
                "Заявка",
                [
                    ("Номер", appeal.number),
                    ("Дата подачи", format_local(appeal.created_at, deps.time_zone, "%d.%m.%Y")),
                    ("Заявитель", appeal.citizen.display_name),
                    ("Заголовок", appeal.title),
                    ("Статус", CITIZEN_LABELS[Status(appeal.status)]),
                ],
            ),
            pdf.Section(
                "Ответ",
                [("Дата ответа", format_local(answer.at, deps.time_zone, "%d.%m.%Y"))],
                answer.text,
            ),
            pdf.Section("Приложения", [(f.name, "вложен в этот PDF") for f in embedded]),
        ],
        files=embedded,
        created=answer.at,
    )
    return FileOut(f"answer-{appeal.number}.pdf", "application/pdf", pdf.render(document))
