"""Reception planning fixtures: the appeals' app, people and reference data, plus the staff
a reception needs (a host and a moderator), appeals brought to «В очереди на прием»
through the real rules, and the reception use cases on SQLite or PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from config import Settings
from portal.adapters.db import Database
from portal.adapters.mail import Mailer
from portal.adapters.orm import User
from portal.adapters.storage import BlobStore
from portal.domain.appeals import AppealDraft
from portal.domain.local_time import to_local
from portal.domain.receptions import Plan, plan_from_form
from portal.domain.roles import Role
from portal.http.appeals_request import STORE
from portal.http.context import CLOCK, time_zone_of
from portal.services import appeals
from portal.services import appeals_processing as work
from portal.services.appeals import AppealsDeps
from portal.services.receptions import ReceptionsDeps
from tests.integration.portal.appeals import conftest as appeals_fixtures
from tests.integration.portal.appeals.conftest import (
    PASSWORD,
    ClientFactory,
    MovableClock,
    Reference,
    add_reference,
    add_user,
)

# The appeals' fixtures, shared here: the app on SQLite, its people and reference data,
# both databases for the use cases, and the outbox folder.
any_db = appeals_fixtures.any_db
app = appeals_fixtures.app
app_db = appeals_fixtures.app_db
new_client = appeals_fixtures.new_client
outbox = appeals_fixtures.outbox
people = appeals_fixtures.people
refs = appeals_fixtures.refs

PUBLIC_URL = "http://reception.test"


@pytest.fixture
async def crew(app_db: Database) -> dict[str, User]:
    """The staff a reception is planned with, on the app's database."""
    return await add_crew(app_db)


async def add_crew(db: Database) -> dict[str, User]:
    return {
        "host": await add_user(
            db, email="host@example.ru", login="host", roles=[Role.HOST], surname="Ведущий"
        ),
        "moderator": await add_user(
            db,
            email="mod@example.ru",
            login="moderator",
            roles=[Role.MODERATOR],
            surname="Модератов",
        ),
    }


async def preparing(
    deps: AppealsDeps,
    refs: Reference,
    citizen: User,
    officer: User,
    organizer: User,
    title: str = "Яма во дворе",
) -> int:
    """An appeal filed, worked on, recommended and queued: «В очереди на прием»."""
    draft = AppealDraft(refs.topic, refs.municipality, title, "ул. Мира, 1", "Текст", True)
    appeal = await appeals.file_appeal(deps, citizen, draft, [])
    await work.add_executing(deps, appeal.id, officer, refs.department, "01-15/1")
    await work.start_work(deps, appeal.id, officer)
    await work.recommend(deps, appeal.id, officer)
    await work.queue(deps, appeal.id, organizer)
    return appeal.id


def app_appeals_deps(app: web.Application, db: Database) -> AppealsDeps:
    return AppealsDeps(db, app[STORE], app[CLOCK], None, PUBLIC_URL)


def plan(
    crew: dict[str, User],
    starts: datetime,
    *,
    capacity: int = 15,
    title: str = "Прием граждан",
    hours: int = 1,
) -> Plan:
    """A plan starting at `starts` (aware), in Moscow time like the form."""
    tz = ZoneInfo("Europe/Moscow")
    local = to_local(starts, tz)
    return plan_from_form(
        day=local.date().isoformat(),
        start=local.strftime("%H:%M"),
        end=(local + timedelta(hours=hours)).strftime("%H:%M"),
        title=title,
        description="Прием по вопросам ЖКХ",
        capacity=str(capacity),
        host_id=str(crew["host"].id),
        moderator_id=str(crew["moderator"].id),
        tz=tz,
    )


def tomorrow_at(clock: MovableClock, hour: int, app: web.Application | None = None) -> datetime:
    """Tomorrow at `hour` on the reception's clock (never across local midnight)."""
    tz = time_zone_of(app) if app is not None else ZoneInfo("Europe/Moscow")
    local = to_local(clock.now(), tz) + timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


# --- the use cases on SQLite and PostgreSQL ------------------------------------------------


@dataclass
class World:
    db: Database
    appeals: AppealsDeps
    receptions: ReceptionsDeps
    refs: Reference
    people: dict[str, User]
    outbox: Path

    async def preparing(self, title: str = "Яма во дворе", citizen: str = "citizen") -> int:
        p = self.people
        return await preparing(
            self.appeals, self.refs, p[citizen], p["officer"], p["organizer"], title
        )


@pytest.fixture
async def world(
    any_db: Database, tmp_path: Path, clock: MovableClock, settings: Settings, outbox: Path
) -> World:
    mailer = Mailer(settings.mail, outbox)
    appeal_deps = AppealsDeps(any_db, BlobStore(tmp_path / "uploads"), clock, mailer, PUBLIC_URL)
    refs = await add_reference(any_db)
    people = {
        "citizen": await add_user(any_db, email="maria@example.ru", roles=[Role.CITIZEN]),
        "quiet": await add_user(
            any_db,
            email="quiet@example.ru",
            roles=[Role.CITIZEN],
            surname="Тихонов",
            notify_invitation=False,
        ),
        "officer": await add_user(
            any_db, email="off@example.ru", login="off", roles=[Role.DEPARTMENT]
        ),
        "organizer": await add_user(
            any_db, email="org@example.ru", login="org", roles=[Role.ORGANIZER]
        ),
        "organizer2": await add_user(
            any_db, email="org2@example.ru", login="org2", roles=[Role.ORGANIZER]
        ),
        **await add_crew(any_db),
    }
    deps = ReceptionsDeps(any_db, clock, mailer, PUBLIC_URL)
    return World(any_db, appeal_deps, deps, refs, people, outbox)


# --- pages ----------------------------------------------------------------------------------


def csrf_of(page: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', page)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def signed_in(new_client: ClientFactory, user: User) -> TestClient[Any, Any]:
    """A client of its own, signed in through the form (staff by login, citizens by e-mail)."""
    client = await new_client()
    staff = user.login is not None
    path = "/staff/login" if staff else "/login"
    page = await (await client.get(path)).text()
    response = await client.post(
        path,
        data={
            "login": user.login if staff else user.email,
            "password": PASSWORD,
            "_csrf": csrf_of(page),
        },
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    return client
