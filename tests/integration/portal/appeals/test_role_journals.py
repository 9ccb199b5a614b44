"""Each staff role's journal (seed 002): its categories with their counts, only the
appeals of its role, and the switch between journals for a user with several roles."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import web

from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.domain.appeals import AppealDraft
from portal.domain.roles import Role
from portal.domain.status import Status
from portal.http.appeals_request import STORE
from portal.http.context import CLOCK
from portal.services import appeals
from portal.services import appeals_control as control
from portal.services import appeals_processing as work
from portal.services.appeals import AppealsDeps
from portal.services.appeals_journal import (
    Journal,
    JournalQuery,
    chosen_journal,
    journal_page,
    journals_of,
)
from tests.integration.portal.appeals.conftest import (
    ClientFactory,
    Reference,
    add_reference,
    add_user,
    api_sign_in,
)
from tests.integration.portal.appeals.control_flow import held, move, recommended
from tests.integration.portal.appeals.test_pages import signed_in

pytestmark = pytest.mark.timeout(90)


async def world(deps: AppealsDeps, refs: Reference) -> tuple[dict[str, int], dict[str, User]]:
    """One appeal in each status the staff journals sort by (and one withdrawn)."""
    db = deps.db
    p = {
        "citizen": await add_user(db, email="w@example.ru", roles=[Role.CITIZEN]),
        "router": await add_user(db, email="r@example.ru", login="r", roles=[Role.DEPARTMENT]),
        "organizer": await add_user(db, email="g@example.ru", login="g", roles=[Role.ORGANIZER]),
        "control": await add_user(db, email="k@example.ru", login="k", roles=[Role.CONTROL]),
        "both": await add_user(
            db, email="b@example.ru", login="both", roles=[Role.CONTROL, Role.ORGANIZER]
        ),
    }
    c, r, g, k = p["citizen"], p["router"], p["organizer"], p["control"]
    ids: dict[str, int] = {}
    draft = AppealDraft(refs.topic, refs.municipality, "Новая", "", "Текст", True)
    ids["new"] = (await appeals.file_appeal(deps, c, draft, [])).id
    ids["in_work"] = (await appeals.file_appeal(deps, c, draft, [])).id
    await work.add_executing(deps, ids["in_work"], r, refs.department, "1")
    await work.start_work(deps, ids["in_work"], r)
    ids["recommended"] = await recommended(deps, refs, c, r, "Рекомендованная")
    ids["preparing"] = await recommended(deps, refs, c, r, "В очереди")
    await work.queue(deps, ids["preparing"], g)
    ids["withdrawn"] = await recommended(deps, refs, c, r, "Отозванная")
    await move(deps, ids["withdrawn"], Status.WITHDRAWN, c)
    ids["held"] = await held(deps, refs, c, r, g, "Прием прошел")
    ids["on_control"] = await held(deps, refs, c, r, g, "На контроле")
    await control.put_on_control(deps, ids["on_control"], k)
    ids["reviewed"] = await held(deps, refs, c, r, g, "Рассмотрена")
    await control.review(deps, ids["reviewed"], k)
    return ids, p


async def test_each_role_has_its_journal(deps: AppealsDeps) -> None:
    ids, p = await world(deps, await add_reference(deps.db))

    async def page(journal: Journal, who: User, **kw: Any) -> tuple[set[int], dict[str, int]]:
        async with deps.db.session() as session:
            found = await journal_page(session, journal, who, JournalQuery(**kw), deps.clock.now())
        return {row.id for row in found.rows}, found.counts

    rows, counts = await page(Journal.DEPARTMENT, p["router"])
    assert rows == set(ids.values()), "the responsible office sees every appeal"
    assert counts == {"all": 8, "new": 1, "in_work": 1}

    after_recommendation = {"recommended", "preparing", "withdrawn", "held", "on_control"}
    rows, counts = await page(Journal.ORGANIZER, p["organizer"])
    assert rows == {ids[s] for s in after_recommendation | {"reviewed"}}
    assert counts == {"all": 6, "recommended": 1, "preparing": 1}
    assert (await page(Journal.ORGANIZER, p["organizer"], category="recommended"))[0] == {
        ids["recommended"]
    }
    assert (await page(Journal.ORGANIZER, p["organizer"], category="preparing"))[0] == {
        ids["preparing"]
    }
    assert (await page(Journal.ORGANIZER, p["organizer"], search="в очереди"))[0] == {
        ids["preparing"]
    }

    after_reception = {ids["held"], ids["on_control"], ids["reviewed"]}
    for who in (p["control"], p["both"]):
        rows, counts = await page(Journal.CONTROL, who)
        assert rows == after_reception, "never an appeal whose reception has not taken place"
        assert counts == {"all": 3, "held": 1, "on_control": 1}
    assert (await page(Journal.CONTROL, p["control"], category="held"))[0] == {ids["held"]}
    assert (await page(Journal.CONTROL, p["control"], category="on_control"))[0] == {
        ids["on_control"]
    }
    assert (await page(Journal.CONTROL, p["control"], status=Status.REVIEWED))[0] == {
        ids["reviewed"]
    }
    assert (await page(Journal.CONTROL, p["control"], category="in_work"))[1]["all"] == 3, (
        "another journal's category falls back to «Все»"
    )

    # A journal of a role the user does not hold is empty, whatever else they see.
    assert await page(Journal.CONTROL, p["organizer"]) == (
        set(),
        {"all": 0, "held": 0, "on_control": 0},
    )
    assert (await page(Journal.DEPARTMENT, p["both"]))[0] == set()
    assert (await page(Journal.ORGANIZER, p["citizen"]))[0] == set()


async def test_the_first_role_in_work_order_is_the_default(deps: AppealsDeps) -> None:
    both = await add_user(
        deps.db, email="x@example.ru", login="x", roles=[Role.CONTROL, Role.ORGANIZER]
    )
    assert journals_of(both) == [Journal.ORGANIZER, Journal.CONTROL]
    assert chosen_journal(both, None) is Journal.ORGANIZER
    assert chosen_journal(both, "") is Journal.ORGANIZER
    assert chosen_journal(both, "control") is Journal.CONTROL
    assert chosen_journal(both, "department") is None
    assert chosen_journal(both, "citizen") is None


# --- pages and API -------------------------------------------------------------------------


def app_deps(app: web.Application, db: Database) -> AppealsDeps:
    return AppealsDeps(db, app[STORE], app[CLOCK], None, "http://reception.test")


def tabs(page: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Журналы".*?</nav>', page, re.S)
    return re.findall(r">([^<>]+)</a>", nav.group(0)) if nav else []


def categories(page: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav aria-label="Категории".*?</nav>', page, re.S)
    assert nav
    return re.findall(r'>([^<>]+?) <span class="count">\((\d+)\)</span>', nav.group(0))


async def test_journal_pages_switch_between_roles(
    app: web.Application, app_db: Database, new_client: ClientFactory, refs: Reference
) -> None:
    ids, _ = await world(app_deps(app, app_db), refs)
    both = await signed_in(new_client, "both", staff=True)

    page = await (await both.get("/staff/appeals")).text()
    assert tabs(page) == ["Организатор приемов", "Контроль исполнения"]
    assert categories(page) == [
        ("Все", "6"),
        ("Рекомендованные", "1"),
        ("В очереди на прием", "1"),
    ]
    page = await (await both.get("/staff/appeals?journal=control")).text()
    assert categories(page) == [("Все", "3"), ("Новые", "1"), ("На контроле", "1")]
    assert 'href="/staff/appeals?journal=control&amp;category=on_control' in page
    assert 'name="journal" value="control"' in page, "the filters stay in this journal"
    page = await (await both.get("/staff/appeals?journal=control&category=on_control")).text()
    assert f'href="/staff/appeals/{ids["on_control"]}"' in page
    assert f'href="/staff/appeals/{ids["held"]}"' not in page
    fallback = await both.get("/staff/appeals?journal=department")
    assert fallback.status == 200
    assert categories(await fallback.text())[1] == ("Рекомендованные", "1")

    single = await signed_in(new_client, "k", staff=True)
    page = await (await single.get("/staff/appeals")).text()
    assert tabs(page) == [], "one journal: no tabs"
    assert categories(page) == [("Все", "3"), ("Новые", "1"), ("На контроле", "1")]
    officer = await signed_in(new_client, "r", staff=True)
    page = await (await officer.get("/staff/appeals")).text()
    assert categories(page) == [("Все", "8"), ("Новые", "1"), ("В работе", "1")]


async def test_journal_api_per_role(
    app: web.Application, app_db: Database, new_client: ClientFactory, refs: Reference
) -> None:
    ids, _ = await world(app_deps(app, app_db), refs)
    client = await new_client()
    headers = {"X-CSRF-Token": await api_sign_in(client, "both", staff=True)}

    default = await (await client.get("/api/v1/staff/appeals", headers=headers)).json()
    assert (default["journal"], default["journals"]) == ("organizer", ["organizer", "control"])
    assert default["counts"] == {"all": 6, "recommended": 1, "preparing": 1}
    on_control = await (
        await client.get(
            "/api/v1/staff/appeals?journal=control&category=on_control", headers=headers
        )
    ).json()
    assert on_control["counts"] == {"all": 3, "held": 1, "on_control": 1}
    assert [item["id"] for item in on_control["items"]] == [ids["on_control"]]
    assert on_control["items"][0]["status_label"] == "На контроле"

    refused = await client.get("/api/v1/staff/appeals?journal=department", headers=headers)
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "forbidden"
    junk = await client.get("/api/v1/staff/appeals?journal=everything", headers=headers)
    assert junk.status == 422
