"""Recordings over JSON: the archive of published recordings and one of them (any
signed-in user), and the progress of a reception's recording for its staff, which the
reception's page polls while the upload is converted."""

from __future__ import annotations

from datetime import date, datetime

from aiohttp import web
from pydantic import BaseModel, Field

from portal.api.registry import ApiRegistry
from portal.domain.roles import Role
from portal.http.auth import require_user
from portal.http.context import database_of, time_zone_of
from portal.http.i18n import language_of, translator
from portal.http.receptions_request import reception_id
from portal.http.recordings_request import deps_of
from portal.services import recordings_archive, recordings_progress
from portal.services.recordings import staff_reception
from portal.services.recordings_archive import MAX_PAGE, MAX_SEARCH, ArchiveQuery

api = ApiRegistry()
_TAGS = ["recordings"]
_ONE = r"/api/v1/recordings/{reception_id:\d+}"
STAFF = (Role.ORGANIZER, Role.HOST, Role.MODERATOR)


class ArchiveParams(BaseModel):
    q: str = Field("", max_length=MAX_SEARCH, description="words of the title, all must match")
    date_from: date | None = Field(None, description="the reception's local date, inclusive")
    date_to: date | None = Field(None, description="the reception's local date, inclusive")
    page: int = Field(1, ge=1, le=MAX_PAGE)


class RecordingOut(BaseModel):
    reception_id: int
    title: str
    held_at: datetime
    duration_s: float
    published_at: datetime | None
    page_url: str
    webm_url: str
    mp4_url: str
    chapters_url: str


class ArchiveOut(BaseModel):
    items: list[RecordingOut]
    total: int
    page: int
    pages: int


class ProgressOut(BaseModel):
    reception_id: int
    state: str | None = Field(description="converting, published, failed, withdrawn; none")
    label: str
    percent: int = Field(ge=0, le=100)
    error: str | None
    published_at: datetime | None


def _out(
    reception: int, title: str, held_at: datetime, duration: float, published: datetime | None
) -> RecordingOut:
    page = f"/recordings/{reception}"
    return RecordingOut(
        reception_id=reception,
        title=title,
        held_at=held_at,
        duration_s=duration,
        published_at=published,
        page_url=page,
        webm_url=f"{page}/video.webm",
        mp4_url=f"{page}/video.mp4",
        chapters_url=f"{page}/chapters.vtt",
    )


@api.route(
    "GET",
    "/api/v1/recordings",
    summary="«Записи приемов»: published recordings, newest first, by title words and dates",
    tags=_TAGS,
    query_model=ArchiveParams,
    response_model=ArchiveOut,
)
async def recordings_list(request: web.Request, query: ArchiveParams) -> ArchiveOut:
    await require_user(request)
    found = await recordings_archive.archive(
        database_of(request),
        ArchiveQuery(query.q.strip(), query.date_from, query.date_to, query.page),
        time_zone_of(request.app),
    )
    return ArchiveOut(
        items=[
            _out(r.reception_id, r.title, r.held_at, r.duration_s, r.published_at)
            for r in found.rows
        ],
        total=found.total,
        page=found.page,
        pages=found.pages,
    )


@api.route(
    "GET",
    _ONE,
    summary="One published recording and its media",
    tags=_TAGS,
    response_model=RecordingOut,
)
async def recording_detail(request: web.Request) -> RecordingOut:
    await require_user(request)
    r = await recordings_archive.published(database_of(request), reception_id(request))
    return _out(r.reception_id, r.title, r.held_at, r.duration_s, r.published_at)


@api.route(
    "GET",
    r"/api/v1/staff/recordings/{reception_id:\d+}",
    summary="The reception's recording: its conversion's progress (its staff only)",
    tags=_TAGS,
    response_model=ProgressOut,
    roles=STAFF,
)
async def recording_progress(request: web.Request) -> ProgressOut:
    """Also moves the recording on when its conversion has ended."""
    user = await require_user(request)
    deps = deps_of(request)
    rid = reception_id(request)
    async with deps.db.session() as session:
        await staff_reception(session, rid, user)
    progress = await recordings_progress.advance(deps, rid)
    return ProgressOut(
        reception_id=rid,
        state=progress.state.value if progress.state else None,
        label=translator(language_of(request))(progress.label),
        percent=progress.percent,
        error=progress.error,
        published_at=progress.published_at,
    )
