"""Reading a multipart form as a stream: fields into memory (small, capped), files
straight into the blob store under one byte budget for the whole request.

The app's `client_max_size` (1 MiB) guards `request.post()`; uploads never go through it:
`request.multipart()` yields the body chunk by chunk, so a 200 MB upload is refused once
the budget is spent, without being buffered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web

from portal.adapters.storage import CHUNK, BlobStore, UploadTooLarge
from portal.errors import InvalidInput, PortalError
from portal.services.appeals import AppealsDeps, Upload, discard_unused

MAX_FIELD = 64 * 1024
MAX_PARTS = 60
DRAIN_LIMIT = 2 * 1024 * 1024


@dataclass
class MultipartForm:
    fields: dict[str, str] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)


async def read_multipart(
    request: web.Request, deps: AppealsDeps, file_field: str = "files"
) -> MultipartForm:
    """The form's fields and stored files; on a refusal the files stored so far go."""
    form = MultipartForm()
    if request.content_type == "application/x-www-form-urlencoded":
        # A form without files (client_max_size bounds it).
        posted = await request.post()
        form.fields = {k: v for k, v in posted.items() if isinstance(v, str)}
        return form
    if not request.content_type.startswith("multipart/"):
        raise InvalidInput(
            "Ожидается форма multipart/form-data.", en="Expected multipart/form-data."
        )
    try:
        await _read_parts(request, deps.store, deps.max_files_bytes, file_field, form)
    except PortalError:
        await discard_unused(deps, form.uploads)
        raise
    return form


@asynccontextmanager
async def discard_on_refusal(deps: AppealsDeps, form: MultipartForm) -> AsyncIterator[None]:
    """Run the use case that takes the files; if it refuses, the stored files go."""
    try:
        yield
    except PortalError:
        await discard_unused(deps, form.uploads)
        raise


async def _read_parts(
    request: web.Request, store: BlobStore, budget: int, file_field: str, form: MultipartForm
) -> None:
    reader = await request.multipart()
    parts = 0
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            raise InvalidInput(
                "Вложенные multipart-части не поддерживаются.",
                en="Nested multipart parts are not supported.",
            )
        parts += 1
        if parts > MAX_PARTS:
            raise InvalidInput("Слишком много полей и файлов.", en="Too many fields and files.")
        name = part.name or ""
        if part.filename is not None and name == file_field:
            if not part.filename:
                await part.release()
                continue  # an empty file input: the browser sends a nameless empty part
            spent = sum(u.blob.size for u in form.uploads)
            try:
                blob = await store.put_stream(_chunks(part), budget - spent)
            except UploadTooLarge:
                await _finish_or_cut(request)
                raise
            form.uploads.append(Upload(part.filename, blob))
        elif part.filename is None:
            form.fields[name] = await _field(part)
        else:
            await part.release()


async def _finish_or_cut(request: web.Request) -> None:
    """After a refused upload: a small rest is read and dropped so the client gets the
    answer on a healthy connection; a large one is cut off (the connection closes after
    the answer) instead of being drained, whatever its size."""
    left = DRAIN_LIMIT
    while left > 0:
        chunk = await request.content.readany()
        if not chunk:
            return
        left -= len(chunk)
    request.protocol.force_close()


async def _chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(CHUNK):
        yield chunk


async def _field(part: BodyPartReader) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        if len(data) > MAX_FIELD:
            raise InvalidInput(
                f"Поле «{part.name}» слишком длинное.", en=f"Field {part.name!r} is too long."
            )
    try:
        return data.decode(part.get_charset(default="utf-8"))
    except (UnicodeDecodeError, LookupError):
        raise InvalidInput(
            f"Поле «{part.name}» не в UTF-8.", en=f"Field {part.name!r} is not UTF-8."
        ) from None
