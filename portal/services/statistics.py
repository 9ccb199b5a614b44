"""«Статистика» (SPEC §3, seed 002 «Работа с отчетами»): the four reports over appeals.

- «Статусы заявок»: how many appeals are in each status;
- «Статистика заявок по МО»: municipality × topic, a cross table with totals;
- «Статистика по количеству заявок»: how many were filed per day, week or month;
- «Статистика по просроченным заявкам»: overdue ones by municipality and by topic.

Every report counts the appeals *filed* in the period (local days, both ends included, in
the reception's time zone) and, when one is chosen, in one municipality. Counts only:
nothing here reads a name, a text or an address of a citizen.

Overdue means the answer deadline (`deadline_at`, extended if it was) passed before the
appeal was closed:
- an open appeal (status not final) whose deadline is before now — what the journal marks
  red; a reception held or on control still counts, as it does there;
- a closed one (final status: «Дан ответ», «Решена», «Рассмотрена», «Отозвана») closed
  after its deadline. No change leaves a final status, so `status_changed_at` of a final
  appeal is the moment it was closed; a withdrawal after the deadline counts too: the term
  had already run out unanswered.
The two are reported apart («Просрочено, не закрыто», «Закрыто с нарушением срока») and as
their sum.

All counting happens in SQL (GROUP BY); Python only names the groups and folds local days
into weeks or months. The local day of a moment is computed in SQL from the zone's UTC
offset, given per stretch of constant offset (portal.domain.statistics), which reads the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from portal.adapters.appeals_orm import Appeal, Municipality, Topic
from portal.adapters.db import Database
from portal.domain.statistics import (
    Bucket,
    Period,
    Step,
    Stretch,
    fold,
    offset_stretches,
    resolve_step,
    share,
)
from portal.domain.status import FINAL, STAFF_LABELS, Status

FINAL_VALUES = sorted(s.value for s in FINAL)


@dataclass(frozen=True, slots=True)
class Filters:
    """«период» and «МО» of seed 002."""

    period: Period
    municipality_id: int | None = None


@dataclass(frozen=True, slots=True)
class Named:
    id: int
    name: str


@dataclass
class StatusReport:
    """«Статусы заявок»: every status in the order of the status table, zeros included."""

    rows: list[tuple[Status, int]]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.rows)

    def labelled(self) -> list[tuple[str, int]]:
        return [(STAFF_LABELS[status], count) for status, count in self.rows]


@dataclass
class CrossTable:
    """«Статистика заявок по МО»: rows are municipalities, columns topics (those with
    appeals in the period, by name), with the totals of each row and column."""

    municipalities: list[Named]
    topics: list[Named]
    cells: dict[tuple[int, int], int]

    def cell(self, municipality_id: int, topic_id: int) -> int:
        return self.cells.get((municipality_id, topic_id), 0)

    def row_total(self, municipality_id: int) -> int:
        return sum(n for (m, _), n in self.cells.items() if m == municipality_id)

    def column_total(self, topic_id: int) -> int:
        return sum(n for (_, t), n in self.cells.items() if t == topic_id)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def by_municipality(self) -> list[tuple[str, int]]:
        return [(m.name, self.row_total(m.id)) for m in self.municipalities]

    def by_topic(self) -> list[tuple[str, int]]:
        return [(t.name, self.column_total(t.id)) for t in self.topics]


@dataclass
class TimeReport:
    """«Статистика по количеству заявок»: appeals filed per bar of `step`."""

    asked: Step
    step: Step
    """What was drawn: AUTO resolved, a step with too many bars made coarser."""
    bars: list[tuple[Bucket, int]]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.bars)


@dataclass
class OverdueRow:
    name: str
    total: int = 0
    open_overdue: int = 0
    """Not closed, deadline passed."""
    closed_late: int = 0
    """Closed after the deadline."""

    @property
    def overdue(self) -> int:
        return self.open_overdue + self.closed_late

    @property
    def share(self) -> str:
        return share(self.overdue, self.total)


@dataclass
class OverdueReport:
    """«Статистика по просроченным заявкам»: rows of municipalities and of topics that
    have appeals in the period (by name), and the totals."""

    by_municipality: list[OverdueRow]
    by_topic: list[OverdueRow]
    totals: OverdueRow = field(default_factory=lambda: OverdueRow("Итого"))


# --- SQL helpers ---------------------------------------------------------------------------


def _where(filters: Filters, tz: tzinfo) -> list[ColumnElement[bool]]:
    """The appeals a report counts: filed in the period, in the municipality if chosen."""
    start, end = filters.period.utc_range(tz)
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(Appeal.created_at >= start)
    if end is not None:
        conditions.append(Appeal.created_at < end)
    if filters.municipality_id is not None:
        conditions.append(Appeal.municipality_id == filters.municipality_id)
    return conditions


def _offset_sql(minutes: int, dialect: str) -> ColumnElement[Any]:
    """A constant offset as SQL text: built from an int only, never from input."""
    if dialect == "postgresql":
        return literal_column(f"INTERVAL '{int(minutes)} minutes'")
    return literal_column(f"'{int(minutes):+d} minutes'")


def local_day_sql(stretches: list[Stretch], dialect: str) -> ColumnElement[Any]:
    """The local day of `created_at`: its UTC value shifted by the offset of its stretch.
    SQLite: `date(created_at, '+180 minutes')` on the stored UTC text; PostgreSQL: the UTC
    wall time plus an interval, cast to a date."""
    minutes = [int(s.offset.total_seconds()) // 60 for s in stretches]
    offset: ColumnElement[Any] = _offset_sql(minutes[-1], dialect)
    if len(stretches) > 1:
        offset = case(
            *(
                (Appeal.created_at < s.until, _offset_sql(m, dialect))
                for s, m in zip(stretches[:-1], minutes[:-1], strict=True)
            ),
            else_=offset,
        )
    if dialect == "postgresql":
        return cast(func.timezone("UTC", Appeal.created_at) + offset, Date)
    return func.date(Appeal.created_at, offset)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def _names(db: Database, model: type[Topic] | type[Municipality]) -> dict[int, str]:
    async with db.session() as session:
        return dict((i, n) for i, n in await session.execute(select(model.id, model.name)))


def _ordered(ids: Iterable[int], names: dict[int, str]) -> list[Named]:
    return sorted((Named(i, names.get(i, f"#{i}")) for i in set(ids)), key=lambda n: (n.name, n.id))


# --- the reports ---------------------------------------------------------------------------


async def status_report(db: Database, tz: tzinfo, filters: Filters) -> StatusReport:
    # Naming every status lets both databases read (status, created_at) of one index,
    # status by status, instead of the rows of the period: 21 ms instead of 170 ms on
    # 100,000 appeals in SQLite.
    known = Appeal.status.in_([status.value for status in STAFF_LABELS])
    query = select(Appeal.status, func.count()).where(known, *_where(filters, tz))
    query = query.group_by(Appeal.status)
    async with db.session() as session:
        counts = {status: int(n) for status, n in await session.execute(query)}
    return StatusReport([(status, counts.get(status.value, 0)) for status in STAFF_LABELS])


async def municipality_report(db: Database, tz: tzinfo, filters: Filters) -> CrossTable:
    query = (
        select(Appeal.municipality_id, Appeal.topic_id, func.count())
        .where(*_where(filters, tz))
        .group_by(Appeal.municipality_id, Appeal.topic_id)
    )
    async with db.session() as session:
        cells = {(m, t): int(n) for m, t, n in await session.execute(query)}
    municipalities = _ordered((m for m, _ in cells), await _names(db, Municipality))
    topics = _ordered((t for _, t in cells), await _names(db, Topic))
    return CrossTable(municipalities, topics, cells)


async def count_report(
    db: Database, tz: tzinfo, filters: Filters, step: Step = Step.AUTO
) -> TimeReport:
    start, end = filters.period.utc_range(tz)
    stretches = offset_stretches(start, end, tz)
    day = local_day_sql(stretches, db.engine.dialect.name).label("day")
    query = select(day, func.count()).where(*_where(filters, tz)).group_by(day)
    async with db.session() as session:
        days = {_as_date(d): int(n) for d, n in await session.execute(query)}
    drawn = resolve_step(step, filters.period)
    return TimeReport(step, drawn, fold(days, filters.period, drawn))


async def overdue_report(
    db: Database, tz: tzinfo, filters: Filters, now: datetime
) -> OverdueReport:
    closed = Appeal.status.in_(FINAL_VALUES)
    open_overdue = and_(~closed, Appeal.deadline_at < now)
    closed_late = and_(closed, Appeal.status_changed_at > Appeal.deadline_at)
    query = (
        select(
            Appeal.municipality_id,
            Appeal.topic_id,
            func.count(),
            func.sum(case((open_overdue, 1), else_=0)),
            func.sum(case((closed_late, 1), else_=0)),
        )
        .where(*_where(filters, tz))
        .group_by(Appeal.municipality_id, Appeal.topic_id)
    )
    async with db.session() as session:
        groups = [
            (m, t, int(n), int(o or 0), int(c or 0))
            for m, t, n, o, c in await session.execute(query)
        ]
    places = await _names(db, Municipality)
    topics = await _names(db, Topic)

    def rows(index: int, names: dict[int, str]) -> list[OverdueRow]:
        found: dict[int, OverdueRow] = {}
        for group in groups:
            key = group[index]
            row = found.setdefault(key, OverdueRow(names.get(key, f"#{key}")))
            row.total += group[2]
            row.open_overdue += group[3]
            row.closed_late += group[4]
        return sorted(found.values(), key=lambda r: r.name)

    totals = OverdueRow(
        "Итого",
        sum(g[2] for g in groups),
        sum(g[3] for g in groups),
        sum(g[4] for g in groups),
    )
    return OverdueReport(rows(0, places), rows(1, topics), totals)
