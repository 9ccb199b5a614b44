"""Who reaches what: only the reception's own staff (its host, its moderator, an
organizer) see «Доступные записи», download, upload and withdraw; other staff and
citizens are refused; a recording not published is missing for everyone; anonymous
visitors are sent to sign in."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from portal.adapters.recordings_orm import Recording
from portal.http.recordings_request import FILES, JOBS
from tests.helpers import wait_until
from tests.integration.portal.appeals.conftest import ClientFactory
from tests.integration.portal.recordings.conftest import (
    Scene,
    add_reception,
    send_upload,
    staff_client,
)

pytestmark = pytest.mark.timeout(120)
COMPOSED = "reception.mp4"
PARTICIPANT = "participants/7-ivanov.webm"


def write_composition(scene: Scene, files: dict[str, bytes]) -> Path:
    """The composition's files and its manifest, as the compose job leaves them."""
    composed = scene.app[FILES].composed(scene.reception)
    for name, data in files.items():
        (composed / name).parent.mkdir(parents=True, exist_ok=True)
        (composed / name).write_bytes(data)
    entries = [
        {
            "name": name,
            "kind": "composed" if name == COMPOSED else "participant",
            "participant_id": None if name == COMPOSED else "7",
            "participant_name": "" if name == COMPOSED else "Иванов Иван Ильич",
            "role": None if name == COMPOSED else "citizen",
            "media": "audio+video",
            "bytes": len(data),
            "duration_s": 3.0,
        }
        for name, data in files.items()
    ]
    manifest = {
        "reception_id": str(scene.reception),
        "composed_at": 0.0,
        "duration_s": 3.0,
        "files": entries,
    }
    (composed / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return composed


async def test_available_recordings_are_for_the_receptions_staff_only(
    scene: Scene, new_client: ClientFactory
) -> None:
    composed = write_composition(scene, {COMPOSED: b"composed-mp4", PARTICIPANT: b"webm"})
    (composed / "secret.mp4").write_bytes(b"not listed")
    base = f"/staff/recordings/{scene.reception}"

    for who in ("host", "moderator", "organizer"):
        client, _ = await staff_client(new_client, scene, who)
        page_url = f"/staff/receptions/{scene.reception}" if who == "organizer" else base
        page = await (await client.get(page_url)).text()
        assert "Доступные записи" in page, who
        assert f'href="{base}/files/participants/7-ivanov.webm"' in page, who
        assert "Иванов Иван Ильич" in page, who
        whole = await client.get(f"{base}/files/{COMPOSED}")
        assert whole.status == 200, who
        assert await whole.read() == b"composed-mp4"
        assert whole.headers["Content-Disposition"] == "attachment; filename*=UTF-8''reception.mp4"
        part = await client.get(f"{base}/files/{PARTICIPANT}", headers={"Range": "bytes=1-2"})
        assert part.status == 206
        assert await part.read() == b"eb"
        for odd in (
            "secret.mp4",
            "manifest.json",
            "..%2F..%2Ftimeline.jsonl",
            "x%2F..%2Freception.mp4",
        ):
            assert (await client.get(f"{base}/files/{odd}")).status == 404, odd

    # «Подробнее» → «Редактировать» leads the host and the moderator here.
    host, _ = await staff_client(new_client, scene, "host")
    details = await (await host.get(f"/receptions/{scene.reception}")).text()
    assert f'href="{base}">Редактировать' in details

    other, csrf = await staff_client(new_client, scene, "other_moderator")
    assert (await other.get(base)).status == 403
    assert (await other.get(f"{base}/files/{COMPOSED}")).status == 403
    assert (await other.get(f"/api/v1/staff/recordings/{scene.reception}")).status == 403
    status, _ = await send_upload(other, scene.reception, csrf, b"anything")
    assert status == 403
    withdraw = await other.post(f"{base}/withdraw", data={"_csrf": csrf}, allow_redirects=False)
    assert withdraw.status == 403
    assert scene.left_on_disk() == []

    for who in ("control", "citizen"):
        client, csrf = await staff_client(new_client, scene, who)
        assert (await client.get(base)).status == 403, who
        assert (await client.get(f"{base}/files/{COMPOSED}")).status == 403, who
        status, _ = await send_upload(client, scene.reception, csrf, b"anything")
        assert status == 403, who

    anonymous = await new_client()
    response = await anonymous.get(f"{base}/files/{COMPOSED}", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/staff/login?next=")


@pytest.mark.parametrize("state", ["converting", "failed", "withdrawn"])
async def test_a_recording_not_published_is_missing_for_everyone(
    scene: Scene, new_client: ClientFactory, state: str
) -> None:
    folder = scene.published
    folder.mkdir(parents=True)
    generation = "a" * 32
    for suffix in ("mp4", "webm"):
        (folder / f"{generation}.{suffix}").write_bytes(b"media")
    async with scene.db.session() as session, session.begin():
        session.add(
            Recording(
                reception_id=scene.reception,
                title="Прием по вопросам ЖКХ",
                search_title="прием по вопросам жкх",
                held_at=datetime.now(UTC),
                state=state,
                mp4_name=f"{generation}.mp4",
                webm_name=f"{generation}.webm",
                size_bytes=5,
                duration_s=3.0,
                job_id=f"convert-{scene.reception}-{generation}",
                uploaded_at=datetime.now(UTC),
            )
        )
    one = f"/recordings/{scene.reception}"
    for who in ("citizen", "moderator"):
        client, _ = await staff_client(new_client, scene, who)
        for path in (one, f"{one}/video.webm", f"{one}/video.mp4", f"{one}/chapters.vtt"):
            assert (await client.get(path)).status == 404, (who, path)
        assert (await client.get(f"/api/v1{one}")).status == 404
        assert "Прием по вопросам ЖКХ" not in await (await client.get("/recordings")).text()
        listed = await (await client.get("/api/v1/recordings")).json()
        assert listed["total"] == 0


async def test_anonymous_visitors_are_sent_to_sign_in(new_client: ClientFactory) -> None:
    client = await new_client()
    for path in ("/recordings", "/recordings/1", "/recordings/1/video.webm"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"].startswith("/login?next="), path
    assert (await client.get("/api/v1/recordings")).status == 401


async def test_nothing_is_uploaded_before_the_reception_has_ended(
    scene: Scene, new_client: ClientFactory, mp4_bytes: bytes
) -> None:
    planned = await add_reception(
        scene.db,
        scene.people["host"],
        scene.people["moderator"],
        title="Будущий прием",
        state="planned",
        starts=datetime.now(UTC).replace(year=datetime.now(UTC).year + 1),
    )
    client, csrf = await staff_client(new_client, scene, "moderator")
    page = await (await client.get(f"/staff/recordings/{planned}")).text()
    assert "Записи появятся после окончания приема." in page
    assert 'name="file"' not in page
    status, page = await send_upload(client, planned, csrf, mp4_bytes)
    assert status == 303
    assert "Запись можно загрузить после окончания приема." in page
    assert not scene.app[FILES].published(planned).exists()


async def test_a_failed_composition_is_said_so(scene: Scene, new_client: ClientFactory) -> None:
    """A composition of a folder with nothing recorded fails, as a broken one would."""
    jobs = scene.app[JOBS]
    job = f"compose-{scene.reception}"
    folder = str(scene.app[FILES].folder(scene.reception))
    await jobs.submit("compose", {"folder": folder, "threads": 0}, job_id=job)

    async def finished() -> bool:
        status = await jobs.status(job)
        return status is not None and status.finished

    await wait_until(finished, timeout=10)
    client, _ = await staff_client(new_client, scene, "moderator")
    page = await (await client.get(f"/staff/recordings/{scene.reception}")).text()
    assert "Не удалось собрать запись приема." in page
