"""What the appeal pages, the staff pages and the API read from a request alike: the
appeal's id, the services' dependencies, a form's draft, and a stored file as a response."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from portal.adapters.storage import BlobStore
from portal.domain.appeals import AppealDraft
from portal.errors import InvalidInput
from portal.http.context import CLOCK, DATABASE, MAILER, SETTINGS, time_zone_of
from portal.services import appeals_files
from portal.services.appeals import AppealsDeps

STORE = web.AppKey("portal.appeals.store", BlobStore)


def deps_of(request: web.Request) -> AppealsDeps:
    """Built per request so a test's clock or mailer swapped on the app is picked up."""
    app = request.app
    base = app[SETTINGS].public_url
    limit = app[SETTINGS].storage.max_upload_mb * 2**20
    return AppealsDeps(
        app[DATABASE],
        app[STORE],
        app[CLOCK],
        app[MAILER],
        base.rstrip("/"),
        limit,
        time_zone_of(app),
    )


def file_response(out: appeals_files.FileOut, *, inline: bool = False) -> web.Response:
    disposition = "inline" if inline else "attachment"
    mime, _, charset = out.content_type.partition("; charset=")
    response = web.Response(body=out.data, content_type=mime)
    if charset:
        response.charset = charset
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_quote(out.name)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _quote(name: str) -> str:
    return quote(name, safe="")


def appeal_id(request: web.Request) -> int:
    return int(request.match_info["appeal_id"])


def draft_from(fields: dict[str, str]) -> AppealDraft:
    try:
        topic_id = int(fields.get("topic_id", ""))
        municipality_id = int(fields.get("municipality_id", ""))
    except ValueError:
        raise InvalidInput(
            "Выберите тему и муниципальное образование.", en="Choose a topic and a municipality."
        ) from None
    return AppealDraft(
        topic_id=topic_id,
        municipality_id=municipality_id,
        title=fields.get("title", ""),
        address=fields.get("address", ""),
        text=fields.get("text", "").replace("\r\n", "\n"),
        consent=fields.get("consent") in ("on", "1", "true"),
    )
