"""«Записи приемов»: the published recordings any signed-in user may watch, searched by
words of the title and by the reception's date, newest first, a page at a time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import ColumnElement, func, select

from portal.adapters.db import Database
from portal.adapters.recordings_orm import Recording
from portal.domain.recordings import RecordingState
from portal.errors import NotFound

PER_PAGE = 20
MAX_PAGE = 10_000
MAX_SEARCH = 200
MAX_WORDS = 8


@dataclass(frozen=True, slots=True)
class ArchiveQuery:
    search: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @property
    def words(self) -> list[str]:
        return self.search.casefold().split()[:MAX_WORDS]


@dataclass(frozen=True, slots=True)
class ArchiveRow:
    reception_id: int
    title: str
    held_at: datetime
    duration_s: float
    published_at: datetime | None

    @property
    def duration(self) -> str:
        minutes, seconds = divmod(round(self.duration_s), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}"


@dataclass(frozen=True, slots=True)
class Archive:
    query: ArchiveQuery
    rows: list[ArchiveRow]
    total: int
    page: int
    pages: int


def parse_day(value: str | None) -> date | None:
    """A date from the search form (ГГГГ-ММ-ДД); anything else is no bound."""
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def _conditions(query: ArchiveQuery, tz: tzinfo) -> list[ColumnElement[bool]]:
    where = [Recording.state == RecordingState.PUBLISHED.value]
    if query.date_from is not None:
        where.append(Recording.held_at >= _local_midnight(query.date_from, tz))
    if query.date_to is not None:
        where.append(Recording.held_at < _local_midnight(query.date_to + timedelta(days=1), tz))
    for word in query.words:
        where.append(Recording.search_title.contains(word, autoescape=True))
    return where


async def archive(db: Database, query: ArchiveQuery, tz: tzinfo) -> Archive:
    where = _conditions(query, tz)
    async with db.session() as session:
        total = int(
            (
                await session.execute(select(func.count(Recording.reception_id)).where(*where))
            ).scalar_one()
        )
        pages = max(1, math.ceil(total / PER_PAGE))
        page = min(max(query.page, 1), pages)
        found = (
            await session.execute(
                select(Recording)
                .where(*where)
                .order_by(Recording.held_at.desc(), Recording.reception_id.desc())
                .limit(PER_PAGE)
                .offset((page - 1) * PER_PAGE)
            )
        ).scalars()
        rows = [
            ArchiveRow(r.reception_id, r.title, r.held_at, r.duration_s, r.published_at)
            for r in found
        ]
    return Archive(query, rows, total, page, pages)


async def published(db: Database, reception_id: int) -> Recording:
    """The reception's recording if it is published; anything else reads as missing, so
    nobody learns of a recording being prepared or withdrawn."""
    async with db.session() as session:
        row = await session.get(Recording, reception_id)
    if row is None or row.state != RecordingState.PUBLISHED or not row.webm_name:
        raise NotFound("Запись не найдена.", en="Recording not found.")
    return row


async def is_published(db: Database, reception_id: int) -> bool:
    async with db.session() as session:
        state = await session.scalar(
            select(Recording.state).where(Recording.reception_id == reception_id)
        )
    return state == RecordingState.PUBLISHED
