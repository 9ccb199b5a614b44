"""A small scene for the schedule, join and invitation pages: one reception two hours
ahead with a confirmed, an invited and a declined citizen, another reception with a
citizen of its own, and the staff of every kind the buttons depend on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from portal.adapters.appeals_orm import Appeal, StatusChange
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.domain.receptions import Plan
from portal.domain.roles import Role
from portal.http.context import SETTINGS
from portal.http.receptions_request import receptions_deps
from portal.services import receptions, receptions_seats
from portal.services.receptions import ReceptionsDeps
from tests.integration.portal.appeals.conftest import MovableClock, Reference, add_user


async def preparing_appeal(db: Database, citizen: User, refs: Reference, n: int) -> int:
    """An appeal in «Подготовка к участию», as the organizer's queue leaves it."""
    now = datetime.now(UTC)
    async with db.session() as session, session.begin():
        appeal = Appeal(
            number=f"2026-{n:06d}",
            citizen_id=citizen.id,
            topic_id=refs.topic,
            municipality_id=refs.municipality,
            title=f"Вопрос {n}",
            address="ул. Ленина, 1",
            text="Текст вопроса",
            status="preparing",
            deadline_at=now + timedelta(days=30),
            consent_at=now,
        )
        session.add(appeal)
        await session.flush()
        for source, target in (
            (None, "new"),
            ("new", "in_work"),
            ("in_work", "recommended"),
            ("recommended", "preparing"),
        ):
            session.add(
                StatusChange(
                    appeal_id=appeal.id,
                    at=now,
                    actor_role="test",
                    source=source,
                    target=target,
                    action="seed",
                )
            )
    return appeal.id


@dataclass
class World:
    app: web.Application
    clock: MovableClock
    people: dict[str, User]
    """citizen (confirmed in A), invited, declined (in A), other (confirmed in B),
    host, moderator, organizer, control, officer (department), admin."""
    appeals: dict[str, int]
    a: int
    """«Прием по вопросам ЖКХ»: in two hours."""
    b: int
    """Another reception, five hours ahead, with the citizen «other»."""

    @property
    def deps(self) -> ReceptionsDeps:
        return receptions_deps(self.app)

    @property
    def key(self) -> str:
        key = self.app[SETTINGS].secrets.token_key
        assert key is not None
        return key.get_secret_value()

    def to_window(self) -> None:
        """55 minutes before A starts: «Начать прием» applies."""
        self.clock.advance(timedelta(hours=1, minutes=5))


async def plan(deps: ReceptionsDeps, people: dict[str, User], title: str, ahead: timedelta) -> int:
    now = deps.clock.now()
    reception = await receptions.create(
        deps,
        people["organizer"],
        Plan(
            title=title,
            description="Прием граждан по вопросам жилищно-коммунального хозяйства.",
            starts_at=now + ahead,
            ends_at=now + ahead + timedelta(hours=1),
            capacity=5,
            host_id=people["host"].id,
            moderator_id=people["moderator"].id,
        ),
    )
    return reception.id


@pytest.fixture(name="scene")
async def scene_fixture(
    app: web.Application,
    app_db: Database,
    people: dict[str, User],
    crew: dict[str, User],
    refs: Reference,
    clock: MovableClock,
) -> World:
    """The world of these pages (the folder's conftest gives the app, people and crew)."""
    cast = {**people, **crew}
    cast["invited"] = await add_user(
        app_db, email="ivan@example.ru", roles=[Role.CITIZEN], surname="Иванов", name="Иван"
    )
    cast["declined"] = await add_user(
        app_db, email="olga@example.ru", roles=[Role.CITIZEN], surname="Орлова", name="Ольга"
    )
    cast["control"] = await add_user(
        app_db, email="ctl@example.ru", login="control", roles=[Role.CONTROL], surname="Контролев"
    )
    deps = receptions_deps(app)
    a = await plan(deps, cast, "Прием по вопросам ЖКХ", timedelta(hours=2))
    b = await plan(deps, cast, "Прием по вопросам дорог", timedelta(hours=5))
    appeals = {}
    for n, (who, reception) in enumerate(
        (("citizen", a), ("invited", a), ("declined", a), ("other", b)), start=1
    ):
        appeals[who] = await preparing_appeal(app_db, cast[who], refs, n)
        await receptions_seats.enroll(deps, reception, appeals[who], cast["organizer"])
    await receptions_seats.invite(deps, a, cast["organizer"], None)
    await receptions_seats.invite(deps, b, cast["organizer"], None)
    for who in ("citizen", "other"):
        await receptions_seats.answer(deps, appeals[who], cast[who], accept=True)
    await receptions_seats.answer(deps, appeals["declined"], cast["declined"], accept=False)
    return World(app, clock, cast, appeals, a, b)
