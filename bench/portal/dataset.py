"""A deterministic journal-sized data set: citizens, reference lists and appeals; and,
for the reception pages, receptions with their staff, seats, attendance and moderation
log, with the status history that brought each appeal where it is."""

from __future__ import annotations

import random
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update

from portal.adapters.appeals_orm import Appeal, Municipality, StatusChange, Topic
from portal.adapters.db import Database
from portal.adapters.orm import Base, User
from portal.adapters.passwords import hash_password
from portal.adapters.receptions_orm import Attendance, ModerationEntry, Reception, Seat
from portal.domain.appeals import appeal_number, deadline_for
from portal.domain.receptions import HOLDING, SeatState
from portal.domain.roles import Role
from portal.domain.status import SYSTEM, Actor, Rule, Status, check
from signaling.protocol.receptions import MAX_CITIZENS, ReceptionState

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


# --- receptions -----------------------------------------------------------------------------

ORGANIZER_LOGIN = "bench-organizer"
HOSTS = 4
MODERATORS = 4
HELD_FAMILY = (Status.HELD, Status.ON_CONTROL, Status.RESOLVED, Status.REVIEWED)
"""Statuses only a reception the citizen took part in leads to."""
QUEUED = (Status.PREPARING, Status.INVITED, Status.CONFIRMED)
"""Statuses of appeals in the organizer's queue, seated or not."""
PAST_DAYS = 730
FUTURE_DAYS = 120
DETAIL_SEATS = MAX_CITIZENS
_ACTORS: tuple[Actor, ...] = (*Role, SYSTEM)
_ORGANIZED = frozenset({Status.RECOMMENDED, *QUEUED, *HELD_FAMILY})
"""Appeals the organizer or control officer sees: their last change is in the history."""


@dataclass(frozen=True, slots=True)
class Slot:
    """When a reception of the data set takes place, and how it ended up."""

    state: ReceptionState
    starts_at: datetime
    ends_at: datetime


def calendar(count: int, now: datetime, rng: random.Random) -> list[Slot]:
    """`count` receptions by start: one in twenty planned in the next four months, one in
    fifty cancelled, the rest ended over the past two years (the latest yesterday)."""
    future, cancelled = count // 20, count // 50
    ended = count - future - cancelled
    slots: list[Slot] = []
    for i in range(ended):
        days_ago = 1 + int((PAST_DAYS - 1) * (1 - i / ended))
        slots.append(_slot(ReceptionState.ENDED, now.date() - timedelta(days=days_ago), rng))
    for i in range(future):
        days_ahead = 1 + int((FUTURE_DAYS - 1) * i / future)
        slots.append(_slot(ReceptionState.PLANNED, now.date() + timedelta(days=days_ahead), rng))
    for _ in range(cancelled):
        offset = rng.randint(-PAST_DAYS + 1, FUTURE_DAYS)
        slots.append(_slot(ReceptionState.CANCELLED, now.date() + timedelta(days=offset), rng))
    return sorted(slots, key=lambda s: s.starts_at)


def _slot(state: ReceptionState, day: date, rng: random.Random) -> Slot:
    """Working hours in Moscow (UTC+3): starts 10:00–16:30, lasts one to two hours."""
    starts = datetime.combine(day, time(rng.choice((7, 8, 9, 11, 12, 13)), rng.choice((0, 30))))
    starts = starts.replace(tzinfo=UTC)
    return Slot(state, starts, starts + timedelta(minutes=rng.choice((60, 90, 120))))


