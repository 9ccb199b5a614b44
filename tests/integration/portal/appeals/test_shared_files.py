"""Files shared by content between appeals: a refusal never removes a file another upload,
still in flight, is about to use; what nobody uses is removed by the collector alone."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from config import Settings
from portal.adapters.appeals_orm import Appeal
from portal.adapters.orm import User
from portal.adapters.storage import BlobStore, StoredBlob
from portal.domain.roles import Role
from portal.http.appeals_request import STORE
from portal.http.context import CLOCK, DATABASE
from portal.services import appeals, appeals_files
from portal.services import appeals_processing as work
from portal.services.appeals import AppealsDeps, Upload
from portal.services.appeals_blobs import GRACE, UploadLost, collect, store_upload
from tests.integration.portal.appeals.conftest import (
    PDF,
    PNG,
    ClientFactory,
    MovableClock,
    Reference,
    add_reference,
    add_user,
    api_sign_in,
)
from tests.integration.portal.appeals.test_services import draft

pytestmark = pytest.mark.timeout(60)


async def _citizen(new_client: ClientFactory, login: str) -> tuple[TestClient[Any, Any], str]:
    client = await new_client()
    return client, await api_sign_in(client, login)


def _fields(refs: Reference, text: str = "Прошу отремонтировать крышу.") -> dict[str, str]:
    return {
        "topic_id": str(refs.topic),
        "municipality_id": str(refs.municipality),
        "title": "Протекает крыша",
        "address": "ул. Ленина, 1",
        "text": text,
    }


class StoredSpy:
    """Reports each blob the store has settled, so a test can act while the request that
    stored it is still in flight."""

    def __init__(self, store: BlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.stored: asyncio.Queue[StoredBlob] = asyncio.Queue()
        original = store.put_stream

        async def put_stream(*args: Any, **kwargs: Any) -> StoredBlob:
            blob = await original(*args, **kwargs)
            self.stored.put_nowait(blob)
            return blob

        monkeypatch.setattr(store, "put_stream", put_stream)

    async def next(self) -> StoredBlob:
        return await asyncio.wait_for(self.stored.get(), timeout=10)


def _held_form(refs: Reference, go: asyncio.Event) -> aiohttp.MultipartWriter:
    """A form whose last part waits for `go`. The server sees where a part ends only once
    more bytes follow, so an ignored part sends 256 KiB first: by then the PDF is stored."""

    async def padding() -> AsyncIterator[bytes]:
        yield bytes(256 * 1024)
        await go.wait()
        yield b"."

    form = aiohttp.MultipartWriter("form-data")
    for name, value in {**_fields(refs), "consent": "on"}.items():
        form.append(value).set_content_disposition("form-data", name=name)
    form.append(PDF, {"Content-Type": "application/pdf"}).set_content_disposition(
        "form-data", name="files", filename="акт.pdf"
    )
    form.append(padding()).set_content_disposition("form-data", name="padding", filename="p")
    return form


def _form(refs: Reference, text: str, files: dict[str, bytes]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in {**_fields(refs, text), "consent": "on"}.items():
        form.add_field(name, value)
    for filename, data in files.items():
        form.add_field("files", data, filename=filename, content_type="application/pdf")
    return form


@pytest.mark.parametrize(
    ("text", "files", "status"),
    [
        ("я" * 2001, {"акт.pdf": PDF}, 422),
        ("Текст", {"акт.pdf": PDF, "большой.pdf": PDF + bytes(21 * 2**20)}, 413),
    ],
    ids=["refused-by-the-use-case", "refused-over-the-limit"],
)
async def test_a_refusal_keeps_a_file_an_upload_in_flight_is_about_to_use(
    app: web.Application,
    new_client: ClientFactory,
    people: dict[str, User],
    refs: Reference,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    files: dict[str, bytes],
    status: int,
) -> None:
    spy = StoredSpy(app[STORE], monkeypatch)
    maria, maria_csrf = await _citizen(new_client, "maria@example.ru")
    petr, petr_csrf = await _citizen(new_client, "petr@example.ru")
    go = asyncio.Event()
    in_flight = asyncio.create_task(
        maria.post(
            "/api/v1/appeals", data=_held_form(refs, go), headers={"X-CSRF-Token": maria_csrf}
        )
    )
    held = await spy.next()  # Maria's PDF is on disk; her request waits for its last field.

    refused = await petr.post(
        "/api/v1/appeals", data=_form(refs, text, files), headers={"X-CSRF-Token": petr_csrf}
    )
    assert refused.status == status, await refused.text()
    assert (await spy.next()).sha256 == held.sha256, "the refused form held the same content"

    go.set()
    filed = await in_flight
    assert filed.status == 201, await filed.text()
    url = (await filed.json())["files"][0]["url"]
    download = await maria.get(url)
    assert download.status == 200
    assert await download.read() == PDF


async def _stored(store: BlobStore) -> set[str]:
    return set(await asyncio.to_thread(lambda: list(store.stored())))


async def _upload(deps: AppealsDeps, name: str, data: bytes) -> Upload:
    """What the upload reader does with one file: store it, held against the collector."""

    async def one() -> AsyncIterator[bytes]:
        yield data

    return Upload(name, await store_upload(deps.db, deps.store, deps.clock, one(), len(data)))


async def test_the_collector_removes_only_what_nothing_uses_after_the_grace_period(
    deps: AppealsDeps, clock: MovableClock
) -> None:
    refs = await add_reference(deps.db)
    maria = await add_user(deps.db, email="maria@example.ru", roles=[Role.CITIZEN])
    kept = await _upload(deps, "акт.pdf", PDF)
    appeal = await appeals.file_appeal(deps, maria, draft(refs), [kept])
    refused = await _upload(deps, "фото.png", PNG)  # its form was refused: nothing uses it
    assert await _stored(deps.store) == {kept.blob.sha256, refused.blob.sha256}

    assert await collect(deps.db, deps.store, clock.now()) == 0, "an upload may be in flight"
    clock.advance(GRACE + timedelta(seconds=1))
    assert await collect(deps.db, deps.store, clock.now()) == 1
    assert await _stored(deps.store) == {kept.blob.sha256}
    (file,) = (await appeals.view_appeal(deps, appeal.id, maria)).files
    assert (await appeals_files.open_file(deps, appeal.id, file.id, maria)).data == PDF


async def test_a_deleted_documents_file_goes_once_no_appeal_uses_it(
    deps: AppealsDeps, clock: MovableClock
) -> None:
    refs = await add_reference(deps.db)
    maria = await add_user(deps.db, email="maria@example.ru", roles=[Role.CITIZEN])
    officer = await add_user(deps.db, email="off@example.ru", login="off", roles=[Role.DEPARTMENT])
    first = await appeals.file_appeal(deps, maria, draft(refs), [])
    second = await appeals.file_appeal(
        deps, maria, draft(refs), [await _upload(deps, "a.pdf", PDF)]
    )
    shared, own = await _upload(deps, "справка.pdf", PDF), await _upload(deps, "скан.png", PNG)
    await work.add_documents(deps, first.id, officer, [shared, own])
    for document in (await appeals.view_appeal(deps, first.id, officer)).documents:
        await work.delete_document(deps, first.id, officer, document.id)

    clock.advance(GRACE + timedelta(seconds=1))
    assert await collect(deps.db, deps.store, clock.now()) == 1
    assert await _stored(deps.store) == {shared.blob.sha256}, "the other appeal still uses it"
    (file,) = (await appeals.view_appeal(deps, second.id, maria)).files
    assert (await appeals_files.open_file(deps, second.id, file.id, maria)).data == PDF


async def test_attaching_a_collected_file_is_refused_rather_than_listing_nothing(
    deps: AppealsDeps, clock: MovableClock
) -> None:
    refs = await add_reference(deps.db)
    maria = await add_user(deps.db, email="maria@example.ru", roles=[Role.CITIZEN])
    late = await _upload(deps, "акт.pdf", PDF)
    clock.advance(GRACE + timedelta(seconds=1))
    await collect(deps.db, deps.store, clock.now())
    with pytest.raises(UploadLost):
        await appeals.file_appeal(deps, maria, draft(refs), [late])
    async with deps.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Appeal)) == 0
    assert await _stored(deps.store) == set()


async def test_files_without_a_row_and_stale_parts_are_collected_too(
    deps: AppealsDeps, clock: MovableClock
) -> None:
    """Files left by an older version or a crash get a grace period from when the
    collector first sees them; temporary parts older than it go."""
    orphan = await deps.store.put_bytes(PNG)  # no hold: nothing in the database knows it
    part = deps.store.root / ".incoming" / "left-by-a-crash"
    part.write_bytes(b"half")
    stale = time.time() - GRACE.total_seconds() - 60
    os.utime(part, (stale, stale))

    assert await collect(deps.db, deps.store, clock.now()) == 0
    assert not part.exists()
    assert await _stored(deps.store) == {orphan.sha256}
    clock.advance(GRACE + timedelta(seconds=1))
    assert await collect(deps.db, deps.store, clock.now()) == 1
    assert await _stored(deps.store) == set()


async def _until(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Wait for something the server does on its own (bounded; polled, not guessed)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_connection_dropped_mid_upload_leaves_nothing_after_the_collector(
    app: web.Application,
    new_client: ClientFactory,
    people: dict[str, User],
    refs: Reference,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = StoredSpy(app[STORE], monkeypatch)
    maria, csrf = await _citizen(new_client, "maria@example.ru")
    cookies = maria.session.cookie_jar.filter_cookies(maria.make_url("/"))
    cookie = "; ".join(f"{k}={v.value}" for k, v in cookies.items())
    boundary = "dropped"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in {**_fields(refs), "consent": "on"}.items()
    ).encode()
    head += (
        f"--{boundary}\r\nContent-Disposition: form-data; name=files; filename=a.pdf\r\n\r\n"
    ).encode() + PDF
    head += (
        f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=files; filename=b.pdf"
        "\r\n\r\n%PDF-1.4\n"
    ).encode() + bytes(256 * 1024)
    _reader, writer = await asyncio.open_connection(maria.host, maria.port)
    writer.write(
        (
            "POST /api/v1/appeals HTTP/1.1\r\n"
            f"Host: {maria.host}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(head) + 1024 * 1024}\r\n\r\n"
        ).encode()
        + head
    )
    await writer.drain()
    first = await spy.next()  # a.pdf is stored; b.pdf is being written
    writer.close()  # the citizen's connection drops in the middle of b.pdf
    await writer.wait_closed()
    incoming = settings.uploads_dir / ".incoming"
    await _until(lambda: not any(incoming.iterdir()))  # the server gave up on b.pdf

    store = app[STORE]
    assert await _stored(store) == {first.sha256}
    clock = app[CLOCK]
    assert isinstance(clock, MovableClock)
    clock.advance(GRACE + timedelta(seconds=1))
    assert await collect(app[DATABASE], store, clock.now()) == 1
    assert await _stored(store) == set()
    listing = await (await maria.get("/api/v1/appeals")).json()
    assert listing["total"] == 0
