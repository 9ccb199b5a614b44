"""Issue 13 items 9-11 over HTTP: department scope, local time and local journal days,
odd journal input, the citizen's history, withdrawal confirmation, the organizer's
template fill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from config import Settings
from portal.adapters.db import Database
from portal.adapters.mail import list_outbox
from portal.adapters.orm import User
from portal.domain.appeals import AppealDraft
from portal.domain.roles import Role
from portal.http.appeals_request import STORE
from portal.services import appeals, appeals_processing, staff
from portal.services.appeals import AppealsDeps
from tests.integration.portal.appeals.conftest import (
    ClientFactory,
    MovableClock,
    Reference,
    add_user,
    api_sign_in,
)
from tests.integration.portal.appeals.test_pages import csrf_of, file_by_form, signed_in

pytestmark = pytest.mark.timeout(120)


def at(clock: MovableClock, moment: datetime) -> None:
    """Move the test clock so that it reads `moment` now."""
    clock.offset = timedelta()
    clock.offset = moment - clock.now()


@pytest.fixture
def deps(app: web.Application, app_db: Database, clock: MovableClock) -> AppealsDeps:
    return AppealsDeps(app_db, app[STORE], clock, None, "http://reception.test")


async def file(deps: AppealsDeps, refs: Reference, citizen: User, title: str = "Яма") -> int:
    draft = AppealDraft(refs.topic, refs.municipality, title, "ул. Мира", "Яма во дворе", True)
    return (await appeals.file_appeal(deps, citizen, draft, [])).id


async def recommended(deps: AppealsDeps, refs: Reference, people: dict[str, User]) -> int:
    appeal = await file(deps, refs, people["citizen"])
    officer = people["officer"]
    await appeals_processing.add_executing(deps, appeal, officer, refs.department, "1/1")
    await appeals_processing.start_work(deps, appeal, officer)
    await appeals_processing.recommend(deps, appeal, officer)
    return appeal


async def test_journal_days_are_local_and_times_are_shown_in_moscow_time(
    new_client: ClientFactory,
    people: dict[str, User],
    refs: Reference,
    deps: AppealsDeps,
    clock: MovableClock,
) -> None:
    at(clock, datetime(2026, 11, 29, 22, 30, tzinfo=UTC))  # 30.11 01:30 in Moscow
    early = await file(deps, refs, people["citizen"], "Ночная")
    at(clock, datetime(2026, 11, 30, 21, 30, tzinfo=UTC))  # 01.12 00:30 in Moscow
    late = await file(deps, refs, people["citizen"], "Следующий день")
    officer = await signed_in(new_client, "officer", staff=True)
    day = "date_from=2026-11-30&date_to=2026-11-30"
    journal = await (await officer.get(f"/staff/appeals?{day}")).text()
    assert f'href="/staff/appeals/{early}"' in journal
    assert f'href="/staff/appeals/{late}"' not in journal
    assert "30.11.2026" in journal
    page = await (await officer.get(f"/staff/appeals/{early}")).text()
    assert "30.11.2026 01:30" in page
    assert "МСК" in page

    client = await new_client()
    headers = {"X-CSRF-Token": await api_sign_in(client, "officer", staff=True)}
    listed = await (await client.get(f"/api/v1/staff/appeals?{day}", headers=headers)).json()
    assert [item["id"] for item in listed["items"]] == [early]
    stamp = datetime.fromisoformat(listed["items"][0]["created_at"].replace("Z", "+00:00"))
    assert stamp.utcoffset() is not None  # ISO 8601 with an offset
    assert abs(stamp - datetime(2026, 11, 29, 22, 30, tzinfo=UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "query",
    [
        "date_from=9999-12-31&date_to=9999-12-31",
        "date_from=0001-01-01&date_to=0001-01-01",
        "date_from=0000-01-01",
        "date_to=2026-13-45",
        "page=" + "9" * 30,
        "page=-5",
        "page=" + "9" * 5000,
        "topic=" + "9" * 25,
        "size=" + "9" * 25,
    ],
)
async def test_odd_journal_input_never_fails(
    new_client: ClientFactory, people: dict[str, User], query: str
) -> None:
    officer = await signed_in(new_client, "officer", staff=True)
    page = await officer.get(f"/staff/appeals?{query}")
    assert page.status == 200, query
    citizen = await signed_in(new_client, "maria@example.ru")
    assert (await citizen.get(f"/appeals?{query}")).status == 200, query
    client = await new_client()
    headers = {"X-CSRF-Token": await api_sign_in(client, "officer", staff=True)}
    response = await client.get(f"/api/v1/staff/appeals?{query}", headers=headers)
    assert response.status in (200, 400, 422), query
    if response.status != 200:
        error = (await response.json())["error"]
        assert error["code"]
        assert error["message"]


async def test_staff_of_a_department_see_only_its_appeals_and_an_admin_no_citizen(
    new_client: ClientFactory,
    people: dict[str, User],
    refs: Reference,
    deps: AppealsDeps,
    app_db: Database,
) -> None:
    ours = await file(deps, refs, people["citizen"], "Наша")
    theirs = await file(deps, refs, people["other"], "Чужая")
    router = people["officer"]
    await appeals_processing.add_executing(deps, ours, router, refs.department, "1")
    await appeals_processing.add_executing(deps, theirs, router, refs.other_department, "2")
    scoped = await add_user(app_db, email="a@example.ru", login="dep_a", roles=[Role.DEPARTMENT])
    await staff.set_departments(app_db, scoped.id, [refs.department])

    officer = await signed_in(new_client, "dep_a", staff=True)
    journal = await (await officer.get("/staff/appeals")).text()
    assert f'href="/staff/appeals/{ours}"' in journal
    assert f'href="/staff/appeals/{theirs}"' not in journal
    assert (await officer.get(f"/staff/appeals/{theirs}")).status == 404
    assert (await officer.get(f"/staff/citizens/{people['other'].id}")).status == 404
    assert (await officer.get(f"/staff/citizens/{people['citizen'].id}")).status == 200

    # The organizer starts at «Рекомендована»; a new appeal is not theirs yet.
    organizer = await signed_in(new_client, "organizer", staff=True)
    assert (await organizer.get(f"/staff/appeals/{ours}")).status == 404
    assert (await organizer.get(f"/staff/citizens/{people['citizen'].id}")).status == 404

    admin = await signed_in(new_client, "admin", staff=True)
    assert (await admin.get(f"/staff/citizens/{people['citizen'].id}")).status == 403


async def test_organizer_gets_the_template_filled_and_citizen_history_has_no_empty_step(
    new_client: ClientFactory, people: dict[str, User], refs: Reference, deps: AppealsDeps
) -> None:
    appeal = await recommended(deps, refs, people)
    organizer = await signed_in(new_client, "organizer", staff=True)
    page = await (await organizer.get(f"/staff/appeals/{appeal}?template={refs.template}")).text()
    assert "Уважаемый(ая) Иванова Мария Петровна!" in page

    citizen = await signed_in(new_client, "maria@example.ru")
    mine = await (await citizen.get(f"/appeals/{appeal}")).text()
    assert "В работе →" not in mine.replace("Новая → <strong>В работе", "")
    assert mine.count("<strong>В работе</strong>") == 1


async def test_withdrawal_needs_a_confirmation_without_scripts(
    new_client: ClientFactory, people: dict[str, User], refs: Reference, deps: AppealsDeps
) -> None:
    appeal = await file(deps, refs, people["citizen"])
    citizen = await signed_in(new_client, "maria@example.ru")
    page = await (await citizen.get(f"/appeals/{appeal}")).text()
    assert f'href="/appeals/{appeal}/withdraw"' in page
    assert f'action="/appeals/{appeal}/withdraw"' not in page  # no one-click withdrawal
    confirm = await (await citizen.get(f"/appeals/{appeal}/withdraw")).text()
    assert 'name="confirm"' in confirm
    csrf = csrf_of(confirm)
    hasty = await citizen.post(
        f"/appeals/{appeal}/withdraw", data={"_csrf": csrf, "comment": "Решено"}
    )
    assert hasty.status == 422
    assert 'value="Решено"' in await hasty.text()
    view: Any = await appeals.view_appeal(deps, appeal, people["citizen"])
    assert view.status.value == "new"
    done = await citizen.post(
        f"/appeals/{appeal}/withdraw",
        data={"_csrf": csrf, "comment": "Решено", "confirm": "1"},
        allow_redirects=False,
    )
    assert done.status == 303
    view = await appeals.view_appeal(deps, appeal, people["citizen"])
    assert view.status.value == "withdrawn"


async def test_a_forged_host_does_not_reach_the_staff_letter_of_a_new_appeal(
    new_client: ClientFactory,
    people: dict[str, User],
    refs: Reference,
    settings: Settings,
) -> None:
    """The officer's «new appeal» letter links to the appeal on the configured public URL,
    whatever Host the citizen's browser (or an attacker) sent."""
    citizen = await signed_in(new_client, "maria@example.ru")
    forged = {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}
    assert (await file_by_form(citizen, refs, "Яма", **forged)).status == 303
    (letter,) = [m for m in list_outbox(settings.outbox_dir) if m.to == "officer@example.ru"]
    assert f"{settings.public_url}/staff/appeals/" in letter.text
    assert "attacker" not in letter.text
