"""What a sender controls in an upload: the file's name, its bytes' encoding, the body's size.
Odd input is a 4xx or is cleaned, never a 500; an over-limit upload through the page gets
the form back with what was typed, not a reset connection."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.domain.roles import Role
from tests.integration.portal.appeals.conftest import (
    PDF,
    ClientFactory,
    Reference,
    add_user,
    api_sign_in,
)

pytestmark = pytest.mark.timeout(60)
BOUNDARY = "odd-input"


@pytest.fixture
async def maria(app_db: Database) -> User:
    return await add_user(app_db, email="maria@example.ru", roles=[Role.CITIZEN])


def _multipart(refs: Reference, text: str, files: list[tuple[bytes, bytes]]) -> bytes:
    """A form written byte by byte, so the file name goes out exactly as given."""
    fields = {
        "topic_id": str(refs.topic),
        "municipality_id": str(refs.municipality),
        "title": "Протекает крыша",
        "text": text,
        "consent": "on",
    }
    body = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    for disposition, data in files:
        body += f"--{BOUNDARY}\r\n".encode()
        body += b"Content-Disposition: form-data; name=files; " + disposition + b"\r\n"
        body += b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


async def _post(
    client: TestClient[Any, Any], csrf: str, body: bytes, path: str = "/api/v1/appeals"
) -> Any:
    return await client.post(
        path,
        data=body,
        headers={
            "X-CSRF-Token": csrf,
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        },
    )


@pytest.mark.parametrize(
    ("disposition", "shown"),
    [
        (b'filename="a\x00b.pdf"', None),
        (b'filename="\x01\x02\x1b.pdf"', None),
        (b'filename="%ff%fe.pdf"', "\ufffd\ufffd.pdf"),
        (b'filename="\xff\xfe\xd0.pdf"', "file.pdf"),
        (b'filename="..\\\\..\\\\win.ini.pdf"', "win.ini.pdf"),
        (b'filename="\xe2\x80\xaegnp.pdf"', "gnp.pdf"),
        (b"filename*=UTF-8''%D0%B0%D0%BA%D1%82.pdf", "акт.pdf"),
        (b'filename="' + b"x" * 1000 + b'.pdf"', "x" * 251 + ".pdf"),
    ],
    ids=[
        "nul",
        "controls",
        "bad-percent",
        "bad-utf8",
        "windows-path",
        "rtl-override",
        "rfc5987",
        "long",
    ],
)
async def test_odd_file_names_are_cleaned_or_refused_never_a_500(
    new_client: ClientFactory,
    maria: User,
    refs: Reference,
    disposition: bytes,
    shown: str | None,
) -> None:
    """A name the multipart parser cannot read is a 422 in the documented shape; any
    other is shown without path parts, control or direction characters, in 255 at most."""
    client = await new_client()
    csrf = await api_sign_in(client, "maria@example.ru")
    response = await _post(client, csrf, _multipart(refs, "Текст", [(disposition, PDF)]))
    if shown is None:
        assert response.status == 422, await response.text()
        assert (await response.json())["error"]["code"] == "invalid_input"
        return
    assert response.status == 201, await response.text()
    (file,) = (await response.json())["files"]
    assert file["name"] == shown
    download = await client.get(file["url"])
    assert download.status == 200
    assert await download.read() == PDF


@pytest.mark.parametrize(
    ("encoded", "charset"),
    [("Прошу рассмотреть".encode("cp1251"), "windows-1251"), ("Прошу".encode(), "utf-8")],
    ids=["cp1251", "utf-8"],
)
async def test_a_text_file_is_served_in_its_own_charset(
    new_client: ClientFactory,
    maria: User,
    refs: Reference,
    encoded: bytes,
    charset: str,
) -> None:
    client = await new_client()
    csrf = await api_sign_in(client, "maria@example.ru")
    response = await _post(
        client, csrf, _multipart(refs, "Текст", [(b'filename="zayavlenie.txt"', encoded)])
    )
    assert response.status == 201, await response.text()
    (file,) = (await response.json())["files"]
    download = await client.get(file["url"])
    assert download.headers["Content-Type"] == f"text/plain; charset={charset}"
    assert (await download.read()).decode(charset).startswith("Прошу")


def _csrf_of(page: str) -> str:
    match = re.search(r'action="/appeals/new\?_csrf=([^"&]+)', page)
    assert match, "the form posts to a URL carrying the CSRF token"
    return match.group(1)


async def _signed_in_page(new_client: ClientFactory) -> tuple[TestClient[Any, Any], str]:
    client = await new_client()
    await api_sign_in(client, "maria@example.ru")
    return client, _csrf_of(await (await client.get("/appeals/new")).text())


async def test_an_over_limit_file_gets_the_form_back_with_what_was_typed(
    new_client: ClientFactory, maria: User, refs: Reference
) -> None:
    """The body is read to its end (the browser is still sending), then the page answers:
    413 with the form, every field kept, the consent after the file too."""
    client, csrf = await _signed_in_page(new_client)
    typed = "Во дворе 😀 не вывозят мусор."
    body = _multipart(
        refs, typed, [(b'filename="big.pdf"', PDF + bytes(25 * 2**20)), (b'filename="b.pdf"', PDF)]
    )
    body += b""  # the consent field is written before the files; move one after them:
    body = body.replace(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="consent"\r\n\r\non\r\n'.encode(),
        b"",
    ).replace(
        f"--{BOUNDARY}--".encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="consent"\r\n\r\non\r\n'
        f"--{BOUNDARY}--".encode(),
    )
    response = await client.post(
        f"/appeals/new?_csrf={csrf}",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status == 413
    page = await response.text()
    assert "Файлы больше 20 МБ в сумме." in page
    assert typed in page
    assert 'value="Протекает крыша"' in page
    assert re.search(r'id="consent"[^>]*checked', page), "fields after the file are kept too"
    listing = await (await client.get("/api/v1/appeals")).json()
    assert listing["total"] == 0


async def test_a_body_beyond_the_hard_cap_is_a_413_in_the_documented_shape(
    new_client: ClientFactory, maria: User
) -> None:
    """A declared length past the hard cap is answered at once, before any of it is read
    (a client that reads while sending gets it; the connection then closes)."""
    client = await new_client()
    csrf = await api_sign_in(client, "maria@example.ru")
    jar = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    cookie = "; ".join(f"{k}={v.value}" for k, v in jar.items())
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        (
            "POST /api/v1/appeals HTTP/1.1\r\n"
            f"Host: {client.host}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {100 * 2**20}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    assert head.startswith(b"HTTP/1.1 413 ")
    length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
    error = json.loads(await asyncio.wait_for(reader.readexactly(length), timeout=10))["error"]
    writer.close()
    assert error["code"] == "upload_too_large"
    assert "20 МБ" in error["message"]


async def test_the_text_limit_counts_characters_an_emoji_is_one(
    new_client: ClientFactory, maria: User, refs: Reference
) -> None:
    """The page counts code points (see static/js/appeal-form.js); so does the server,
    after the browser's CR LF line breaks are read as one character each."""
    client = await new_client()
    csrf = await api_sign_in(client, "maria@example.ru")
    fits = "😀" * 1989 + "\r\n" * 10
    assert len(fits.encode("utf-16-le")) // 2 > 2000, "over the limit in UTF-16 units"
    accepted = await _post(client, csrf, _multipart(refs, fits + "я", []))
    assert accepted.status == 201, await accepted.text()
    refused = await _post(client, csrf, _multipart(refs, fits + "я😀", []))
    assert refused.status == 422
    assert "2000" in (await refused.json())["error"]["message"]
