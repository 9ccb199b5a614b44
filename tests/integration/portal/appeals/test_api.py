"""The whole appeal flow through the JSON API, bad uploads, and the walls between citizens."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient
from pypdf import PdfReader

from config import Settings
from portal import migrate
from portal.adapters.db import Database
from portal.adapters.mail import list_outbox
from portal.adapters.orm import User
from portal.domain.roles import Role
from portal.http.appeals_request import STORE
from portal.http.context import DATABASE
from portal.services.appeals_blobs import GRACE, collect
from reception.app import create_app
from tests.integration.portal.appeals.conftest import (
    PASSWORD,
    PDF,
    PNG,
    ClientFactory,
    MovableClock,
    Reference,
    add_reference,
    add_user,
    api_sign_in,
)

pytestmark = pytest.mark.timeout(60)
PROFILE = {
    "surname": "Смирнова",
    "name": "Анна",
    "patronymic": "Сергеевна",
    "birth_date": "1980-05-17",
    "phone": "+79120001122",
    "postal_index": "620000",
    "region": "Свердловская область",
    "city": "Екатеринбург",
    "street": "Ленина",
    "house": "1",
    "flat": "5",
    "snils": "112-233-445 95",
}


def appeal_form(
    refs: Reference, text: str = "Прошу отремонтировать крышу дома.", **files: bytes
) -> FormData:
    form = FormData()
    form.add_field("topic_id", str(refs.topic))
    form.add_field("municipality_id", str(refs.municipality))
    form.add_field("title", "Протекает крыша")
    form.add_field("address", "ул. Ленина, 1")
    form.add_field("text", text)
    form.add_field("consent", "on")
    for name, data in files.items():
        form.add_field("files", data, filename=name, content_type="application/octet-stream")
    return form


async def register_through_api(client: TestClient[Any, Any], settings: Settings) -> str:
    """Register, activate from the outbox letter, sign in, complete the profile."""
    csrf = (await (await client.get("/api/v1/session")).json())["csrf_token"]
    headers = {"X-CSRF-Token": csrf}
    question = (await (await client.get("/api/v1/human-check")).json())["question"]
    a, b = map(int, re.findall(r"\d+", question)[:2])
    registered = await client.post(
        "/api/v1/accounts/register",
        headers=headers,
        json={
            "surname": "Смирнова",
            "name": "Анна",
            "patronymic": "Сергеевна",
            "email": "anna@example.ru",
            "phone": "+7 912 000-11-22",
            "password": "Secret123",
            "password_again": "Secret123",
            "consent": True,
            "human_check": str(a + b),
        },
    )
    assert registered.status == 201, await registered.text()
    (letter,) = [m for m in list_outbox(settings.outbox_dir) if m.to == "anna@example.ru"]
    token = re.search(r"token=(\S+)", letter.text)
    assert token
    activated = await client.post(
        "/api/v1/accounts/activate", headers=headers, json={"token": token.group(1)}
    )
    assert activated.status == 200, await activated.text()
    signed_in = await client.post(
        "/api/v1/auth/login",
        headers=headers,
        json={"login": "anna@example.ru", "password": "Secret123"},
    )
    assert signed_in.status == 200
    csrf = (await signed_in.json())["csrf_token"]
    profile = await client.put("/api/v1/profile", headers={"X-CSRF-Token": csrf}, json=PROFILE)
    assert (await profile.json())["complete"] is True
    return str(csrf)


async def test_whole_flow_through_the_api(
    new_client: ClientFactory, settings: Settings, people: dict[str, User], refs: Reference
) -> None:
    citizen = await new_client()
    csrf = await register_through_api(citizen, settings)
    ref = await (await citizen.get("/api/v1/reference")).json()
    assert {t["id"] for t in ref["topics"]} == {refs.topic, refs.other_topic}
    assert ref["templates"] == [], "templates are for staff"

    filed = await citizen.post(
        "/api/v1/appeals",
        data=appeal_form(refs, **{"фото крыши.png": PNG, "акт.pdf": PDF}),
        headers={"X-CSRF-Token": csrf},
    )
    assert filed.status == 201, await filed.text()
    appeal = await filed.json()
    assert appeal["status"] == "new"
    assert appeal["status_label"] == "Новая"
    assert re.fullmatch(r"\d{4}-\d{6}", appeal["number"])
    assert appeal["time_left"].startswith("29 дней 23 час")
    assert [f["name"] for f in appeal["files"]] == ["фото крыши.png", "акт.pdf"]
    assert appeal["citizen"] is None
    png = await citizen.get(appeal["files"][0]["url"])
    assert await png.read() == PNG
    assert png.headers["Content-Type"] == "image/png"

    officer = await new_client()
    staff_csrf = await api_sign_in(officer, "officer", staff=True)
    h = {"X-CSRF-Token": staff_csrf}
    journal = await (await officer.get("/api/v1/staff/appeals?category=new")).json()
    assert [i["number"] for i in journal["items"]] == [appeal["number"]]
    assert journal["items"][0]["citizen"] == "Смирнова Анна Сергеевна"
    base = f"/api/v1/staff/appeals/{appeal['id']}"

    refused = await officer.post(f"{base}/start-work", headers=h, json={})
    assert refused.status == 422
    assert "СЭД" in (await refused.json())["error"]["message"]
    await officer.post(
        f"{base}/executing",
        headers=h,
        json={"department_id": refs.department, "sed_number": "01-02/345"},
    )
    started = await (
        await officer.post(f"{base}/start-work", headers=h, json={"comment": "в работу"})
    ).json()
    assert started["status"] == "in_work"
    assert started["executing"][0]["sed_number"] == "01-02/345"

    docs = FormData()
    docs.add_field("files", "Акт обследования кровли".encode(), filename="акт обследования.txt")
    uploaded = await officer.post(f"{base}/documents", data=docs, headers=h)
    assert uploaded.status == 201, await uploaded.text()
    (doc,) = (await uploaded.json())["documents"]
    flagged = await officer.patch(
        f"{base}/documents/{doc['id']}", headers=h, json={"attach_to_answer": True}
    )
    assert (await flagged.json())["documents"][0]["attach_to_answer"] is True

    text = (await (await officer.get(f"{base}/templates/{refs.template}")).json())["text"]
    assert f"№ {appeal['number']}" in text
    answered = await officer.post(
        f"{base}/answer",
        headers=h,
        json={"text": text + "Кровля отремонтирована.", "template_id": refs.template},
    )
    assert (await answered.json())["status"] == "answered"

    mine = await (await citizen.get(f"/api/v1/appeals/{appeal['id']}")).json()
    assert mine["status_label"] == "Дан ответ"
    assert [d["name"] for d in mine["documents"]] == ["акт обследования.txt"]
    assert [h["target"] for h in mine["history"]] == ["new", "in_work", "answered"]
    answer_pdf = await citizen.get(mine["answer"]["pdf_url"])
    assert answer_pdf.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(await answer_pdf.read()))
    assert "Кровля отремонтирована." in "".join(p.extract_text() for p in reader.pages)
    assert reader.attachments["акт обследования.txt"] == ["Акт обследования кровли".encode()]

    subjects = [m.subject for m in list_outbox(settings.outbox_dir) if m.to == "anna@example.ru"]
    assert f"Заявка № {appeal['number']}: В работе" in subjects
    assert f"Заявка № {appeal['number']}: Дан ответ" in subjects
    officer_mail = [
        m.subject for m in list_outbox(settings.outbox_dir) if m.to == "officer@example.ru"
    ]
    assert officer_mail == [f"Новая заявка № {appeal['number']}"]

    # Answered: nothing moves any more, and the refusal says why.
    again = await officer.post(f"{base}/recommend", headers=h, json={})
    assert again.status == 409
    error = (await again.json())["error"]
    assert error["code"] == "forbidden_transition"
    assert "«Дан ответ»" in error["message"]


async def _citizen(
    new_client: ClientFactory, login: str
) -> tuple[TestClient[Any, Any], dict[str, str]]:
    client = await new_client()
    return client, {"X-CSRF-Token": await api_sign_in(client, login)}


@pytest.mark.parametrize(
    ("files", "text", "status", "code", "message"),
    [
        (
            {"фото.png": PNG, "договор.pdf": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(200)},
            None,
            422,
            "unsupported_file",
            "PDF, RTF",
        ),
        ({"пусто.txt": b""}, None, 422, "empty_file", "пустой"),
        (
            {"большой.pdf": b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024)},
            None,
            413,
            "upload_too_large",
            "20 МБ",
        ),
        ({"фото.png": PNG}, "я" * 2001, 422, "invalid_input", "2000"),
    ],
    ids=["executable-renamed-pdf", "empty", "over-20-mb", "text-2001"],
)
async def test_bad_uploads_are_refused_and_nothing_is_filed(
    app: web.Application,
    clock: MovableClock,
    new_client: ClientFactory,
    people: dict[str, User],
    refs: Reference,
    settings: Settings,
    files: dict[str, bytes],
    text: str | None,
    status: int,
    code: str,
    message: str,
) -> None:
    client, h = await _citizen(new_client, "maria@example.ru")
    form = appeal_form(refs, **files) if text is None else appeal_form(refs, text, **files)
    response = await client.post("/api/v1/appeals", data=form, headers=h)
    assert response.status == status
    error = (await response.json())["error"]
    assert error["code"] == code
    assert message in error["message"]
    listing = await (await client.get("/api/v1/appeals")).json()
    assert listing["total"] == 0
    # Stored content may be shared with an upload in flight: only the collector removes
    # it, once nothing has used it for the grace period.
    clock.advance(GRACE + timedelta(seconds=1))
    await collect(app[DATABASE], app[STORE], clock.now())
    stored = (
        [p for p in settings.uploads_dir.rglob("*") if p.is_file()]
        if settings.uploads_dir.exists()
        else []
    )
    assert stored == [], "a refused upload leaves no file behind"


async def test_a_citizen_never_reaches_another_citizens_appeal(
    new_client: ClientFactory, people: dict[str, User], refs: Reference
) -> None:
    maria, mh = await _citizen(new_client, "maria@example.ru")
    filed = await (
        await maria.post("/api/v1/appeals", data=appeal_form(refs, **{"a.pdf": PDF}), headers=mh)
    ).json()
    file_url = filed["files"][0]["url"]
    petr, ph = await _citizen(new_client, "petr@example.ru")
    for path in (
        f"/api/v1/appeals/{filed['id']}",
        file_url,
        f"/api/v1/appeals/{filed['id']}/answer.pdf",
        f"/appeals/{filed['id']}",
        f"/appeals/{filed['id']}/files/{filed['files'][0]['id']}",
    ):
        response = await petr.get(path)
        assert response.status == 404, path
    withdraw = await petr.post(f"/api/v1/appeals/{filed['id']}/withdraw", headers=ph, json={})
    assert withdraw.status == 404
    assert (await (await petr.get("/api/v1/appeals")).json())["total"] == 0
    staff_only = await petr.get(f"/api/v1/staff/appeals/{filed['id']}/archive.zip")
    assert staff_only.status == 403
    # The owner still gets everything.
    assert (await maria.get(file_url)).status == 200
    withdrawn = await maria.post(
        f"/api/v1/appeals/{filed['id']}/withdraw", headers=mh, json={"comment": "решено"}
    )
    assert (await withdrawn.json())["status"] == "withdrawn"


async def test_openapi_describes_the_appeals_api(new_client: ClientFactory) -> None:
    client = await new_client()
    document = await (await client.get("/api/v1/openapi.json")).json()
    paths = document["paths"]
    assert "multipart/form-data" in paths["/api/v1/appeals"]["post"]["requestBody"]["content"]
    assert paths["/api/v1/appeals/{appeal_id}"]["get"]["x-roles"] == [
        "citizen",
        "control",
        "department",
        "organizer",
    ]
    assert (
        "application/pdf"
        in paths["/api/v1/appeals/{appeal_id}/answer.pdf"]["get"]["responses"]["200"]["content"]
    )
    assert "AppealDetail" in document["components"]["schemas"]


@pytest.mark.timeout(60)
async def test_a_200_mb_upload_is_cut_off_early(live_server: str, settings: Settings) -> None:
    """Against the real node: the server answers 413 after the 20 MB budget and closes the
    connection; the client never gets to send the rest of the 200 MB."""
    db = Database(settings.database_url)
    try:
        await add_user(db, email="big@example.ru", roles=[Role.CITIZEN])
        refs = await add_reference(db)
    finally:
        await db.close()
    sent = 0
    chunk = b"\0" * (1024 * 1024)

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b"%PDF-1.4\n"
        for _ in range(200):
            sent += len(chunk)
            yield chunk

    jar = aiohttp.CookieJar(unsafe=True)  # the server is an IP address
    async with aiohttp.ClientSession(base_url=live_server, cookie_jar=jar) as session:
        csrf = (await (await session.get("/api/v1/session")).json())["csrf_token"]
        login = await session.post(
            "/api/v1/auth/login",
            json={"login": "big@example.ru", "password": PASSWORD},
            headers={"X-CSRF-Token": csrf},
        )
        csrf = (await login.json())["csrf_token"]
        with aiohttp.MultipartWriter("form-data") as form:
            for name, value in (
                ("topic_id", str(refs.topic)),
                ("municipality_id", str(refs.municipality)),
                ("title", "Большой файл"),
                ("text", "Текст"),
                ("consent", "on"),
            ):
                form.append(value).set_content_disposition("form-data", name=name)
            form.append(body()).set_content_disposition(
                "form-data", name="files", filename="big.pdf"
            )
        try:
            response = await session.post(
                "/api/v1/appeals", data=form, headers={"X-CSRF-Token": csrf}
            )
            status = response.status
            assert (await response.json())["error"]["code"] == "upload_too_large"
        except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
            status = 413  # the server closed while we were still sending: cut off
    assert status == 413
    assert sent < 60 * 1024 * 1024, f"the client sent {sent} bytes before being cut off"
    files = [p for p in settings.uploads_dir.rglob("*") if p.is_file()]
    assert files == []


async def test_a_refusal_keeps_files_that_other_appeals_use(
    new_client: ClientFactory, people: dict[str, User], refs: Reference, settings: Settings
) -> None:
    client, h = await _citizen(new_client, "maria@example.ru")
    kept = await client.post("/api/v1/appeals", data=appeal_form(refs, **{"a.png": PNG}), headers=h)
    assert kept.status == 201
    refused = await client.post(
        "/api/v1/appeals", data=appeal_form(refs, "я" * 2001, **{"b.png": PNG}), headers=h
    )
    assert refused.status == 422
    file_url = (await kept.json())["files"][0]["url"]
    assert await (await client.get(file_url)).read() == PNG, "shared content is kept"
    stored = [p for p in settings.uploads_dir.rglob("*") if p.is_file()]
    assert len(stored) == 1


async def test_the_upload_limit_follows_the_settings(
    make_settings: Callable[..., Settings],
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> None:
    settings = make_settings(**{"storage.max_upload_mb": 1})
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    app = create_app(settings)
    await add_user(app[DATABASE], email="maria@example.ru", roles=[Role.CITIZEN])
    refs = await add_reference(app[DATABASE])
    client = await aiohttp_client(app)
    h = {"X-CSRF-Token": await api_sign_in(client, "maria@example.ru")}
    fits = await client.post(
        "/api/v1/appeals", data=appeal_form(refs, **{"a.pdf": PDF + bytes(900_000)}), headers=h
    )
    assert fits.status == 201
    too_big = await client.post(
        "/api/v1/appeals", data=appeal_form(refs, **{"b.pdf": PDF + bytes(1_100_000)}), headers=h
    )
    assert too_big.status == 413
    assert "1 МБ" in (await too_big.json())["error"]["message"]
