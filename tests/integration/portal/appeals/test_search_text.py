"""The journal finds an appeal by its citizen's current name after a profile change."""

from __future__ import annotations

from datetime import date

import pytest

from portal.adapters.orm import User
from portal.domain.appeals import AppealDraft
from portal.domain.roles import Role
from portal.services import appeals
from portal.services.accounts import ProfileForm, update_profile
from portal.services.appeals import AppealsDeps
from portal.services.appeals_journal import Journal, JournalQuery, journal_page
from tests.integration.portal.appeals.conftest import MovableClock, add_reference, add_user

pytestmark = pytest.mark.timeout(60)


def _profile(user: User, surname: str) -> ProfileForm:
    return ProfileForm(
        surname=surname,
        name=user.name,
        patronymic=user.patronymic,
        birth_date="1980-05-17",
        phone=user.phone or "",
        postal_index=user.postal_index,
        region=user.region,
        district="",
        city=user.city,
        street=user.street,
        house=user.house,
        building="",
        flat="",
        snils=user.snils or "",
    )


async def test_renamed_citizen_is_found_by_the_new_name_only(
    deps: AppealsDeps, clock: MovableClock
) -> None:
    refs = await add_reference(deps.db)
    maria = await add_user(deps.db, email="m@example.ru", roles=[Role.CITIZEN])
    petr = await add_user(
        deps.db, email="p@example.ru", roles=[Role.CITIZEN], surname="Петров", name="Петр"
    )
    officer = await add_user(deps.db, email="o@example.ru", login="o", roles=[Role.DEPARTMENT])
    filed = []
    for who in (maria, maria, petr):
        draft = AppealDraft(refs.topic, refs.municipality, "Вопрос", "дом 1", "текст", True)
        filed.append((await appeals.file_appeal(deps, who, draft, [])).id)

    async def found(search: str) -> list[int]:
        async with deps.db.session() as session:
            page = await journal_page(
                session, Journal.DEPARTMENT, officer, JournalQuery(search=search), clock.now()
            )
        return sorted(row.id for row in page.rows)

    assert await found("иванова мария") == filed[:2]
    await update_profile(deps.db, maria.id, _profile(maria, "Смирнова"), date(2026, 1, 1))

    assert await found("смирнова мария") == filed[:2]
    assert await found("иванова") == []
    assert await found("петров петр") == [filed[2]], "other citizens' appeals keep their text"
    assert await found("дом 1") == filed, "the rest of the search text is kept"
