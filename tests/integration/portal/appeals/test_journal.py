"""Journals on both databases: categories with counts, search, filters, sorting, paging,
time left and overdue marks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from portal.adapters.appeals_orm import Appeal
from portal.adapters.orm import User
from portal.domain.appeals import AppealDraft
from portal.domain.roles import Role
from portal.domain.status import Status
from portal.services import appeals
from portal.services import appeals_processing as work
from portal.services.appeals import AppealsDeps
from portal.services.appeals_journal import Journal, JournalQuery, Sort, journal_page
from tests.integration.portal.appeals.conftest import add_reference, add_user
from tests.integration.portal.conftest import MovableClock

pytestmark = pytest.mark.timeout(60)


async def test_journals(deps: AppealsDeps, clock: MovableClock) -> None:
    refs = await add_reference(deps.db)
    maria = await add_user(deps.db, email="m@example.ru", roles=[Role.CITIZEN])
    petr = await add_user(
        deps.db, email="p@example.ru", roles=[Role.CITIZEN], surname="Петров", name="Петр"
    )
    officer = await add_user(deps.db, email="o@example.ru", login="o", roles=[Role.DEPARTMENT])
    ids = []
    for n in range(5):
        who = maria if n < 3 else petr
        topic = refs.topic if n % 2 == 0 else refs.other_topic
        draft = AppealDraft(
            topic, refs.municipality, f"Вопрос {n} 100%_", f"дом {n}", "текст", True
        )
        ids.append((await appeals.file_appeal(deps, who, draft, [])).id)
        clock.advance(timedelta(days=8))
    # The first appeal is now 40 days old: overdue. The second goes to work, the third is answered.
    await work.add_executing(deps, ids[1], officer, refs.department, "1")
    await work.start_work(deps, ids[1], officer)
    await work.give_answer(deps, ids[2], officer, "Ответ")

    async def page(journal: Journal, who: User, **kw: Any) -> list[int]:
        async with deps.db.session() as session:
            result = await journal_page(
                session,
                journal,
                who,
                JournalQuery(**kw),
                clock.now(),
            )
        return [row.id for row in result.rows]

    async with deps.db.session() as session:
        mine = await journal_page(session, Journal.CITIZEN, maria, JournalQuery(), clock.now())
    assert [r.id for r in mine.rows] == [ids[2], ids[1], ids[0]], "newest first, own only"
    assert mine.counts == {"all": 3, "current": 2, "closed": 1}
    oldest = mine.rows[-1]
    assert oldest.overdue
    assert oldest.time_left is not None
    assert oldest.time_left.text().startswith("Просрочено на 10 дней")
    assert mine.rows[0].time_left is None, "answered: no deadline runs"

    assert await page(Journal.CITIZEN, maria, category="closed") == [ids[2]]
    assert await page(Journal.CITIZEN, maria, status=Status.IN_WORK) == [ids[1]]
    assert await page(Journal.CITIZEN, petr) == [ids[4], ids[3]]

    async with deps.db.session() as session:
        staff = await journal_page(
            session, Journal.DEPARTMENT, officer, JournalQuery(), clock.now()
        )
    assert staff.total == 5
    assert staff.counts == {"all": 5, "new": 3, "in_work": 1}
    assert staff.rows[0].citizen == "Петров Петр Петровна"
    assert await page(Journal.DEPARTMENT, officer, category="in_work") == [ids[1]]
    assert await page(Journal.DEPARTMENT, officer, search="петров петр") == [ids[4], ids[3]]
    assert await page(Journal.DEPARTMENT, officer, search="вопрос 2") == [ids[2]]
    assert await page(Journal.DEPARTMENT, officer, search="100%_") == ids[::-1], "LIKE escaped"
    assert await page(Journal.DEPARTMENT, officer, search="100%x") == []
    assert await page(Journal.DEPARTMENT, officer, search=f"{ids[3]:06d}") == [ids[3]]
    async with deps.db.session() as session:
        number = (await session.get(Appeal, ids[3])).number  # type: ignore[union-attr]
    assert await page(Journal.DEPARTMENT, officer, search=number) == [ids[3]], "by full number"
    assert await page(Journal.DEPARTMENT, officer, topic_id=refs.other_topic) == [ids[3], ids[1]]
    first_day = (clock.now() - timedelta(days=40)).date()
    assert await page(Journal.DEPARTMENT, officer, date_from=first_day, date_to=first_day) == [
        ids[0]
    ]
    assert await page(Journal.DEPARTMENT, officer, sort=Sort.CREATED, descending=False) == ids
    assert await page(Journal.DEPARTMENT, officer, sort=Sort.DEADLINE, descending=False) == ids
    assert await page(Journal.DEPARTMENT, officer, per_page=2, page=2) == [ids[2], ids[1]]
    assert await page(Journal.DEPARTMENT, officer, per_page=2, page=9) == []
