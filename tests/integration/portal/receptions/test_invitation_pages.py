"""«Приглашение на прием» inside the citizen's appeal (seed 002): «Подтвердить участие»,
«Отказаться от приема» (asked twice), and «Присоединиться к приему» once it is open."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from portal.adapters.appeals_orm import Appeal
from portal.adapters.db import Database
from portal.adapters.receptions_orm import Seat
from portal.services import receptions
from tests.integration.portal.appeals.conftest import ClientFactory
from tests.integration.portal.receptions.conftest import csrf_of, signed_in
from tests.integration.portal.receptions.schedule_fixtures import (  # noqa: F401 (fixture)
    World,
    scene_fixture,
)

pytestmark = pytest.mark.timeout(120)


def invitation(page: str) -> str:
    found = re.search(r'<section id="invitation".*?</section>', page, re.S)
    return found.group(0) if found else ""


async def appeal_page(client: TestClient[Any, Any], appeal_id: int) -> str:
    response = await client.get(f"/appeals/{appeal_id}")
    assert response.status == 200
    return await response.text()


async def states(db: Database, appeal_id: int) -> tuple[str, str]:
    async with db.session() as session:
        appeal = await session.get(Appeal, appeal_id)
        seat = await session.execute(Seat.__table__.select().where(Seat.appeal_id == appeal_id))
        assert appeal is not None
        return appeal.status, seat.mappings().one()["state"]


async def test_the_invited_citizen_confirms_then_declines(
    scene: World, new_client: ClientFactory, app_db: Database
) -> None:
    appeal = scene.appeals["invited"]
    client = await signed_in(new_client, scene.people["invited"])
    page = await appeal_page(client, appeal)
    block = invitation(page)
    for text in (
        "Приглашение на прием",
        "Прием по вопросам ЖКХ",
        "Прием граждан по вопросам жилищно-коммунального хозяйства.",
        "Ожидает подтверждения",
        "МСК",
        ">Подтвердить участие<",
        ">Отказаться от приема<",
        f'action="/appeals/{appeal}/reception/confirm"',
        f'action="/appeals/{appeal}/reception/decline"',
    ):
        assert text in block, text
    assert "Присоединиться к приему" not in block

    confirmed = await client.post(
        f"/appeals/{appeal}/reception/confirm", data={"_csrf": csrf_of(page)}, allow_redirects=False
    )
    assert confirmed.status == 303
    assert confirmed.headers["Location"] == f"/appeals/{appeal}#invitation"
    assert await states(app_db, appeal) == ("confirmed", "confirmed")
    page = await appeal_page(client, appeal)
    block = invitation(page)
    assert "Участие в приеме подтверждено." in page
    assert "Приглашение подтверждено" in block
    assert ">Подтвердить участие<" not in block
    assert ">Отказаться от приема<" in block, "a confirmed citizen may still decline"

    # Declining asks for the confirmation first.
    unsure = await client.post(
        f"/appeals/{appeal}/reception/decline", data={"_csrf": csrf_of(page)}
    )
    assert "Подтвердите отказ от приема: отметьте флажок." in await unsure.text()
    assert await states(app_db, appeal) == ("confirmed", "confirmed")

    page = await appeal_page(client, appeal)
    await client.post(
        f"/appeals/{appeal}/reception/decline", data={"_csrf": csrf_of(page), "confirm": "1"}
    )
    assert await states(app_db, appeal) == ("preparing", "declined")
    block = invitation(await appeal_page(client, appeal))
    assert "Вы отказались от участия в этом приеме." in block
    assert "Подтвердить участие" not in block
    assert ">Отказаться от приема<" not in block


async def test_someone_elses_appeal_is_not_found(scene: World, new_client: ClientFactory) -> None:
    other = await signed_in(new_client, scene.people["other"])
    page = await appeal_page(other, scene.appeals["other"])
    response = await other.post(
        f"/appeals/{scene.appeals['invited']}/reception/confirm", data={"_csrf": csrf_of(page)}
    )
    assert response.status == 404
    response = await other.post(
        f"/appeals/{scene.appeals['invited']}/reception/decline",
        data={"_csrf": csrf_of(page), "confirm": "1"},
    )
    assert response.status == 404


async def test_join_from_the_appeal_once_the_reception_is_open(
    scene: World, new_client: ClientFactory
) -> None:
    appeal = scene.appeals["citizen"]
    client = await signed_in(new_client, scene.people["citizen"])
    block = invitation(await appeal_page(client, appeal))
    assert "Приглашение подтверждено" in block
    assert ">Отказаться от приема<" in block
    assert "/join" not in block

    scene.to_window()
    await receptions.start(scene.deps, scene.a, scene.people["host"])
    page = await appeal_page(client, appeal)
    block = invitation(page)
    assert f'action="/receptions/{scene.a}/join"' in block
    assert ">Присоединиться к приему<" in block
    assert ">Отказаться от приема<" not in block, "the reception has started"
    response = await client.post(
        f"/receptions/{scene.a}/join", data={"_csrf": csrf_of(page)}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"].startswith("/conference#token=")

    # An invited citizen who has not answered may still confirm, but not yet join.
    invited = await signed_in(new_client, scene.people["invited"])
    block = invitation(await appeal_page(invited, scene.appeals["invited"]))
    assert ">Подтвердить участие<" in block
    assert "/join" not in block
    assert ">Отказаться от приема<" not in block

    # The declined citizen's appeal says so; an appeal never invited has no block.
    declined = await signed_in(new_client, scene.people["declined"])
    block = invitation(await appeal_page(declined, scene.appeals["declined"]))
    assert "Вы отказались от участия в этом приеме." in block

    await receptions.end(scene.deps, scene.a, scene.people["host"])
    assert invitation(await appeal_page(client, appeal)) == ""
