"""«Выберите файл» → «Сохранить» over HTTP with the real job queue and real ffmpeg: what is
refused (and that nothing is left on disk), the path to «Опубликовано», a replacement
while converting, two uploads at once, and «Снять с публикации»."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from portal.adapters.recordings_orm import Recording
from portal.http.recordings_request import JOBS
from tests.helpers import wait_until
from tests.integration.portal.appeals.conftest import ClientFactory
from tests.integration.portal.recordings.conftest import MAX_MB, Scene, send_upload, staff_client

pytestmark = pytest.mark.timeout(120)


async def _row(scene: Scene) -> Recording | None:
    async with scene.db.session() as session:
        return await session.get(Recording, scene.reception)


async def _progress(client: TestClient[Any, Any], reception: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/staff/recordings/{reception}")
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def _published(client: TestClient[Any, Any], reception: int) -> dict[str, Any]:
    async def done() -> dict[str, Any]:
        body = await _progress(client, reception)
        assert body["state"] in ("converting", "published"), body
        return body if body["state"] == "published" else {}

    result: dict[str, Any] = await wait_until(done, timeout=60, interval=0.2)
    return result


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("notes.mp4", "Протокол приема.\n".encode() * 200, "a renamed text file"),
        ("cut.mp4", None, "a truncated mp4"),
        ("empty.mp4", b"", "an empty file"),
    ],
)
async def test_what_is_not_a_whole_mp4_with_video_is_refused_and_nothing_stays(
    scene: Scene,
    new_client: ClientFactory,
    mp4_bytes: bytes,
    name: str,
    content: bytes | None,
    why: str,
) -> None:
    client, csrf = await staff_client(new_client, scene)
    data = mp4_bytes[: len(mp4_bytes) * 2 // 3] if content is None else content
    status, page = await send_upload(client, scene.reception, csrf, data, filename=name)
    assert status == 303, why
    assert f"Файл «{name}»" in page, why
    assert "Выберите файл mp4 с видео" in page or "пустой" in page, why
    assert scene.left_on_disk() == [], why
    assert await _row(scene) is None, why


async def test_a_file_over_the_limit_is_refused_with_the_limit_named(
    scene: Scene, new_client: ClientFactory
) -> None:
    client, csrf = await staff_client(new_client, scene)
    too_big = b"\0" * (MAX_MB * 1024 * 1024 + 1)
    status, page = await send_upload(client, scene.reception, csrf, too_big)
    assert status == 303
    assert f"Файл больше {MAX_MB} МБ" in page
    assert scene.left_on_disk() == []
    assert await _row(scene) is None


async def test_a_streamed_body_over_the_limit_leaves_nothing(
    scene: Scene, new_client: ClientFactory
) -> None:
    """No Content-Length (chunked): the limit is found while writing, the part removed."""
    client, csrf = await staff_client(new_client, scene)
    boundary = "recordingboundary"

    async def body() -> Any:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"'
            "\r\nContent-Type: video/mp4\r\n\r\n"
        ).encode()
        for _ in range(MAX_MB * 4 + 1):
            yield b"\0" * 256 * 1024
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await client.post(
        f"/staff/recordings/{scene.reception}?_csrf={csrf}",
        data=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        allow_redirects=False,
    )
    assert response.status == 303
    page = await (await client.get(response.headers["Location"])).text()
    assert f"Файл больше {MAX_MB} МБ" in page
    assert scene.left_on_disk() == []


async def test_a_declared_length_over_the_limit_is_refused_before_reading(
    scene: Scene, new_client: ClientFactory
) -> None:
    client, csrf = await staff_client(new_client, scene)
    status, page = await send_upload(client, scene.reception, csrf, b"\0" * (MAX_MB * 2 << 20))
    assert status == 303
    assert f"Файл больше {MAX_MB} МБ" in page
    assert scene.left_on_disk() == []


async def test_an_upload_cut_off_midway_leaves_nothing(
    scene: Scene, new_client: ClientFactory
) -> None:
    """The browser closed mid-upload: the part file goes with the connection."""
    client, csrf = await staff_client(new_client, scene)
    cookies = "; ".join(f"{c.key}={c.value}" for c in client.session.cookie_jar)
    boundary = "cutboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.mp4"'
        "\r\nContent-Type: video/mp4\r\n\r\n"
    ).encode()
    _, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        (
            f"POST /staff/recordings/{scene.reception}?_csrf={csrf} HTTP/1.1\r\n"
            f"Host: {client.host}\r\nCookie: {cookies}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(head) + 900_000}\r\n\r\n"
        ).encode()
        + head
        + b"\0" * 300_000
    )
    await writer.drain()
    await wait_until(
        lambda: any(n.endswith(".part") for n in scene.left_on_disk()),
        timeout=10,
        message="the upload being received",
    )
    writer.close()
    await wait_until(lambda: scene.left_on_disk() == [], timeout=10, message="the part removed")
    assert await _row(scene) is None


async def test_upload_converts_and_publishes_with_both_sources(
    scene: Scene, new_client: ClientFactory, mp4_bytes: bytes
) -> None:
    client, csrf = await staff_client(new_client, scene)
    status, page = await send_upload(client, scene.reception, csrf, mp4_bytes)
    assert status == 303
    assert "Идет преобразование в формат webm" in page
    row = await _row(scene)
    assert row is not None
    assert row.state in ("converting", "published")
    assert row.size_bytes == len(mp4_bytes)
    assert 2.5 < row.duration_s < 3.5

    body = await _published(client, scene.reception)
    assert body["percent"] == 100
    assert body["label"] == "Опубликовано"
    generation = row.mp4_name.removesuffix(".mp4") if row.mp4_name else ""
    assert scene.left_on_disk() == [f"{generation}.mp4", f"{generation}.webm"]

    citizen = await staff_client(new_client, scene, "citizen")
    viewer = citizen[0]
    player = await (await viewer.get(f"/recordings/{scene.reception}")).text()
    media = f"/recordings/{scene.reception}/video"
    assert f'<source src="{media}.webm" type="video/webm">' in player
    assert f'<source src="{media}.mp4" type="video/mp4">' in player
    assert 'kind="chapters" srclang="ru"' in player
    webm = await viewer.get(f"/recordings/{scene.reception}/video.webm")
    assert webm.status == 200
    assert webm.headers["Content-Type"] == "video/webm"
    assert (await webm.read())[:4] == b"\x1a\x45\xdf\xa3"  # EBML: a WebM file
    part = await viewer.get(
        f"/recordings/{scene.reception}/video.mp4", headers={"Range": "bytes=4-11"}
    )
    assert part.status == 206
    assert await part.read() == mp4_bytes[4:12]
    archive = await (await viewer.get("/recordings")).text()
    assert "Прием по вопросам ЖКХ" in archive
    details = await (await viewer.get(f"/receptions/{scene.reception}")).text()
    assert f'href="/recordings/{scene.reception}">Смотреть запись приема' in details


async def test_a_new_upload_while_converting_replaces_the_first(
    scene: Scene, new_client: ClientFactory, mp4_bytes: bytes
) -> None:
    client, csrf = await staff_client(new_client, scene)
    await send_upload(client, scene.reception, csrf, mp4_bytes)
    first = await _row(scene)
    assert first is not None
    await send_upload(client, scene.reception, csrf, mp4_bytes, filename="second.mp4")
    second = await _row(scene)
    assert second is not None
    assert second.job_id != first.job_id
    await _published(client, scene.reception)
    old = await scene.app[JOBS].status(first.job_id or "")
    assert old is not None
    assert old.finished
    generation = (second.mp4_name or "").removesuffix(".mp4")
    await wait_until(
        lambda: scene.left_on_disk() == [f"{generation}.mp4", f"{generation}.webm"],
        timeout=10,
        message="only the second upload's files",
    )


async def test_two_uploads_at_once_leave_one_whole_recording(
    scene: Scene, new_client: ClientFactory, mp4_bytes: bytes
) -> None:
    moderator, csrf_m = await staff_client(new_client, scene, "moderator")
    host, csrf_h = await staff_client(new_client, scene, "host")
    results = await asyncio.gather(
        send_upload(moderator, scene.reception, csrf_m, mp4_bytes, filename="a.mp4"),
        send_upload(host, scene.reception, csrf_h, mp4_bytes, filename="b.mp4"),
    )
    assert [status for status, _ in results] == [303, 303]
    await _published(moderator, scene.reception)
    row = await _row(scene)
    assert row is not None
    generation = (row.mp4_name or "").removesuffix(".mp4")
    await wait_until(
        lambda: scene.left_on_disk() == [f"{generation}.mp4", f"{generation}.webm"],
        timeout=10,
        message="the winner's files and nothing else",
    )
    webm = await moderator.get(f"/recordings/{scene.reception}/video.webm")
    assert webm.status == 200


async def test_withdraw_removes_the_files_and_the_archive_entry(
    scene: Scene, new_client: ClientFactory, mp4_bytes: bytes
) -> None:
    client, csrf = await staff_client(new_client, scene, "organizer")
    await send_upload(client, scene.reception, csrf, mp4_bytes, back="manage")
    await _published(client, scene.reception)
    manage = await (await client.get(f"/staff/receptions/{scene.reception}")).text()
    assert "Доступные записи" in manage
    assert "Снять с публикации" in manage
    response = await client.post(
        f"/staff/recordings/{scene.reception}/withdraw?back=manage",
        data={"_csrf": csrf},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == f"/staff/receptions/{scene.reception}#recording"
    page = await (await client.get(response.headers["Location"])).text()
    assert "Запись снята с публикации." in page
    assert scene.left_on_disk() == []
    row = await _row(scene)
    assert row is not None
    assert row.state == "withdrawn"
    assert (await client.get(f"/recordings/{scene.reception}")).status == 404
    assert (await client.get(f"/recordings/{scene.reception}/video.webm")).status == 404
    assert "Прием по вопросам ЖКХ" not in await (await client.get("/recordings")).text()