def status_path(final: Status, missed: int = 0) -> list[Status]:
    """The statuses an appeal went through to `final`, its filing first; each of the
    `missed` receptions it was invited to without coming sent it back to preparing."""
    s = Status
    if final is s.WITHDRAWN:
        return [s.NEW, s.WITHDRAWN]
    if final in (s.NEW, s.IN_WORK):
        return [s.NEW, s.IN_WORK][: 1 if final is s.NEW else 2]
    if final is s.ANSWERED:
        return [s.NEW, s.IN_WORK, s.ANSWERED]
    path = [s.NEW, s.IN_WORK, s.RECOMMENDED]
    if final is s.RECOMMENDED:
        return path
    path.append(s.PREPARING)
    path += [s.INVITED, s.CONFIRMED, s.AT_RECEPTION, s.PREPARING] * missed
    held = [s.INVITED, s.CONFIRMED, s.AT_RECEPTION, s.HELD]
    tail = {
        s.PREPARING: [],
        s.INVITED: held[:1],
        s.CONFIRMED: held[:2],
        s.AT_RECEPTION: held[:3],
        s.HELD: held,
        s.ON_CONTROL: [*held, s.ON_CONTROL],
        s.RESOLVED: [*held, s.ON_CONTROL, s.RESOLVED],
        s.REVIEWED: [*held, s.REVIEWED],
    }
    return path + tail[final]


