"""The staff appeal page says which receptions the appeal was enrolled in and what came of
its seat; the citizen's page does not show other staff's planning."""

from __future__ import annotations

import pytest
from aiohttp import web

from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.http.receptions_request import receptions_deps
from portal.services import receptions, receptions_seats
from tests.integration.portal.appeals.conftest import ClientFactory, Reference
from tests.integration.portal.conftest import MovableClock
from tests.integration.portal.receptions.conftest import (
    app_appeals_deps,
    plan,
    preparing,
    signed_in,
    tomorrow_at,
)

pytestmark = pytest.mark.timeout(120)


async def test_the_staff_appeal_page_lists_the_appeals_receptions(
    app: web.Application,
    app_db: Database,
    refs: Reference,
    people: dict[str, User],
    crew: dict[str, User],
    clock: MovableClock,
    new_client: ClientFactory,
) -> None:
    p = people
    appeal_id = await preparing(
        app_appeals_deps(app, app_db), refs, p["citizen"], p["officer"], p["organizer"]
    )
    deps = receptions_deps(app)
    made = await receptions.create(
        deps, p["organizer"], plan(crew, tomorrow_at(clock, 11, app), title="Прием по ЖКХ")
    )
    await receptions_seats.enroll(deps, made.id, appeal_id, p["organizer"])
    await receptions_seats.invite(deps, made.id, p["organizer"], None)

    organizer = await signed_in(new_client, p["organizer"])
    page = await (await organizer.get(f"/staff/appeals/{appeal_id}")).text()
    assert "Участие в приемах" in page
    assert f'href="/receptions/{made.id}"' in page
    assert "Прием по ЖКХ" in page
    assert "Ожидает подтверждения" in page

    citizen = await signed_in(new_client, p["citizen"])
    own = await (await citizen.get(f"/appeals/{appeal_id}")).text()
    assert "Участие в приемах" not in own
    assert "Приглашение на прием" in own
