"""The reception's recordings for its staff («Подробнее» → «Редактировать»): «Доступные
записи» to download, the upload of the edited mp4 («Выберите файл» → «Сохранить»), its
conversion's progress and «Снять с публикации».

An organizer finds the section on «Управление приемом»; the reception's host and
moderator on a page of its own. Each POST comes back to the page it was sent from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from portal.adapters.orm import User
from portal.adapters.recording_files import too_large
from portal.domain.roles import Role
from portal.errors import Forbidden, InvalidInput, NotFound, PortalError
from portal.http.access import allow
from portal.http.auth import require_user
from portal.http.receptions_request import reception_id
from portal.http.recordings_request import deps_of
from portal.services import recordings_progress, recordings_upload, recordings_withdraw
from portal.services.receptions import get_reception
from portal.services.recordings_composed import Composition, Stage, composed_file, composition
from portal.services.recordings_progress import Progress
from portal.text import Text
from portal.web.forms import flash, render

STAFF = (Role.ORGANIZER, Role.HOST, Role.MODERATOR)
"""Roles that may be a reception's staff; the use cases check it is this reception's."""
CHUNK = 256 * 1024
FILE_FIELD = "file"
SAVED = Text(
    "Файл сохранен. Идет преобразование в формат webm (для мобильных устройств); по его "
    "окончании запись будет доступна всем авторизованным пользователям.",
    "The file is saved. It is being converted to webm (for mobile devices); when that is "
    "done, the recording is available to every signed-in user.",
)
MAX_SKIPPED_PART = 64 * 1024
"""Parts before the file (none are expected) are read and dropped up to this size."""


@dataclass(frozen=True, slots=True)
class Section:
    reception_id: int
    composition: Composition
    progress: Progress
    ended: bool
    max_mb: int
    back: str

    @property
    def upload_url(self) -> str:
        return f"/staff/recordings/{self.reception_id}"

    @property
    def back_url(self) -> str:
        manage = f"/staff/receptions/{self.reception_id}"
        return manage if self.back == "manage" else page_url(self.reception_id)

    @property
    def progress_url(self) -> str:
        return f"/api/v1/staff/recordings/{self.reception_id}"


def page_url(reception: int) -> str:
    return f"/staff/recordings/{reception}"


def _back(request: web.Request) -> str:
    """Where a POST returns: «Управление приемом» or the recording page of this reception."""
    rid = reception_id(request)
    manage = f"/staff/receptions/{rid}"
    return manage if request.query.get("back") == "manage" else page_url(rid)


async def section(request: web.Request, user: User, reception: int, back: str) -> Section:
    """What the «Доступные записи» section shows (the use cases check the user is this
    reception's staff)."""
    deps = deps_of(request)
    composed = await composition(deps, reception, user)
    return Section(
        reception,
        composed,
        await recordings_progress.advance(deps, reception),
        composed.stage is not Stage.NOT_OVER,
        deps.max_upload_bytes // (1024 * 1024),
        back,
    )


@allow(*STAFF)
async def recording_page(request: web.Request) -> web.Response:
    user = await require_user(request)
    rid = reception_id(request)
    rec = await section(request, user, rid, "page")
    async with deps_of(request).db.session() as session:
        reception = await get_reception(session, rid)
    return render(request, "receptions/recording.html", {"rec": rec, "reception": reception})


async def _file_part(request: web.Request) -> BodyPartReader:
    """The form's file part (the CSRF token came in the URL: nothing else is needed)."""
    if not request.content_type.startswith("multipart/"):
        raise recordings_upload.no_file()
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            raise recordings_upload.no_file()
        if not isinstance(part, BodyPartReader):
            raise InvalidInput(
                "Вложенные multipart-части не поддерживаются.",
                en="Nested multipart parts are not supported.",
            )
        if part.name == FILE_FIELD and part.filename:
            return part
        skipped = 0
        while chunk := await part.read_chunk(CHUNK):
            skipped += len(chunk)
            if skipped > MAX_SKIPPED_PART:
                raise InvalidInput("Слишком большое поле формы.", en="A form field is too large.")


async def _chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(CHUNK):
        yield chunk


@allow(*STAFF)
async def upload(request: web.Request) -> web.StreamResponse:
    """«Сохранить»: the chosen mp4, streamed to disk and checked, then converted.

    A refusal answers at once; what the browser is still sending is read and dropped by
    aiohttp for up to its lingering time (10 s), so the browser gets to show the answer
    instead of a reset connection (the page's script checks the size before sending)."""
    user = await require_user(request)
    rid = reception_id(request)
    deps = deps_of(request)
    back = _back(request)
    try:
        await recordings_upload.check_may_upload(deps, rid, user)
        if (request.content_length or 0) > deps.max_upload_bytes + MAX_SKIPPED_PART:
            raise too_large(deps.max_upload_bytes)
        part = await _file_part(request)
        await recordings_upload.upload(deps, rid, user, part.filename or "", _chunks(part))
    except (NotFound, Forbidden):
        raise
    except PortalError as error:
        flash(request, error.text)
        raise web.HTTPSeeOther(f"{back}#recording") from None
    flash(request, SAVED)
    raise web.HTTPSeeOther(f"{back}#recording")


@allow(*STAFF)
async def withdraw(request: web.Request) -> web.StreamResponse:
    """«Снять с публикации»."""
    user = await require_user(request)
    await request.post()
    try:
        await recordings_withdraw.withdraw(deps_of(request), reception_id(request), user)
        flash(request, Text("Запись снята с публикации.", "The recording was withdrawn."))
    except (NotFound, Forbidden):
        raise
    except PortalError as error:
        flash(request, error.text)
    raise web.HTTPSeeOther(f"{_back(request)}#recording")


@allow(*STAFF)
async def download(request: web.Request) -> web.StreamResponse:
    """A file of «Доступные записи» (Range requests: a long file resumes)."""
    user = await require_user(request)
    path, entry = await composed_file(
        deps_of(request), reception_id(request), user, request.match_info["name"]
    )
    filename = entry.name.rsplit("/", 1)[-1]
    headers: dict[str, Any] = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
    }
    return web.FileResponse(path, headers=headers)


def setup_recordings_staff(app: web.Application) -> None:
    r = app.router
    base = r"/staff/recordings/{reception_id:\d+}"
    r.add_get(base, recording_page, name="reception_recording")
    r.add_post(base, upload)
    r.add_post(base + "/withdraw", withdraw)
    r.add_get(base + "/files/{name:.+}", download)
