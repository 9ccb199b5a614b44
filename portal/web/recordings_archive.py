"""«Записи приемов»: the archive of published recordings and the player, for every
signed-in user; the media and the chapters track are served with Range support."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from portal.domain.recordings import webvtt
from portal.http.access import SIGNED_IN, allow
from portal.http.auth import require_user
from portal.http.context import database_of, time_zone_of
from portal.http.receptions_request import reception_id
from portal.http.recordings_request import deps_of
from portal.services import recordings_archive, recordings_chapters
from portal.services.recordings_archive import MAX_PAGE, MAX_SEARCH, ArchiveQuery, parse_day
from portal.web.forms import render

ARCHIVE = "/recordings"
VTT = "text/vtt; charset=utf-8"


def _page_number(value: str | None) -> int:
    text = value or ""
    return min(int(text), MAX_PAGE) if text.isascii() and text.isdigit() and len(text) < 6 else 1


def archive_query(query: dict[str, str]) -> ArchiveQuery:
    return ArchiveQuery(
        search=query.get("q", "").strip()[:MAX_SEARCH],
        date_from=parse_day(query.get("from")),
        date_to=parse_day(query.get("to")),
        page=_page_number(query.get("page")),
    )


def _link(query: ArchiveQuery, page: int) -> str:
    params = {
        "q": query.search,
        "from": query.date_from.isoformat() if query.date_from else "",
        "to": query.date_to.isoformat() if query.date_to else "",
        "page": str(page) if page > 1 else "",
    }
    kept = {k: v for k, v in params.items() if v}
    return ARCHIVE + (f"?{urlencode(kept)}" if kept else "")


@allow(SIGNED_IN)
async def archive_page(request: web.Request) -> web.Response:
    await require_user(request)
    query = archive_query(dict(request.query))
    found = await recordings_archive.archive(database_of(request), query, time_zone_of(request.app))
    context = {"archive": found, "link": lambda page: _link(query, page)}
    return render(request, "recordings/archive.html", context)


@allow(SIGNED_IN)
async def player_page(request: web.Request) -> web.Response:
    await require_user(request)
    deps = deps_of(request)
    rid = reception_id(request)
    recording = await recordings_archive.published(deps.db, rid)
    chapters = await recordings_chapters.chapters(deps.db, deps.files, rid, recording.duration_s)
    return render(request, "recordings/player.html", {"recording": recording, "chapters": chapters})


async def _media(request: web.Request, webm: bool) -> web.StreamResponse:
    await require_user(request)
    deps = deps_of(request)
    rid = reception_id(request)
    recording = await recordings_archive.published(deps.db, rid)
    name = recording.webm_name if webm else recording.mp4_name
    assert name is not None  # a published recording names both files
    path = deps.files.published_file(rid, name)
    kind = "video/webm" if webm else "video/mp4"
    return web.FileResponse(path, headers={"Content-Type": kind})


@allow(SIGNED_IN)
async def webm_file(request: web.Request) -> web.StreamResponse:
    return await _media(request, webm=True)


@allow(SIGNED_IN)
async def mp4_file(request: web.Request) -> web.StreamResponse:
    return await _media(request, webm=False)


@allow(SIGNED_IN)
async def chapters_track(request: web.Request) -> web.Response:
    """The player's `<track kind="chapters">` (WebVTT)."""
    await require_user(request)
    deps = deps_of(request)
    rid = reception_id(request)
    recording = await recordings_archive.published(deps.db, rid)
    chapters = await recordings_chapters.chapters(deps.db, deps.files, rid, recording.duration_s)
    return web.Response(body=webvtt(chapters).encode(), headers={"Content-Type": VTT})


def setup_recordings_archive(app: web.Application) -> None:
    r = app.router
    one = ARCHIVE + r"/{reception_id:\d+}"
    r.add_get(ARCHIVE, archive_page, name="recordings")
    r.add_get(one, player_page, name="recording")
    r.add_get(one + "/video.webm", webm_file)
    r.add_get(one + "/video.mp4", mp4_file)
    r.add_get(one + "/chapters.vtt", chapters_track)
