"""Reading a multipart form as a stream: fields into memory (small, capped), files
straight into the blob store under one byte budget for the whole request; and the
application's collector of files nothing uses.

The app's `client_max_size` (1 MiB) guards `request.post()`; uploads never go through it:
`request.multipart()` yields the body chunk by chunk, so a 200 MB upload is never
buffered. A refused file does not end the reading: the rest of the body is read and
dropped (fields still kept) up to `hard_cap`, because a browser that is still sending
when the server answers and closes shows a connection-reset page and the citizen loses
the form. Beyond the hard cap the connection is cut after the 413.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from portal.adapters.storage import CHUNK, BlobStore, UploadTooLarge
from portal.errors import InvalidInput, PortalError
from portal.http.context import CLOCK, DATABASE
from portal.http.errors import nul_refused
from portal.http.periodic import every
from portal.services.appeals import AppealsDeps, Upload
from portal.services.appeals_blobs import PERIOD, collect, store_upload

MAX_FIELD = 64 * 1024
MAX_PARTS = 60


def hard_cap(budget: int) -> int:
    """How much of a refused request is still read so the browser gets the answer: twice
    the files' budget plus the fields. A bigger body is cut off (the page checks sizes
    before sending, so only a client that ignores it gets there)."""
    return 2 * budget + MAX_PARTS * MAX_FIELD


@dataclass
class MultipartForm:
    fields: dict[str, str] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)


async def read_multipart(
    request: web.Request,
    deps: AppealsDeps,
    into: MultipartForm | None = None,
    file_field: str = "files",
) -> MultipartForm:
    """The form's fields and stored files. A refused file is raised once the whole body
    is read, so `into` (when given) holds every field for the form shown again. Files
    stored before a refusal are left to the collector: their content may be shared."""
    form = MultipartForm() if into is None else into
    if request.content_type == "application/x-www-form-urlencoded":
        # A form without files (client_max_size bounds it).
        posted = await request.post()
        form.fields = {k: v for k, v in posted.items() if isinstance(v, str)}
        return form
    if not request.content_type.startswith("multipart/"):
        raise InvalidInput(
            "Ожидается форма multipart/form-data.", en="Expected multipart/form-data."
        )
    limits = _Limits(deps.max_files_bytes, hard_cap(deps.max_files_bytes))
    if request.content_length is not None and request.content_length > limits.cap:
        _cut_after_answer(request)
        raise limits.too_large()
    await _read_parts(request, deps, file_field, form, limits)
    return form


@dataclass(frozen=True, slots=True)
class _Limits:
    budget: int
    cap: int

    def too_large(self) -> UploadTooLarge:
        mb = f"{self.budget / 1024 / 1024:.3g}"
        return UploadTooLarge(
            f"Файлы больше {mb} МБ в сумме.", en=f"The files exceed {mb} MB in total."
        )


async def _read_parts(
    request: web.Request,
    deps: AppealsDeps,
    file_field: str,
    form: MultipartForm,
    limits: _Limits,
) -> None:
    reader = await request.multipart()
    refusal: PortalError | None = None
    parts = 0
    while True:
        try:
            part = await reader.next()
        except (HttpProcessingError, UnicodeError) as error:
            # A part's headers the parser refuses (a NUL in a file name, say).
            raise InvalidInput(
                "Неверный заголовок части формы (например, имя файла).",
                en="A malformed form part header (a file name, for example).",
            ) from error
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
        if part.filename is not None and name == file_field and refusal is None:
            if not part.filename:
                await part.release()
                continue  # an empty file input: the browser sends a nameless empty part
            spent = sum(u.blob.size for u in form.uploads)
            try:
                blob = await store_upload(
                    deps.db, deps.store, deps.clock, _chunks(part), limits.budget - spent
                )
            except (UploadTooLarge, InvalidInput) as error:
                refusal = error
                await _drain(request, part, limits)
                continue
            form.uploads.append(Upload(part.filename, blob))
        elif part.filename is None:
            form.fields[name] = await _field(part)
        else:
            await _drain(request, part, limits)
    if refusal is not None:
        raise refusal


async def _drain(request: web.Request, part: BodyPartReader, limits: _Limits) -> None:
    """Read a part to its end and drop it, unless the request has gone past the cap."""
    while await part.read_chunk(CHUNK):
        if request.content.total_bytes > limits.cap:
            _cut_after_answer(request)
            raise limits.too_large()


def _cut_after_answer(request: web.Request) -> None:
    """Send the answer, then close without reading the rest of the body. aiohttp reads an
    unread body for up to 10 s after the answer ("lingering") and stops early on a
    timeout; the connection of a body left unread is then closed. (Closing the transport
    here would drop the answer too.)"""
    request.content.set_exception(TimeoutError())


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
        value = data.decode(part.get_charset(default="utf-8"))
    except (UnicodeDecodeError, LookupError):
        raise InvalidInput(
            f"Поле «{part.name}» не в UTF-8.", en=f"Field {part.name!r} is not UTF-8."
        ) from None
    if "\x00" in value:
        raise nul_refused()
    return value


def blob_collector(store: BlobStore) -> Callable[[web.Application], AsyncIterator[None]]:
    """The application's one collector of stored files nothing uses: at start-up, then
    every `PERIOD`, for as long as the application runs."""
    return every(
        PERIOD,
        lambda app: collect(app[DATABASE], store, app[CLOCK].now()),
        "stored files not collected",
    )