def moments(start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` times from `start` to `end`, evenly apart (all at `start` if end is not later)."""
    if count == 1 or end <= start:
        return [start] * count
    step = (end - start) / (count - 1)
    return [start + step * i for i in range(count)]


@dataclass(frozen=True, slots=True)
class ReceptionsFixture:
    """What the reception scenarios sign in as and open."""

    organizer_login: str
    citizen_email: str
    """A citizen with seats in the most receptions."""
    detail_id: int
    """The latest ended reception with the most seats (15), attendance and a moderation log."""


@dataclass
class _Pool:
    """Appeals by filing time (ids ascend with it), each taken at most once."""

    ids: list[int]
    filed: list[datetime]
    rng: random.Random
    used: set[int] = field(default_factory=set)

    def take(self, after: datetime, before: datetime, fits: Callable[[int], bool]) -> int | None:
        lo, hi = bisect_left(self.filed, after), bisect_left(self.filed, before)
        if lo >= hi:
            return None
        tries = [self.rng.randrange(lo, hi) for _ in range(20)]
        start = self.rng.randrange(lo, hi)
        tries += [*range(start, hi), *range(lo, start)]
        for index in tries:
            appeal = self.ids[index]
            if appeal not in self.used and fits(appeal):
                self.used.add(appeal)
                return appeal
        return None


@dataclass
class _Appeal:
    filed: datetime
    status: Status
    citizen_id: int
    final: Status
    missed: int = 0
    until: datetime | None = None
    """The time of its last status change, when a reception fixes it."""


@dataclass
class _Receptions:
    """The rows being built, and the staff who act in them."""

    now: datetime
    rng: random.Random
    appeals: dict[int, _Appeal]
    organizer: int
    officer: int
    control: int
    hosts: list[int]
    moderators: list[int]
    receptions: list[dict[str, Any]] = field(default_factory=list)
    seats: list[dict[str, Any]] = field(default_factory=list)
    attendance: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)

    def entry(
        self,
        reception: int,
        at: datetime,
        actor: int | None,
        action: str,
        target: int | None = None,
        **detail: Any,
    ) -> None:
        row = {"reception_id": reception, "at": at, "actor_id": actor, "action": action}
        self.log.append({**row, "target_id": target, "detail": detail})

    def reception(self, number: int, slot: Slot, capacity: int) -> dict[str, Any]:
        planned_at = slot.starts_at - timedelta(days=self.rng.randint(7, 30), hours=3)
        row: dict[str, Any] = {
            "id": number,
            "title": f"Личный прием граждан № {number}",
            "description": "Прием по вопросам ЖКХ, благоустройства и транспорта.",
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
            "capacity": capacity,
            "seats_taken": 0,
            "host_id": self.rng.choice(self.hosts),
            "moderator_id": self.rng.choice(self.moderators),
            "state": slot.state.value,
            "created_by": self.organizer,
            "created_at": min(planned_at, self.now),
            "started_at": None,
            "live_at": None,
            "ended_at": None,
        }
        self.receptions.append(row)
        self.entry(number, row["created_at"], self.organizer, "reception_planned")
        return row

    def seat(self, reception: dict[str, Any], appeal: int, state: SeatState) -> None:
        starts = reception["starts_at"]
        invited = state is not SeatState.ENROLLED
        answered = state not in (SeatState.ENROLLED, SeatState.INVITED)
        self.seats.append(
            {
                "id": len(self.seats) + 1,
                "reception_id": reception["id"],
                "appeal_id": appeal,
                "active_appeal_id": appeal if state in HOLDING else None,
                "state": state.value,
                "enrolled_at": reception["created_at"] + timedelta(hours=1),
                "invited_at": min(self.now, starts - timedelta(days=5)) if invited else None,
                "answered_at": min(self.now, starts - timedelta(days=3)) if answered else None,
            }
        )

    def took_part(self, reception: dict[str, Any], user: int, role: str, joined: datetime) -> None:
        """Joined the live reception; staff stay to the end, a citizen for their question."""
        left = reception["ended_at"]
        if role == "citizen":
            left = min(left, joined + timedelta(minutes=self.rng.randint(10, 40)))
        self.attendance.append(
            {
                "reception_id": reception["id"],
                "user_id": user,
                "role": role,
                "first_joined_at": joined,
                "last_left_at": left,
                "on_air_since": None,
                "on_air_seconds": self.rng.randint(120, 900) if role == "citizen" else 0,
                "banned": False,
            }
        )


async def populate_receptions(
    db: Database, count: int, now: datetime, seed: int = 2
) -> ReceptionsFixture:
    """`count` receptions over the appeals of `populate` (run it first), their staff,
    seats, attendance and moderation log, and the history that takes each appeal to its
    status; an appeal `invited` or `confirmed` without a planned seat goes back to
    `preparing`, so a few thousand wait in the organizer's list."""
    rng = random.Random(seed)
    staff = await _staff(db)
    async with db.session() as session:
        rows = await session.execute(
            select(Appeal.id, Appeal.created_at, Appeal.status, Appeal.citizen_id).order_by(
                Appeal.id
            )
        )
        appeals = {
            r[0]: _Appeal(r[1], Status(r[2]), r[3], Status(r[2])) for r in rows
        }  # by id: filing order
    built = _Receptions(now=now, rng=rng, appeals=appeals, **staff)
    pools = {
        name: _Pool(
            [i for i, a in appeals.items() if a.status in kinds],
            [a.filed for a in appeals.values() if a.status in kinds],
            rng,
        )
        for name, kinds in (("held", HELD_FAMILY), ("absent", QUEUED), ("future", QUEUED))
    }
    slots = calendar(count, now, rng)
    last_ended = max(
        (i for i, s in enumerate(slots) if s.state is ReceptionState.ENDED), default=-1
    )
    for number, slot in enumerate(slots, start=1):
        if slot.state is ReceptionState.ENDED:
            _ended(built, pools, number, slot, full=number == last_ended + 1)
        elif slot.state is ReceptionState.PLANNED:
            _planned(built, pools["future"], number, slot)
        else:
            row = built.reception(number, slot, rng.choice((10, 12, 15)))
            row["ended_at"] = min(now, row["created_at"] + timedelta(days=rng.randint(1, 5)))
            built.entry(
                number,
                row["ended_at"],
                built.organizer,
                "reception_cancelled",
                label="Прием отменен",
            )
    for appeal in appeals.values():
        if appeal.final in (Status.INVITED, Status.CONFIRMED) and appeal.until is None:
            appeal.final = Status.PREPARING  # no seat holds it: back in the queue
    await _write(db, built)
    seats_of = Counter(appeals[s["appeal_id"]].citizen_id for s in built.seats)
    if last_ended < 0 or not seats_of:
        raise ValueError("the reception scenarios need an ended reception with seats")
    citizen = min(seats_of, key=lambda c: (-seats_of[c], c))
    async with db.session() as session:
        email = await session.scalar(select(User.email).where(User.id == citizen))
    return ReceptionsFixture(ORGANIZER_LOGIN, str(email), last_ended + 1)


async def _staff(db: Database) -> dict[str, Any]:
    digest = hash_password(OFFICER_PASSWORD)
    people = [(ORGANIZER_LOGIN, Role.ORGANIZER), ("bench-control", Role.CONTROL)]
    people += [(f"bench-host-{i + 1}", Role.HOST) for i in range(HOSTS)]
    people += [(f"bench-moderator-{i + 1}", Role.MODERATOR) for i in range(MODERATORS)]
    async with db.session() as session, session.begin():
        await session.execute(
            insert(User),
            [
                {
                    "login": login,
                    "email": f"{login}@example.ru",
                    "password_hash": digest,
                    "roles": [role.value],
                    "surname": SURNAMES[i % len(SURNAMES)],
                    "name": NAMES[i % len(NAMES)],
                    "patronymic": "",
                }
                for i, (login, role) in enumerate(people)
            ],
        )
        found = await session.execute(select(User.login, User.id).where(User.login.is_not(None)))
        ids = {login: user_id for login, user_id in found.tuples()}
    return {
        "organizer": ids[ORGANIZER_LOGIN],
        "officer": ids[OFFICER_LOGIN],
        "control": ids["bench-control"],
        "hosts": [ids[login] for login, role in people if role is Role.HOST],
        "moderators": [ids[login] for login, role in people if role is Role.MODERATOR],
    }


_LAYOUTS = ("tribune_auto", "single_speaker", "tribune_click", "grid")


def _ended(
    built: _Receptions, pools: dict[str, _Pool], number: int, slot: Slot, *, full: bool
) -> None:
    """A reception that took place: most seats attended (their appeals reached `held`
    and on), the rest absent (back to `preparing`); who joined; what the moderator did."""
    rng = built.rng
    capacity = DETAIL_SEATS if full else rng.choice((8, 10, 12, 15, 15))
    row = built.reception(number, slot, capacity)
    row["started_at"] = slot.starts_at - timedelta(minutes=rng.randint(5, 30))
    row["live_at"] = slot.starts_at + timedelta(minutes=rng.randint(0, 5))
    row["ended_at"] = slot.ends_at
    host, moderator = row["host_id"], row["moderator_id"]
    built.entry(number, row["started_at"], host, "reception_started", label="Прием начат")
    built.took_part(row, host, "host", row["started_at"])
    built.entry(number, row["live_at"], None, "reception_live", label="Прием идет")
    built.took_part(row, moderator, "moderator", row["live_at"])
    clock = row["live_at"] + timedelta(minutes=1)
    built.entry(number, clock, moderator, "set_layout", layout=rng.choice(_LAYOUTS))
    if rng.random() < 1 / 3:
        built.took_part(row, built.organizer, "observer", clock)
    citizens: set[int] = set()

    def fits(appeal: int) -> bool:
        return built.appeals[appeal].citizen_id not in citizens

    window = (slot.starts_at - timedelta(days=180), slot.starts_at - timedelta(days=2))
    for _ in range(capacity if full else rng.randint(max(1, capacity // 2), capacity)):
        came = rng.random() < 0.8
        appeal = pools["held" if came else "absent"].take(*window, fits)
        if appeal is None and came:
            came, appeal = False, pools["absent"].take(*window, fits)
        if appeal is None:
            continue
        found = built.appeals[appeal]
        citizens.add(found.citizen_id)
        built.seat(row, appeal, SeatState.ATTENDED if came else SeatState.ABSENT)
        if not came:
            found.final, found.missed, found.until = (
                Status.PREPARING,
                found.missed + 1,
                slot.ends_at,
            )
            continue
        later = 0 if found.final is Status.HELD else rng.randint(7, 60)
        found.until = min(built.now, slot.ends_at + timedelta(days=later))
        clock += timedelta(minutes=rng.randint(2, 6))
        built.took_part(row, found.citizen_id, "citizen", clock)
        built.entry(number, clock, moderator, "set_floor", found.citizen_id, on_air=True)
        if rng.random() < 0.3:
            built.entry(
                number, clock, moderator, "mute", found.citizen_id, kind="audio", muted=True
            )
        if rng.random() < 0.2:
            gain = rng.choice((-6, -3, 3))
            built.entry(number, clock, moderator, "set_mic_level", found.citizen_id, gain_db=gain)
        clock += timedelta(minutes=rng.randint(3, 8))
        built.entry(number, clock, moderator, "set_floor", found.citizen_id, on_air=False)
    built.entry(number, slot.ends_at, host, "reception_ended", label="Прием закончен")


_APPEAL_OF_SEAT = {
    SeatState.ENROLLED: Status.PREPARING,
    SeatState.INVITED: Status.INVITED,
    SeatState.CONFIRMED: Status.CONFIRMED,
}


def _planned(built: _Receptions, pool: _Pool, number: int, slot: Slot) -> None:
    """A reception ahead: some seats taken; invitations out for the next two weeks."""
    rng, now = built.rng, built.now
    row = built.reception(number, slot, rng.choice((10, 12, 15)))
    soon = slot.starts_at - now < timedelta(days=14)
    states = (
        (SeatState.ENROLLED, SeatState.INVITED, SeatState.CONFIRMED, SeatState.CONFIRMED)
        if soon
        else (SeatState.ENROLLED, SeatState.ENROLLED, SeatState.ENROLLED, SeatState.INVITED)
    )
    citizens: set[int] = set()

    def fits(appeal: int) -> bool:
        return built.appeals[appeal].citizen_id not in citizens

    for _ in range(rng.randint(0, row["capacity"])):
        appeal = pool.take(now - timedelta(days=PAST_DAYS), now - timedelta(days=2), fits)
        if appeal is None:
            break
        state = rng.choice(states)
        found = built.appeals[appeal]
        citizens.add(found.citizen_id)
        built.seat(row, appeal, state)
        row["seats_taken"] += 1
        found.final = _APPEAL_OF_SEAT[state]
        found.until = now - timedelta(hours=rng.randint(1, 72))


def _table(model: type[Base]) -> Table:
    """The model's table: Core executemany inserts in one batch whatever the None values."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


@cache
def _rule(source: Status, target: Status) -> Rule:
    return check(source, target, _ACTORS)


async def _write(db: Database, built: _Receptions) -> None:
    """The reception tables, then every appeal's history and the statuses it leads to."""
    actors: dict[Actor, int | None] = {
        Role.DEPARTMENT: built.officer,
        Role.ORGANIZER: built.organizer,
        Role.CONTROL: built.control,
        SYSTEM: None,
    }
    for model, rows in (
        (Reception, built.receptions),
        (Seat, built.seats),
        (Attendance, built.attendance),
        (ModerationEntry, built.log),
    ):
        for start in range(0, len(rows), BATCH):
            async with db.session() as session, session.begin():
                await session.execute(insert(_table(model)), rows[start : start + BATCH])
    history: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for appeal_id, appeal in built.appeals.items():
        path = status_path(appeal.final, appeal.missed)
        until = appeal.until or min(built.now, appeal.filed + timedelta(days=3 * len(path)))
        times = moments(appeal.filed, until, len(path))
        for at, source, target in zip(times, [None, *path], path, strict=False):
            rule = _rule(source, target) if source is not None else None
            role = rule.actor if rule else Role.CITIZEN
            history.append(
                {
                    "appeal_id": appeal_id,
                    "at": at,
                    "actor_id": appeal.citizen_id if role is Role.CITIZEN else actors[role],
                    "actor_role": str(role),
                    "source": source.value if source else None,
                    "target": target.value,
                    "action": rule.action if rule else "file",
                    "comment": "",
                }
            )
        if appeal.final is not appeal.status or appeal.final in _ORGANIZED:
            changed.append({"b_id": appeal_id, "b_status": appeal.final.value, "b_at": times[-1]})
    for start in range(0, len(history), BATCH):
        async with db.session() as session, session.begin():
            await session.execute(insert(_table(StatusChange)), history[start : start + BATCH])
    appeals = _table(Appeal)
    moved = (
        update(appeals)
        .where(appeals.c.id == bindparam("b_id"))
        .values(status=bindparam("b_status"), status_changed_at=bindparam("b_at"))
    )
    for start in range(0, len(changed), BATCH):
        async with db.session() as session, session.begin():
            await session.execute(moved, changed[start : start + BATCH])
