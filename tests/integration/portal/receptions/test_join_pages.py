"""«Присоединиться к приему» from the portal: a token for exactly this person in the role
the reception gives them, or a page that says why not and leads back."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from portal.adapters.db import Database
from portal.adapters.receptions_orm import Attendance
from portal.services import receptions
from signaling.protocol.roles import Role as ConferenceRole
from signaling.protocol.tokens import verify_join_token
from tests.integration.portal.appeals.conftest import ClientFactory, api_sign_in
from tests.integration.portal.receptions.conftest import csrf_of, signed_in
from tests.integration.portal.receptions.schedule_fixtures import (  # noqa: F401 (fixture)
    World,
    scene_fixture,
)

pytestmark = pytest.mark.timeout(120)


async def join(client: TestClient[Any, Any], reception_id: int) -> tuple[int, str, str]:
    """Press «Присоединиться к приему»: a form posted with the page's CSRF token."""
    csrf = csrf_of(await (await client.get("/receptions")).text())
    response = await client.post(
        f"/receptions/{reception_id}/join", data={"_csrf": csrf}, allow_redirects=False
    )
    return response.status, response.headers.get("Location", ""), await response.text()


async def start(scene: World) -> None:
    scene.to_window()
    await receptions.start(scene.deps, scene.a, scene.people["moderator"])


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("host", ConferenceRole.HOST),
        ("moderator", ConferenceRole.MODERATOR),
        ("citizen", ConferenceRole.CITIZEN),
        ("organizer", ConferenceRole.OBSERVER),
        ("control", ConferenceRole.OBSERVER),
        ("officer", ConferenceRole.OBSERVER),
    ],
)
async def test_a_join_carries_exactly_this_user_and_role(
    scene: World, new_client: ClientFactory, who: str, role: ConferenceRole
) -> None:
    await start(scene)
    client = await signed_in(new_client, scene.people[who])
    status, location, _ = await join(client, scene.a)
    assert status == 303
    assert location.startswith("/conference#token=")
    claims = verify_join_token(scene.key, location.split("#token=", 1)[1])
    assert claims.user_id == str(scene.people[who].id)
    assert claims.reception_id == str(scene.a)
    assert claims.role is role


async def test_refusals_each_say_why_and_lead_back(
    scene: World, new_client: ClientFactory, app_db: Database
) -> None:
    citizen = await signed_in(new_client, scene.people["citizen"])
    invited = await signed_in(new_client, scene.people["invited"])
    declined = await signed_in(new_client, scene.people["declined"])
    other = await signed_in(new_client, scene.people["other"])
    admin = await signed_in(new_client, scene.people["admin"])

    # Before «Начать прием».
    status, _, page = await join(citizen, scene.a)
    assert status == 409
    assert "Прием еще не начат." in page
    assert f'href="/appeals/{scene.appeals["citizen"]}#invitation"' in page
    assert 'href="/receptions"' in page

    await start(scene)
    status, _, page = await join(invited, scene.a)
    assert status == 409
    assert "Сначала подтвердите участие в приеме на странице заявки." in page
    assert f'href="/appeals/{scene.appeals["invited"]}#invitation"' in page

    status, _, page = await join(declined, scene.a)
    assert status == 409
    assert "Вы отказались от участия в этом приеме." in page

    status, location, page = await join(other, scene.a)
    assert status == 404
    assert not location
    assert "Прием не найден." in page
    assert f'href="/receptions/{scene.a}"' not in page, "no way into someone else's reception"

    status, _, page = await join(admin, scene.a)
    assert status == 404, "an administrator alone has no role in a reception"

    # The moderator removed the citizen («Удалить из конференции»).
    async with app_db.session() as session, session.begin():
        session.add(
            Attendance(
                reception_id=scene.a,
                user_id=scene.people["citizen"].id,
                role="citizen",
                first_joined_at=scene.clock.now(),
                on_air_seconds=0,
                banned=True,
            )
        )
    status, _, page = await join(citizen, scene.a)
    assert status == 409
    assert "Модератор удалил вас из этого приема: присоединиться снова нельзя." in page
    schedule = await (await citizen.get("/receptions")).text()
    assert f'action="/receptions/{scene.a}/join"' not in schedule

    # After the end, also for its own staff.
    await receptions.end(scene.deps, scene.a, scene.people["host"])
    host = await signed_in(new_client, scene.people["host"])
    status, _, page = await join(host, scene.a)
    assert status == 409
    assert "Прием завершен." in page
    assert f'href="/receptions/{scene.a}"' in page

    status, _, page = await join(host, 999999)
    assert status == 404


async def test_the_api_gives_the_same_schedule_and_ticket(
    scene: World, new_client: ClientFactory
) -> None:
    client = await new_client()
    csrf = await api_sign_in(client, "maria@example.ru")
    headers = {"X-CSRF-Token": csrf}
    listed = await (await client.get("/api/v1/receptions")).json()
    assert [r["id"] for r in listed["items"]] == [scene.a]
    assert listed["counts"] == {"all": 1, "month": listed["counts"]["month"], "future": 1}
    assert listed["items"][0]["buttons"] == {
        "start": False,
        "details": True,
        "join": False,
        "end": False,
    }
    refused = await client.post(f"/api/v1/receptions/{scene.a}/join-ticket", headers=headers)
    assert refused.status == 409
    assert (await refused.json())["error"]["message"].startswith("Прием еще не начат.")
    assert (await client.get(f"/api/v1/receptions/{scene.b}")).status == 404

    await start(scene)
    ticket = await client.post(f"/api/v1/receptions/{scene.a}/join-ticket", headers=headers)
    assert ticket.status == 200
    body = await ticket.json()
    claims = verify_join_token(scene.key, body["token"])
    assert claims.user_id == str(scene.people["citizen"].id)
    assert claims.role is ConferenceRole.CITIZEN
    assert body["url"] == f"/conference#token={body['token']}"
    detail = await (await client.get(f"/api/v1/receptions/{scene.a}")).json()
    assert detail["state"] == "started"
    assert [s["state"] for s in detail["seats"]] == ["confirmed"], "their own seat only"
    assert detail["moderation_log"] == []


async def test_another_site_cannot_send_a_signed_in_person_into_the_conference(
    scene: World, new_client: ClientFactory
) -> None:
    """A link or a form on another site: the GET mints nothing, the POST lacks the token."""
    await start(scene)
    client = await signed_in(new_client, scene.people["citizen"])
    followed = await client.get(f"/receptions/{scene.a}/join", allow_redirects=False)
    assert followed.status == 303
    assert followed.headers["Location"] == f"/receptions/{scene.a}"
    forged = await client.post(f"/receptions/{scene.a}/join", allow_redirects=False)
    assert forged.status == 403
    assert "token=" not in forged.headers.get("Location", "")
    status, location, _ = await join(client, scene.a)
    assert status == 303
    assert location.startswith("/conference#token=")
