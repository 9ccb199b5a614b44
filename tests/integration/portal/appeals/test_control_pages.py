"""The organizer's and the control officer's buttons on the staff appeal page and the
same actions in the JSON API: shown only where they apply, refused on the server."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.domain.local_time import to_local
from portal.domain.roles import Role
from portal.http.appeals_request import STORE
from portal.http.context import CLOCK, time_zone_of
from portal.services.appeals import AppealsDeps
from tests.integration.portal.appeals.conftest import (
    ClientFactory,
    Reference,
    add_user,
    api_sign_in,
)
from tests.integration.portal.appeals.control_flow import held, recommended
from tests.integration.portal.appeals.test_pages import csrf_of, signed_in

pytestmark = pytest.mark.timeout(90)


def app_deps(app: web.Application, db: Database) -> AppealsDeps:
    return AppealsDeps(db, app[STORE], app[CLOCK], None, "http://reception.test")


def status(page: str) -> str:
    found = re.search(r'<dd class="status">([^<]+)</dd>', page)
    assert found
    return found.group(1)


def button(page: str, action: str) -> str | None:
    """The submit button posting to `action`, if the page has one."""
    found = re.search(rf'<button type="submit" formaction="[^"]*/{action}"[^>]*>', page)
    if found:
        return found.group(0)
    form = re.search(rf'<form method="post" action="[^"]*/{action}"', page)
    return form.group(0) if form else None


def local_today(app: web.Application) -> date:
    """Today on the reception's clock: the form's days are local days."""
    return to_local(app[CLOCK].now(), time_zone_of(app)).date()


async def post(client: TestClient[Any, Any], path: str, page: str, **fields: str) -> str:
    response = await client.post(path, data={"_csrf": csrf_of(page), **fields})
    assert response.status == 200, response.status
    return await response.text()


async def test_organizer_queues_or_answers_on_the_page(
    app: web.Application,
    app_db: Database,
    new_client: ClientFactory,
    people: dict[str, User],
    refs: Reference,
) -> None:
    deps = app_deps(app, app_db)
    appeal_id = await recommended(deps, refs, people["citizen"], people["officer"])
    base = f"/staff/appeals/{appeal_id}"

    officer = await signed_in(new_client, "officer", staff=True)
    page = await (await officer.get(base)).text()
    assert "В очередь на прием" not in page, "the department only recommends"
    refused = await officer.post(f"{base}/queue", data={"_csrf": csrf_of(page)})
    assert refused.status == 403

    organizer = await signed_in(new_client, "organizer", staff=True)
    page = await (await organizer.get(base)).text()
    assert status(page) == "Рекомендована"
    assert button(page, "queue")
    assert ">Дать ответ<" in page
    assert "01-15/1" in page, "the department's executing departments, read-only"
    assert button(page, "executing") is None
    for absent in ("review", "put-on-control", "start-work", "recommend"):
        assert button(page, absent) is None, absent
    assert "Контроль выполнения заявки" not in page

    page = await post(organizer, f"{base}/queue", page, comment="на июньский прием")
    assert "Заявка поставлена в очередь на прием." in page
    assert status(page) == "Подготовка к участию"
    assert button(page, "queue") is None
    assert "на июньский прием" in page
    again = await post(organizer, f"{base}/queue", page)
    assert "Нельзя перевести заявку" in again

    page = await post(organizer, f"{base}/answer", page, text="Вопрос решен без приема.")
    assert "Ответ отправлен гражданину." in page
    assert status(page) == "Дан ответ"


async def test_control_officer_works_the_form_on_the_page(
    app: web.Application,
    app_db: Database,
    new_client: ClientFactory,
    people: dict[str, User],
    refs: Reference,
) -> None:
    deps = app_deps(app, app_db)
    await add_user(app_db, email="k@example.ru", login="control", roles=[Role.CONTROL])
    appeal_id = await held(deps, refs, people["citizen"], people["officer"], people["organizer"])
    base = f"/staff/appeals/{appeal_id}"

    organizer = await signed_in(new_client, "organizer", staff=True)
    page = await (await organizer.get(base)).text()
    assert status(page) == "Прием прошел"
    assert button(page, "review") is None
    assert button(page, "put-on-control") is None
    assert (await organizer.post(f"{base}/review", data={"_csrf": csrf_of(page)})).status == 403

    k = await signed_in(new_client, "control", staff=True)
    page = await (await k.get(base)).text()
    assert button(page, "review")
    assert button(page, "put-on-control")
    assert button(page, "resolve") is None
    assert 'id="planned_on"' not in page, "the form opens with «На контроль»"

    page = await post(k, f"{base}/put-on-control", page)
    assert "Заявка поставлена на контроль." in page
    assert status(page) == "На контроле"
    assert button(page, "review") is None
    for label in ("Плановая дата", "Дата выполнения", "Номер в СЭД «Дело»", ">Сохранить<"):
        assert label in page, label
    resolve = button(page, "resolve")
    assert resolve is not None
    assert "disabled" in resolve
    assert button(page, "not-resolved")
    assert "Форма не сохранена." in page

    # The disabled button is only a hint: the server refuses by itself.
    page = await post(k, f"{base}/resolve", page)
    assert "заполните форму «Контроль выполнения заявки»" in page
    assert status(page) == "На контроле"

    page = await post(
        k,
        f"{base}/control/departments",
        page,
        department_id=str(refs.other_department),
        sed_number="02-7/15",
    )
    assert "Ведомство добавлено. Сохраните форму." in page
    assert "Министерство транспорта" in page
    assert "02-7/15" in page
    today = local_today(app)
    page = await post(k, f"{base}/control", page, planned_on="31.02.2026", executed_on="")
    assert "«Плановая дата»: укажите дату в виде ДД.ММ.ГГГГ." in page
    tomorrow = (today + timedelta(days=1)).isoformat()
    page = await post(k, f"{base}/control", page, planned_on="", executed_on=tomorrow)
    assert "«Дата выполнения» не может быть позже сегодняшнего дня." in page
    assert "disabled" in (button(page, "resolve") or "")

    planned = (today + timedelta(days=10)).strftime("%d.%m.%Y")
    page = await post(
        k,
        f"{base}/control",
        page,
        planned_on=planned,
        executed_on=today.isoformat(),
        comment="Дорога отремонтирована",
    )
    assert "Форма «Контроль выполнения заявки» сохранена." in page
    assert f'value="{(today + timedelta(days=10)).isoformat()}"' in page
    assert "Дорога отремонтирована" in page
    assert "disabled" not in (button(page, "resolve") or "disabled")

    # Citizens and other staff reach none of the control routes.
    citizen = await signed_in(new_client, "maria@example.ru")
    for path in ("resolve", "not-resolved", "control", "control/departments"):
        for who in (citizen, organizer):
            response = await who.post(f"{base}/{path}", data={"_csrf": csrf_of(page)})
            assert response.status == 403, (path, response.status)

    page = await post(k, f"{base}/resolve", page)
    assert "Поручение исполнено: заявка решена." in page
    assert status(page) == "Решена"
    assert button(page, "control") is None, "a resolved appeal's form is a record"
    assert button(page, "resolve") is None
    assert planned in page
    assert today.strftime("%d.%m.%Y") in page

    await k.get("/lang/en")
    english = await (await k.get(base)).text()
    assert "Control of execution" in english
    assert "Planned date" in english


async def test_not_executed_on_the_page(
    app: web.Application,
    app_db: Database,
    new_client: ClientFactory,
    people: dict[str, User],
    refs: Reference,
) -> None:
    deps = app_deps(app, app_db)
    await add_user(app_db, email="k@example.ru", login="control", roles=[Role.CONTROL])
    first = await held(deps, refs, people["citizen"], people["officer"], people["organizer"])
    second = await held(deps, refs, people["citizen"], people["officer"], people["organizer"])
    k = await signed_in(new_client, "control", staff=True)

    page = await (await k.get(f"/staff/appeals/{first}")).text()
    page = await post(k, f"/staff/appeals/{first}/review", page, comment="поручений нет")
    assert "Заявка рассмотрена." in page
    assert status(page) == "Рассмотрена"
    assert "Контроль выполнения заявки" not in page

    page = await (await k.get(f"/staff/appeals/{second}")).text()
    page = await post(k, f"/staff/appeals/{second}/put-on-control", page)
    page = await post(k, f"/staff/appeals/{second}/not-resolved", page)
    assert "Поручение не исполнено: заявка рассмотрена." in page
    assert status(page) == "Рассмотрена"
    assert button(page, "not-resolved") is None


# --- the JSON API --------------------------------------------------------------------------


async def test_control_through_the_api(
    app: web.Application,
    app_db: Database,
    new_client: ClientFactory,
    people: dict[str, User],
    refs: Reference,
) -> None:
    deps = app_deps(app, app_db)
    await add_user(app_db, email="k@example.ru", login="control", roles=[Role.CONTROL])
    queued = await recommended(deps, refs, people["citizen"], people["officer"])
    appeal_id = await held(deps, refs, people["citizen"], people["officer"], people["organizer"])
    url = f"/api/v1/staff/appeals/{appeal_id}"

    organizer = await new_client()
    org = {"X-CSRF-Token": await api_sign_in(organizer, "organizer", staff=True)}
    answer = await organizer.post(
        f"/api/v1/staff/appeals/{queued}/queue", json={"comment": ""}, headers=org
    )
    assert answer.status == 200, await answer.text()
    body = await answer.json()
    assert body["status"] == "preparing"
    assert [a["action"] for a in body["actions"]] == ["answer", "invite"]
    assert (await organizer.post(f"{url}/review", json={}, headers=org)).status == 403

    client = await new_client()
    h = {"X-CSRF-Token": await api_sign_in(client, "control", staff=True)}
    missing = await client.get(f"{url}/control", headers=h)
    assert missing.status == 404
    assert "не ставилась на контроль" in (await missing.json())["error"]["message"]

    on = await client.post(f"{url}/put-on-control", json={"comment": "взято"}, headers=h)
    assert on.status == 200
    body = await on.json()
    assert body["status"] == "on_control"
    assert [a["action"] for a in body["actions"]] == ["resolve", "not_resolved"]
    form = await (await client.get(f"{url}/control", headers=h)).json()
    assert (form["editable"], form["complete"], form["ready"]) == (True, False, False)
    assert len(form["missing"]) == 3

    early = await client.post(f"{url}/resolve", json={}, headers=h)
    assert early.status == 422
    assert "«Плановая дата»" in (await early.json())["error"]["message"]

    added = await client.post(
        f"{url}/control/departments",
        json={"department_id": refs.department, "sed_number": "11/2"},
        headers=h,
    )
    assert added.status == 200
    form = await added.json()
    assert [(d["department"], d["sed_number"]) for d in form["departments"]] == [
        ("Министерство ЖКХ", "11/2")
    ]
    today = local_today(app)
    for bad in (
        {"executed_on": "2999-01-01"},
        {"planned_on": "1900-01-01"},
        {"planned_on": "31.02.2026"},
        {"planned_on": "not a date"},
        {"comment": "ы" * 2001},
    ):
        refused = await client.put(f"{url}/control", json=bad, headers=h)
        assert refused.status == 422, (bad, refused.status)
    future = await client.put(f"{url}/control", json={"executed_on": "2999-01-01"}, headers=h)
    assert "executed_on" in (await future.json())["error"]["fields"]

    saved = await client.put(
        f"{url}/control",
        json={
            "planned_on": (today + timedelta(days=5)).isoformat(),
            "executed_on": today.isoformat(),
            "comment": "готово",
        },
        headers=h,
    )
    assert saved.status == 200
    form = await saved.json()
    assert (form["complete"], form["saved"], form["ready"]) == (True, True, True)
    assert form["executed_on"] == today.isoformat()

    extra = await client.post(
        f"{url}/control/departments",
        json={"department_id": refs.other_department, "sed_number": "3"},
        headers=h,
    )
    form = await extra.json()
    assert (form["saved"], form["ready"]) == (False, False)
    unsaved = await client.post(f"{url}/resolve", json={}, headers=h)
    assert unsaved.status == 409
    second = next(d for d in form["departments"] if d["department_id"] == refs.other_department)
    removed = await client.delete(f"{url}/control/departments/{second['id']}", headers=h)
    assert [d["sed_number"] for d in (await removed.json())["departments"]] == ["11/2"]
    await client.put(
        f"{url}/control",
        json={"planned_on": form["planned_on"], "executed_on": form["executed_on"]},
        headers=h,
    )
    done = await client.post(f"{url}/resolve", json={"comment": ""}, headers=h)
    assert done.status == 200, await done.text()
    assert (await done.json())["status"] == "resolved"
    after = await client.put(f"{url}/control", json={}, headers=h)
    assert after.status == 409
    record = await (await client.get(f"{url}/control", headers=h)).json()
    assert (record["editable"], record["comment"]) == (False, "")

    # Citizens and department officers are turned away from every control action.
    citizen = await new_client()
    ch = {"X-CSRF-Token": await api_sign_in(citizen, "maria@example.ru")}
    officer = await new_client()
    oh = {"X-CSRF-Token": await api_sign_in(officer, "officer", staff=True)}
    for who, headers in ((citizen, ch), (officer, oh)):
        for action in ("review", "put-on-control", "resolve", "not-resolved"):
            assert (await who.post(f"{url}/{action}", json={}, headers=headers)).status == 403
        assert (await who.put(f"{url}/control", json={}, headers=headers)).status == 403


async def test_openapi_lists_the_new_actions(new_client: ClientFactory) -> None:
    client = await new_client()
    document = await (await client.get("/api/v1/openapi.json")).json()
    paths = document["paths"]
    base = "/api/v1/staff/appeals/{appeal_id}"
    operations = {
        f"{base}/queue": ("post", "queue", ["organizer"]),
        f"{base}/review": ("post", "review", ["control"]),
        f"{base}/put-on-control": ("post", "put_on_control", ["control"]),
        f"{base}/resolve": ("post", "resolve", ["control"]),
        f"{base}/not-resolved": ("post", "not_resolved", ["control"]),
        f"{base}/control": ("put", "save_control", ["control"]),
    }
    for path, (method, operation, roles) in operations.items():
        assert paths[path][method]["operationId"] == operation
        assert paths[path][method]["x-roles"] == roles
    assert paths[f"{base}/control"]["get"]["x-roles"] == ["control", "department", "organizer"]
    journal = paths["/api/v1/staff/appeals"]["get"]
    assert "journal" in {p["name"] for p in journal["parameters"]}
