"""Reception planning through the JSON API: the same use cases as the pages, organizer
only, refusals as the documented errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from config import Settings
from portal.adapters.db import Database
from portal.adapters.orm import User
from tests.integration.portal.appeals.conftest import (
    ClientFactory,
    Reference,
    api_sign_in,
    letters,
)
from tests.integration.portal.conftest import MovableClock
from tests.integration.portal.receptions.conftest import (
    app_appeals_deps,
    preparing,
    tomorrow_at,
)

pytestmark = pytest.mark.timeout(120)
BASE = "/api/v1/staff/receptions"


async def _client(
    new_client: ClientFactory, user: User
) -> tuple[TestClient[Any, Any], dict[str, str]]:
    client = await new_client()
    staff = user.login is not None
    token = await api_sign_in(client, user.login if staff else (user.email or ""), staff=staff)
    return client, {"X-CSRF-Token": token}


def _body(crew: dict[str, User], day: str, **over: Any) -> dict[str, Any]:
    return {
        "date": day,
        "start": "10:00",
        "end": "11:00",
        "title": "Прием по вопросам ЖКХ",
        "description": "",
        "capacity": 2,
        "host_id": crew["host"].id,
        "moderator_id": crew["moderator"].id,
        **over,
    }


async def test_planning_through_the_api(
    app: web.Application,
    app_db: Database,
    new_client: ClientFactory,
    people: dict[str, User],
    crew: dict[str, User],
    refs: Reference,
    clock: MovableClock,
    settings: Settings,
) -> None:
    deps = app_appeals_deps(app, app_db)
    p = people
    first, second, third = [
        await preparing(deps, refs, p["citizen"], p["officer"], p["organizer"], t)
        for t in ("Яма", "Свет", "Шум")
    ]
    client, headers = await _client(new_client, p["organizer"])
    day = tomorrow_at(clock, 10, app).date().isoformat()

    chosen = await (await client.get("/api/v1/staff/planning/people")).json()
    assert [h["id"] for h in chosen["hosts"]] == [crew["host"].id]
    assert [m["id"] for m in chosen["moderators"]] == [crew["moderator"].id]

    created = await client.post(BASE, json=_body(crew, day), headers=headers)
    assert created.status == 201, await created.text()
    detail = (await created.json())["reception"]
    one = f"{BASE}/{detail['id']}"
    assert datetime.fromisoformat(detail["starts_at"]) == datetime.fromisoformat(
        f"{day}T07:00:00+00:00"
    )
    assert (detail["capacity"], detail["seats_taken"], detail["state"]) == (2, 0, "planned")

    waiting = await (await client.get("/api/v1/staff/planning/appeals")).json()
    assert [a["id"] for a in waiting["items"]] == [first, second, third]
    found = await (await client.get("/api/v1/staff/planning/appeals?search=свет")).json()
    assert [a["id"] for a in found["items"]] == [second]

    for appeal in (first, second):
        enrolled = await client.post(f"{one}/seats", json={"appeal_id": appeal}, headers=headers)
        assert enrolled.status == 201, await enrolled.text()
    full = await client.post(f"{one}/seats", json={"appeal_id": third}, headers=headers)
    assert full.status == 409
    assert "нет свободных мест" in (await full.json())["error"]["message"]
    twice = await client.post(f"{BASE}/{detail['id']}/seats", json={"appeal_id": 999999})
    assert twice.status == 403  # no CSRF token: refused before anything happens

    body = await (await client.get(one)).json()
    seats = body["seats"]
    assert [s["state_label"] for s in seats] == ["Подготовка к участию"] * 2
    assert seats[0]["address"] == "ул. Мира, 1"

    invited = await client.post(f"{one}/seats/{seats[0]['id']}/invite", headers=headers)
    assert (await invited.json())["invited"] == 1
    everyone = await (await client.post(f"{one}/invite", headers=headers)).json()
    assert everyone["invited"] == 1
    assert {s["state_label"] for s in everyone["seats"]} == {"Ожидает подтверждения"}
    assert (
        len([m for m in letters(settings.outbox_dir, "maria@example.ru") if "Приглашение" in m])
        == 2
    )

    smaller = await client.put(one, json=_body(crew, day, capacity=1), headers=headers)
    assert smaller.status == 422
    assert "записано 2" in (await smaller.json())["error"]["message"]
    too_many = await client.put(one, json=_body(crew, day, capacity=16), headers=headers)
    assert too_many.status == 422
    edited = await client.put(one, json=_body(crew, day, title="Новая тема"), headers=headers)
    assert (await edited.json())["reception"]["title"] == "Новая тема"

    removed = await client.delete(f"{one}/seats/{seats[0]['id']}", headers=headers)
    assert [s["appeal_id"] for s in (await removed.json())["seats"]] == [second]
    elsewhere = await client.delete(f"{BASE}/999/seats/{seats[1]['id']}", headers=headers)
    assert elsewhere.status == 404

    listed = await (await client.get(BASE)).json()
    assert [(r["id"], r["seats_taken"]) for r in listed["items"]] == [(detail["id"], 1)]

    cancelled = await client.post(f"{one}/cancel", headers=headers)
    assert (await cancelled.json())["reception"]["state"] == "cancelled"
    assert (await (await client.get(BASE)).json())["items"] == []
    waiting = await (await client.get("/api/v1/staff/planning/appeals")).json()
    assert {a["id"] for a in waiting["items"]} == {first, second, third}

    document = await (await client.get("/api/v1/openapi.json")).json()
    operation = document["paths"]["/api/v1/staff/receptions/{reception_id}/seats"]["post"]
    assert operation["x-roles"] == ["organizer"]


async def test_only_the_organizer_may_plan_through_the_api(
    new_client: ClientFactory,
    people: dict[str, User],
    crew: dict[str, User],
) -> None:
    calls = [
        ("GET", BASE),
        ("POST", BASE),
        ("GET", "/api/v1/staff/planning/appeals"),
        ("GET", "/api/v1/staff/planning/people"),
        ("GET", f"{BASE}/1"),
        ("PUT", f"{BASE}/1"),
        ("POST", f"{BASE}/1/cancel"),
        ("POST", f"{BASE}/1/seats"),
        ("DELETE", f"{BASE}/1/seats/1"),
        ("POST", f"{BASE}/1/seats/1/invite"),
        ("POST", f"{BASE}/1/invite"),
    ]
    for user in (people["citizen"], people["officer"], crew["host"], crew["moderator"]):
        client, headers = await _client(new_client, user)
        for method, path in calls:
            response = await client.request(method, path, json={}, headers=headers)
            assert response.status == 403, (user.login, method, path, response.status)
