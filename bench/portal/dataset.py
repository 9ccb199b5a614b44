"""A deterministic journal-sized data set: citizens, reference lists and appeals."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from portal.adapters.appeals_orm import Appeal, Municipality, Topic
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.domain.appeals import appeal_number, deadline_for
from portal.domain.roles import Role
from portal.domain.status import Status

SURNAMES = (
    "Иванов",
    "Петров",
    "Смирнов",
    "Кузнецов",
    "Соколов",
    "Попов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Волков",
    "Алексеев",
    "Павлов",
    "Семенов",
    "Голубев",
)
NAMES = ("Иван", "Петр", "Анна", "Мария", "Олег", "Елена", "Сергей", "Ольга", "Дмитрий", "Юлия")
SUBJECTS = (
    "Ремонт дороги",
    "Нет горячей воды",
    "Вывоз мусора",
    "Освещение двора",
    "Детская площадка",
    "Протекает крыша",
    "Очередь в детский сад",
    "Запись к врачу",
    "Общественный транспорт",
    "Благоустройство сквера",
    "Капитальный ремонт",
)
STATUS_WEIGHTS = {
    Status.NEW: 20,
    Status.IN_WORK: 20,
    Status.RECOMMENDED: 4,
    Status.PREPARING: 2,
    Status.INVITED: 1,
    Status.CONFIRMED: 1,
    Status.HELD: 2,
    Status.ON_CONTROL: 2,
    Status.RESOLVED: 2,
    Status.REVIEWED: 2,
    Status.ANSWERED: 39,
    Status.WITHDRAWN: 5,
}
OFFICER_LOGIN = "bench-officer"
OFFICER_PASSWORD = "Bench12345"
BATCH = 5000


async def populate(db: Database, appeals: int, now: datetime, seed: int = 1) -> None:
    """Insert `appeals` appeals from `appeals // 20` citizens over the last two years."""
    rng = random.Random(seed)
    digest = hash_password(OFFICER_PASSWORD)
    async with db.session() as session, session.begin():
        await session.execute(insert(Topic), [{"name": f"Тема {i + 1}"} for i in range(20)])
        await session.execute(
            insert(Municipality),
            [{"name": f"Муниципальное образование {i + 1}"} for i in range(30)],
        )
        session.add(
            User(
                login=OFFICER_LOGIN,
                email="bench-officer@example.ru",
                password_hash=digest,
                roles=[Role.DEPARTMENT.value],
                surname="Сидоров",
                name="Олег",
            )
        )
        citizens = max(1, appeals // 20)
        await session.execute(
            insert(User),
            [
                {
                    "email": f"citizen{i}@example.ru",
                    "password_hash": digest,
                    "roles": [Role.CITIZEN.value],
                    "surname": rng.choice(SURNAMES),
                    "name": rng.choice(NAMES),
                    "patronymic": "",
                    "consent_at": now,
                }
                for i in range(citizens)
            ],
        )
    async with db.session() as session:
        topic_ids = list((await session.execute(select(Topic.id))).scalars())
        municipality_ids = list((await session.execute(select(Municipality.id))).scalars())
        people = [
            tuple(r)
            for r in await session.execute(
                select(User.id, User.surname, User.name).where(User.login.is_(None))
            )
        ]
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    span = timedelta(days=730).total_seconds()
    rows: list[dict[str, Any]] = []
    for n in range(1, appeals + 1):
        created = now - timedelta(seconds=span * (1 - n / appeals))
        citizen_id, surname, name = rng.choice(people)
        number = appeal_number(n, created)
        title = f"{rng.choice(SUBJECTS)} №{rng.randint(1, 999)}"
        address = f"ул. Ленина, {rng.randint(1, 200)}"
        rows.append(
            {
                "id": n,
                "number": number,
                "citizen_id": citizen_id,
                "topic_id": rng.choice(topic_ids),
                "municipality_id": rng.choice(municipality_ids),
                "title": title,
                "address": address,
                "text": f"{title}. Прошу разобраться. " * rng.randint(1, 20),
                "status": rng.choices(statuses, weights)[0].value,
                "created_at": created,
                "deadline_at": deadline_for(created, extended=False),
                "consent_at": created,
                "status_changed_at": created,
                "search_text": f"{number} {title} {surname} {name} {address}".lower(),
            }
        )
        if len(rows) == BATCH or n == appeals:
            async with db.session() as session, session.begin():
                await session.execute(insert(Appeal), rows)
            rows = []
