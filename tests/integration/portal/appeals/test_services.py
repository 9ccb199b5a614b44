"""Appeal use cases on SQLite and PostgreSQL: filing, processing, answer, files, rights."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.adapters.appeals_orm import Appeal, StatusChange
from portal.adapters.db import Database
from portal.adapters.orm import AuditRecord, User
from portal.domain.appeals import AppealDraft
from portal.domain.local_time import DEFAULT_ZONE, to_local, zone
from portal.domain.roles import Role
from portal.domain.status import ForbiddenTransition, Status, TransitionNotAllowed
from portal.errors import Conflict, InvalidInput, NotFound
from portal.services import appeals, appeals_files
from portal.services import appeals_processing as work
from portal.services.appeals import AppealsDeps, Upload
from tests.integration.portal.appeals.conftest import (
    PDF,
    PNG,
    MovableClock,
    Reference,
    add_reference,
    add_user,
    letters,
)

pytestmark = pytest.mark.timeout(60)


def draft(refs: Reference, text: str = "Во дворе не вывозят мусор третью неделю.") -> AppealDraft:
    return AppealDraft(refs.topic, refs.municipality, "Вывоз мусора", "ул. Ленина, 5", text, True)


async def setup(deps: AppealsDeps) -> tuple[Reference, dict[str, User]]:
    db = deps.db
    refs = await add_reference(db)
    people = {
        "citizen": await add_user(db, email="maria@example.ru", roles=[Role.CITIZEN]),
        "other": await add_user(db, email="petr@example.ru", roles=[Role.CITIZEN]),
        "officer": await add_user(
            db,
            email="off@example.ru",
            login="off",
            roles=[Role.DEPARTMENT],
            surname="Сидоров",
            notify_new_appeals=True,
        ),
        "control": await add_user(db, email="ctl@example.ru", login="ctl", roles=[Role.CONTROL]),
    }
    return refs, people


async def test_filing_numbers_the_appeal_and_starts_the_deadline(
    deps: AppealsDeps, clock: MovableClock, outbox: Path
) -> None:
    refs, p = await setup(deps)
    blob = await deps.store.put_bytes(PDF)
    appeal = await appeals.file_appeal(deps, p["citizen"], draft(refs), [Upload("скан.pdf", blob)])
    assert appeal.number == f"{appeal.created_at.year}-{appeal.id:06d}"
    assert appeal.status == Status.NEW
    assert appeal.deadline_at - appeal.created_at == timedelta(days=30)
    view = await appeals.view_appeal(deps, appeal.id, p["citizen"])
    assert [f.display_name for f in view.files] == ["скан.pdf"]
    assert [(h.source, h.target) for h in view.history] == [(None, Status.NEW)]
    assert view.time_left is not None
    assert view.time_left.days == 29
    (letter,) = letters(outbox, "off@example.ru")
    assert f"Новая заявка № {appeal.number}" in letter


async def test_an_incomplete_profile_cannot_file(deps: AppealsDeps) -> None:
    refs, _ = await setup(deps)
    bare = await add_user(deps.db, email="new@example.ru", roles=[Role.CITIZEN], snils=None)
    with pytest.raises(InvalidInput, match="SNILS"):
        await appeals.file_appeal(deps, bare, draft(refs), [])
    async with deps.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Appeal)) == 0


async def test_department_flow_with_mail_to_the_citizen(deps: AppealsDeps, outbox: Path) -> None:
    refs, p = await setup(deps)
    citizen, officer = p["citizen"], p["officer"]
    appeal = await appeals.file_appeal(deps, citizen, draft(refs), [])

    with pytest.raises(InvalidInput, match="document-system"):
        await work.start_work(deps, appeal.id, officer)
    await work.add_executing(deps, appeal.id, officer, refs.department, "01-15/123")
    await work.start_work(deps, appeal.id, officer, "передано в министерство")
    mail = letters(outbox, "maria@example.ru")
    assert len(mail) == 1
    assert "«В работе»" in mail[0]

    await work.recommend(deps, appeal.id, officer)
    assert len(letters(outbox, "maria@example.ru")) == 1, "recommended looks like in work"
    citizen_view = await appeals.view_appeal(deps, appeal.id, citizen)
    assert citizen_view.status is Status.RECOMMENDED
    assert citizen_view.history[-1].comment == "", "staff comments stay internal"
    assert citizen_view.executing == []
    with pytest.raises(Conflict, match="work block"):
        await work.add_executing(deps, appeal.id, officer, refs.other_department, "2")

    staff_view = await appeals.view_appeal(deps, appeal.id, officer)
    assert [h.comment for h in staff_view.history][1] == "передано в министерство"
    assert [e.sed_number for e in staff_view.executing] == ["01-15/123"]
    async with deps.db.session() as session:
        audited = await session.scalar(
            select(func.count()).where(AuditRecord.actor_id == officer.id)
        )
    assert audited, "staff opening a citizen's appeal is audited"


async def test_answer_with_template_and_attached_document(deps: AppealsDeps, outbox: Path) -> None:
    refs, p = await setup(deps)
    citizen, officer = p["citizen"], p["officer"]
    appeal = await appeals.file_appeal(deps, citizen, draft(refs), [])
    text = await work.template_text(deps, appeal.id, officer, refs.template)
    assert "Уважаемый(ая) Иванова Мария Петровна!" in text
    # The template's {дата} is the day of filing on the reception's clock (Moscow).
    filed = to_local(appeal.created_at, zone(DEFAULT_ZONE))
    assert f"№ {appeal.number} от {filed:%d.%m.%Y}" in text

    blob = await deps.store.put_bytes("Справка о вывозе".encode())
    await work.add_documents(deps, appeal.id, officer, [Upload("справка.txt", blob)])
    await work.add_documents(
        deps, appeal.id, officer, [Upload("черновик.png", await deps.store.put_bytes(PNG))]
    )
    view = await appeals.view_appeal(deps, appeal.id, officer)
    doc, _ = view.documents
    await work.set_attach_to_answer(deps, appeal.id, officer, doc.id, True)
    before = await appeals.view_appeal(deps, appeal.id, citizen)
    assert before.documents == [], "documents reach the citizen only with the answer"

    await work.give_answer(deps, appeal.id, officer, text + "Мусор вывезен.", refs.template)
    after = await appeals.view_appeal(deps, appeal.id, citizen)
    assert after.status is Status.ANSWERED
    assert after.time_left is None
    assert [d.display_name for d in after.documents] == ["справка.txt"]
    (mail, *_rest) = [m for m in letters(outbox, "maria@example.ru") if "Дан ответ" in m]
    assert "Мусор вывезен." in mail

    out = await appeals_files.answer_pdf(deps, appeal.id, citizen)
    reader = PdfReader(io.BytesIO(out.data))
    content = "".join(page.extract_text() for page in reader.pages)
    assert "Мусор вывезен." in content
    assert appeal.number in content
    assert reader.attachments == {"справка.txt": ["Справка о вывозе".encode()]}

    with pytest.raises(Conflict):
        await work.delete_document(deps, appeal.id, officer, doc.id)


async def test_nobody_reaches_another_citizens_appeal_or_file(deps: AppealsDeps) -> None:
    refs, p = await setup(deps)
    blob = await deps.store.put_bytes(PDF)
    appeal = await appeals.file_appeal(deps, p["citizen"], draft(refs), [Upload("a.pdf", blob)])
    file_id = (await appeals.view_appeal(deps, appeal.id, p["citizen"])).files[0].id
    other = p["other"]
    with pytest.raises(NotFound):
        await appeals.view_appeal(deps, appeal.id, other)
    with pytest.raises(NotFound):
        await appeals_files.open_file(deps, appeal.id, file_id, other)
    with pytest.raises(NotFound):
        await appeals.withdraw(deps, appeal.id, other)
    with pytest.raises(NotFound):
        await appeals_files.archive(deps, appeal.id, p["citizen"])
    own = await appeals_files.open_file(deps, appeal.id, file_id, p["citizen"])
    assert own.data == PDF
    assert own.name == "a.pdf"


async def test_citizen_withdraws_and_cannot_act_as_staff(deps: AppealsDeps) -> None:
    refs, p = await setup(deps)
    citizen = p["citizen"]
    appeal = await appeals.file_appeal(deps, citizen, draft(refs), [])
    with pytest.raises(TransitionNotAllowed, match="'answer' is not available"):
        await work.give_answer(deps, appeal.id, citizen, "сам себе отвечу")
    with pytest.raises(ForbiddenTransition, match="from status 'new' to 'recommended'"):
        await work.recommend(deps, appeal.id, p["officer"])
    assert (await _status_and_history(deps.db, appeal.id)) == ("new", 1)
    await appeals.withdraw(deps, appeal.id, citizen, "вопрос решился")
    view = await appeals.view_appeal(deps, appeal.id, citizen)
    assert view.status is Status.WITHDRAWN
    assert view.history[-1].comment == "вопрос решился"
    with pytest.raises(ForbiddenTransition, match="'withdrawn'"):
        await work.give_answer(deps, appeal.id, p["officer"], "ответ")


async def test_deadline_extends_once_and_the_citizen_is_told(
    deps: AppealsDeps, outbox: Path, clock: MovableClock
) -> None:
    refs, p = await setup(deps)
    appeal = await appeals.file_appeal(deps, p["citizen"], draft(refs), [])
    clock.advance(timedelta(days=31))
    view = await appeals.view_appeal(deps, appeal.id, p["officer"])
    assert view.time_left is not None
    assert view.time_left.overdue
    await work.extend_deadline(deps, appeal.id, p["officer"])
    view = await appeals.view_appeal(deps, appeal.id, p["officer"])
    assert view.appeal.deadline_at - view.appeal.created_at == timedelta(days=60)
    assert view.time_left is not None
    assert not view.time_left.overdue
    assert any("продлен" in m for m in letters(outbox, "maria@example.ru"))
    with pytest.raises(Conflict, match="extended once already"):
        await work.extend_deadline(deps, appeal.id, p["officer"])


async def test_archive_and_printable_pdf(deps: AppealsDeps) -> None:
    refs, p = await setup(deps)
    uploads = [
        Upload("фото.png", await deps.store.put_bytes(PNG)),
        Upload("заявление.pdf", await deps.store.put_bytes(PDF)),
    ]
    appeal = await appeals.file_appeal(deps, p["citizen"], draft(refs), uploads)
    await work.add_executing(deps, appeal.id, p["officer"], refs.department, "77-1")
    archive = await appeals_files.archive(deps, appeal.id, p["officer"])
    with zipfile.ZipFile(io.BytesIO(archive.data)) as bundle:
        assert sorted(bundle.namelist()) == ["appeal/заявление.pdf", "appeal/фото.png"]
        assert bundle.read("appeal/фото.png") == PNG
    printable = await appeals_files.appeal_pdf(deps, appeal.id, p["officer"])
    text = PdfReader(io.BytesIO(printable.data)).pages[0].extract_text()
    for expected in (
        "Заявка гражданина",
        "Иванова Мария Петровна",
        "Вывоз мусора",
        "Министерство ЖКХ",
        "77-1",
        "Во дворе не вывозят мусор",
    ):
        assert expected in text


async def _status_and_history(db: Database, appeal_id: int) -> tuple[str, int]:
    async with db.session() as session:
        appeal = await session.get(Appeal, appeal_id)
        count = await session.scalar(
            select(func.count()).where(StatusChange.appeal_id == appeal_id)
        )
        assert appeal is not None
        assert count is not None
        return appeal.status, count


async def test_mail_follows_the_citizens_settings(deps: AppealsDeps, outbox: Path) -> None:
    refs, p = await setup(deps)
    quiet = await add_user(
        deps.db, email="quiet@example.ru", roles=[Role.CITIZEN], notify_status=False
    )
    appeal = await appeals.file_appeal(deps, quiet, draft(refs), [])
    await work.add_executing(deps, appeal.id, p["officer"], refs.department, "9")
    await work.start_work(deps, appeal.id, p["officer"])
    await work.give_answer(deps, appeal.id, p["officer"], "Ответ")
    assert letters(outbox, "quiet@example.ru") == [], "status mail is switched off"
    other = await appeals.file_appeal(deps, quiet, draft(refs), [])
    await work.extend_deadline(deps, other.id, p["officer"])
    (told,) = letters(outbox, "quiet@example.ru")
    assert "продлен" in told, "the extension is told whatever the settings (59-FZ)"
