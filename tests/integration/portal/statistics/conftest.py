"""A small hand-made world for «Статистика»: three municipalities, three topics, ten
appeals around the edges of a period (local midnights in Moscow, deadlines before and
after «now», closings before and after the deadline). The tests state their expected
counts by hand from the table below."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from portal.adapters.appeals_orm import Appeal
from portal.adapters.db import Database
from portal.domain.roles import Role
from portal.domain.statistics import Period
from portal.domain.status import Status
from portal.services import reference
from portal.services.reference import Kind
from tests.integration.portal.appeals.conftest import (  # noqa: F401 (fixtures used here)
    add_user,
    any_db,
    app,
    app_db,
    new_client,
    people,
)

NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 10))
"""Local (Moscow) days; in UTC from 28.02 21:00 to 10.03 21:00."""


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@dataclass(frozen=True)
class World:
    ekb: int
    """«г. Екатеринбург» (A)."""
    tagil: int
    """«г. Нижний Тагил» (B)."""
    kamensk: int
    """«г. Каменск-Уральский»: appeals outside the period only."""
    roads: int
    """«Дороги»"""
    housing: int
    """«ЖКХ»"""
    schools: int
    """«Образование»"""


# (n, created UTC, municipality, topic, status, deadline, status changed)
# n  created (UTC)     local day  MO      topic        status      deadline   changed   overdue
# 1  28.02 20:59       28.02 out  A       Дороги       new         +30 d
# 2  28.02 21:00       01.03      A       Дороги       new         30.03                no
# 3  01.03 10:00       01.03      A       ЖКХ          in_work     15.03                open
# 4  03.03 22:30       04.03      B       Дороги       answered    02.04      05.03     no
# 5  05.03 12:00       05.03      B       Дороги       answered    10.03      12.03     closed late
# 6  05.03 13:00       05.03      B       ЖКХ          withdrawn   06.03      07.03     closed late
# 7  09.03 09:00       09.03      A       Дороги       held        19.03                open
# 8  10.03 20:59       10.03      A       Образование  resolved    12.03      11.03     no
# 9  10.03 21:00       11.03 out  B       ЖКХ          new         +30 d
# 10 15.01 10:00       15.01 out  C       Образование  in_work     14.02                (open)


async def seed(db: Database) -> World:
    ids: dict[str, int] = {}
    for kind, name in (
        (Kind.MUNICIPALITIES, "г. Екатеринбург"),
        (Kind.MUNICIPALITIES, "г. Нижний Тагил"),
        (Kind.MUNICIPALITIES, "г. Каменск-Уральский"),
        (Kind.TOPICS, "Дороги"),
        (Kind.TOPICS, "ЖКХ"),
        (Kind.TOPICS, "Образование"),
    ):
        ids[name] = (await reference.save_entry(db, kind, name)).id
    world = World(
        ids["г. Екатеринбург"],
        ids["г. Нижний Тагил"],
        ids["г. Каменск-Уральский"],
        ids["Дороги"],
        ids["ЖКХ"],
        ids["Образование"],
    )
    citizen = await add_user(db, email="stat-citizen@example.ru", roles=[Role.CITIZEN])
    a, b, c = world.ekb, world.tagil, world.kamensk
    roads, housing, schools = world.roads, world.housing, world.schools
    s = Status
    rows = [
        (1, utc(2025, 2, 28, 20, 59), a, roads, s.NEW, None, None),
        (2, utc(2025, 2, 28, 21, 0), a, roads, s.NEW, utc(2025, 3, 30, 21), None),
        (3, utc(2025, 3, 1, 10), a, housing, s.IN_WORK, utc(2025, 3, 15), None),
        (4, utc(2025, 3, 3, 22, 30), b, roads, s.ANSWERED, utc(2025, 4, 2), utc(2025, 3, 5)),
        (5, utc(2025, 3, 5, 12), b, roads, s.ANSWERED, utc(2025, 3, 10), utc(2025, 3, 12)),
        (6, utc(2025, 3, 5, 13), b, housing, s.WITHDRAWN, utc(2025, 3, 6), utc(2025, 3, 7)),
        (7, utc(2025, 3, 9, 9), a, roads, s.HELD, utc(2025, 3, 19), None),
        (8, utc(2025, 3, 10, 20, 59), a, schools, s.RESOLVED, utc(2025, 3, 12), utc(2025, 3, 11)),
        (9, utc(2025, 3, 10, 21), b, housing, s.NEW, None, None),
        (10, utc(2025, 1, 15, 10), c, schools, s.IN_WORK, utc(2025, 2, 14), None),
    ]
    values = []
    for n, created, place, topic, status, deadline, changed in rows:
        values.append(
            {
                "number": f"2025-{n:06d}",
                "citizen_id": citizen.id,
                "municipality_id": place,
                "topic_id": topic,
                "title": f"Вопрос {n}",
                "text": "Текст",
                "status": status.value,
                "created_at": created,
                "deadline_at": deadline or created + timedelta(days=30),
                "consent_at": created,
                "status_changed_at": changed or created,
            }
        )
    async with db.session() as session, session.begin():
        await session.execute(insert(Appeal), values)
    return world
