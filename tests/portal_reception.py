"""A real reception ready to join, made through the portal's own use cases: a citizen
with an appeal confirmed for it, its host and moderator, started. For the measurement
script and the tests that only need a reception to join, not the planning clicked through.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from portal.adapters.appeals_orm import Appeal, StatusChange
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.domain.receptions import Plan
from portal.domain.roles import Role
from portal.http.context import DATABASE
from portal.http.receptions_request import receptions_deps
from portal.services import receptions, receptions_seats, reference
from portal.services.reference import Kind

PASSWORD = "Secret123"


@dataclass
class PortalReception:
    base: str
    reception_id: int
    appeal_id: int
    host_id: str
    citizen_login: str = "citizen@example.ru"
    host_login: str = "governor"
    moderator_login: str = "moderator"

    @property
    def appeal_url(self) -> str:
        return f"{self.base}/appeals/{self.appeal_id}"

    @classmethod
    async def prepare(cls, app: web.Application, base: str) -> PortalReception:
        db = app[DATABASE]
        deps = receptions_deps(app)
        people: dict[str, User] = {}
        async with db.session() as session, session.begin():
            for key, fields in {
                "citizen": {"email": "citizen@example.ru", "roles": [Role.CITIZEN.value]},
                "host": {"login": "governor", "roles": [Role.HOST.value], "surname": "Губернатор"},
                "moderator": {"login": "moderator", "roles": [Role.MODERATOR.value]},
                "organizer": {"login": "organizer", "roles": [Role.ORGANIZER.value]},
            }.items():
                people[key] = User(
                    password_hash=hash_password(PASSWORD), is_active=True, **_profile(key), **fields
                )
                session.add(people[key])
        topic = await reference.save_entry(db, Kind.TOPICS, "Дороги")
        place = await reference.save_entry(db, Kind.MUNICIPALITIES, "г. Ростов-на-Дону")
        now = datetime.now(UTC)
        async with db.session() as session, session.begin():
            appeal = Appeal(
                number="2026-000001",
                citizen_id=people["citizen"].id,
                topic_id=topic.id,
                municipality_id=place.id,
                title="Ремонт дороги к школе",
                address="ул. Садовая, 5",
                text="Дорога к школе разбита.",
                status="preparing",
                deadline_at=now + timedelta(days=30),
                consent_at=now,
            )
            session.add(appeal)
            await session.flush()
            steps = [None, "new", "in_work", "recommended", "preparing"]
            for source, target in itertools.pairwise(steps):
                assert target is not None
                session.add(
                    StatusChange(
                        appeal_id=appeal.id,
                        at=now,
                        actor_role="system",
                        source=source,
                        target=target,
                        action="prepared",
                    )
                )
        plan = Plan(
            title="Прием губернатора",
            description="",
            starts_at=now + timedelta(minutes=10),
            ends_at=now + timedelta(hours=2),
            capacity=15,
            host_id=people["host"].id,
            moderator_id=people["moderator"].id,
        )
        made = await receptions.create(deps, people["organizer"], plan)
        await receptions_seats.enroll(deps, made.id, appeal.id, people["organizer"])
        await receptions_seats.invite(deps, made.id, people["organizer"], None)
        await receptions_seats.answer(deps, appeal.id, people["citizen"], accept=True)
        await receptions.start(deps, made.id, people["moderator"])
        return cls(base, made.id, appeal.id, str(people["host"].id))

    async def sign_in(self, page: Any, login: str, staff: bool = False) -> None:
        await page.goto(f"{self.base}/staff/login" if staff else f"{self.base}/login")
        await page.fill("#f-login", login)
        await page.fill("#f-password", PASSWORD)
        await page.click("button[type=submit]:has-text('Войти')")
        await page.wait_for_load_state()


def _profile(key: str) -> dict[str, Any]:
    if key != "citizen":
        return {"name": key.capitalize()}
    return {
        "surname": "Соколова",
        "name": "Анна",
        "phone": "+79001112233",
        "birth_date": date(1985, 3, 2),
        "postal_index": "344000",
        "region": "Ростовская область",
        "city": "Ростов-на-Дону",
        "street": "Садовая",
        "house": "5",
        "snils": "112-233-445 95",
        "consent_at": datetime.now(UTC),
    }
