"""«Записи приемов»: search by title words and by the reception's local date, paging, and
the chapters track built from the timeline and the reception's seats."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from portal.adapters.recordings_orm import Recording
from portal.http.recordings_request import FILES
from portal.services.recordings_archive import PER_PAGE
from tests.integration.portal.appeals.conftest import ClientFactory
from tests.integration.portal.recordings.conftest import Scene, add_reception, staff_client

pytestmark = pytest.mark.timeout(120)
MSK = timedelta(hours=3)
"""The reception's clock in these tests (server.time_zone, Europe/Moscow)."""


async def _published(scene: Scene, reception: int, title: str, held_at: datetime) -> None:
    async with scene.db.session() as session, session.begin():
        session.add(
            Recording(
                reception_id=reception,
                title=title,
                search_title=title.casefold(),
                held_at=held_at,
                state="published",
                mp4_name="b" * 32 + ".mp4",
                webm_name="b" * 32 + ".webm",
                size_bytes=1,
                duration_s=125.0,
                uploaded_at=held_at,
                published_at=held_at,
            )
        )


async def _archive(scene: Scene, new_client: ClientFactory, query: str) -> list[str]:
    client, _ = await staff_client(new_client, scene, "citizen")
    page = await (await client.get(f"/recordings{query}")).text()
    return [line.split(">")[1].split("<")[0] for line in page.split('<a href="/recordings/')[1:]]


async def test_search_by_title_words_and_local_dates(
    scene: Scene, new_client: ClientFactory
) -> None:
    host, moderator = scene.people["host"], scene.people["moderator"]
    # 23:30 Moscow on 10 March is 20:30 UTC: the local date is what the search means.
    late = datetime(2026, 3, 10, 20, 30, tzinfo=UTC)
    early = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
    titles = {
        "Прием по вопросам ЖКХ Екатеринбурга": late,
        "Дороги и ЖКХ: прием губернатора": early,
        "Прием по вопросам здравоохранения": datetime(2026, 4, 2, 9, 0, tzinfo=UTC),
    }
    for title, held_at in titles.items():
        reception = await add_reception(
            scene.db, host, moderator, title=title, state="ended", starts=held_at
        )
        await _published(scene, reception, title, held_at)

    everything = await _archive(scene, new_client, "")
    assert everything == [
        "Прием по вопросам здравоохранения",
        "Дороги и ЖКХ: прием губернатора",
        "Прием по вопросам ЖКХ Екатеринбурга",
    ], "newest first"
    # Words in any case and order, all of them.
    assert await _archive(scene, new_client, "?q=жкх+ПРИЕМ") == everything[1:]
    assert await _archive(scene, new_client, "?q=екатеринбург+жкх") == [everything[2]]
    assert await _archive(scene, new_client, "?q=50%25") == []
    assert await _archive(scene, new_client, "?from=2026-03-10&to=2026-03-10") == [everything[2]]
    assert await _archive(scene, new_client, "?from=2026-03-11") == everything[:2]
    assert await _archive(scene, new_client, "?to=2026-03-11&q=прием") == everything[1:]
    assert await _archive(scene, new_client, "?from=не-дата") == everything

    client, _ = await staff_client(new_client, scene, "citizen")
    api = await (await client.get("/api/v1/recordings?q=жкх&date_from=2026-03-11")).json()
    assert [item["title"] for item in api["items"]] == [everything[1]]
    assert api["items"][0]["webm_url"].endswith("/video.webm")


async def test_the_archive_pages(scene: Scene, new_client: ClientFactory) -> None:
    host, moderator = scene.people["host"], scene.people["moderator"]
    start = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    for n in range(PER_PAGE + 1):
        held_at = start + timedelta(days=n)
        title = f"Прием {n:02d}"
        reception = await add_reception(
            scene.db, host, moderator, title=title, state="ended", starts=held_at
        )
        await _published(scene, reception, title, held_at)
    first = await _archive(scene, new_client, "")
    second = await _archive(scene, new_client, "?page=2")
    assert len(first) == PER_PAGE
    assert second == ["Прием 00"]
    assert await _archive(scene, new_client, "?page=99") == second, "clamped to the last"


async def test_chapters_name_each_citizen_on_air_with_their_appeal(
    scene: Scene, new_client: ClientFactory
) -> None:
    """The timeline as the node writes it: live at t0, the citizen on air from +5 s to
    +65 s, a host stretch (no chapter), a second stretch cut by the end."""
    citizen = scene.people["citizen"]
    held_at = datetime.now(UTC) - timedelta(hours=3)
    await _published(scene, scene.reception, "Прием по вопросам ЖКХ", held_at)
    t0 = 1_700_000_000.0
    host = str(scene.people["host"].id)
    events = [
        {"kind": "live", "reception_id": str(scene.reception), "at": t0},
        {"kind": "joined", "at": t0 + 1, "user_id": str(citizen.id), "role": "citizen"},
        {"kind": "on_air", "at": t0 + 2, "user_id": host, "role": "host",
         "detail": {"on_air": True}},
        {"kind": "on_air", "at": t0 + 5, "user_id": str(citizen.id), "role": "citizen",
         "detail": {"on_air": True}},
        {"kind": "on_air", "at": t0 + 65.5, "user_id": str(citizen.id), "role": "citizen",
         "detail": {"on_air": False}},
        {"kind": "on_air", "at": t0 + 100, "user_id": str(citizen.id), "role": "citizen",
         "detail": {"on_air": True}},
        {"kind": "ended", "at": t0 + 200},
    ]  # fmt: skip
    folder = scene.app[FILES].folder(scene.reception)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(e, ensure_ascii=False) for e in events]
    (folder / "timeline.jsonl").write_text("\n".join(lines) + '\n{"kind": "on_a', "utf-8")

    client, _ = await staff_client(new_client, scene, "citizen")
    response = await client.get(f"/recordings/{scene.reception}/chapters.vtt")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/vtt; charset=utf-8"
    title = f"Иванов И. И. — обращение № {scene.number}: Жилищно-коммунальное хозяйство"
    assert await response.text() == (
        "WEBVTT\n\n"
        f"chapter-1\n00:00:05.000 --> 00:01:05.500\n{title}\n\n"
        f"chapter-2\n00:01:40.000 --> 00:02:05.000\n{title}\n"
    ), "the second stretch is cut at the recording's end (125 s)"
    player = await (await client.get(f"/recordings/{scene.reception}")).text()
    assert f"0:00:05</span> {title}" in player
