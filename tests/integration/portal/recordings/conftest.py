"""Recording fixtures: the portal app (with its own in-process job queue and real ffmpeg)
on SQLite, an ended reception with its host, moderator and a citizen who was on air,
small real media made with ffmpeg, and the upload as the page's form sends it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient

from config import Settings
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Reception, Seat
from portal.domain.roles import Role
from portal.http.recordings_request import FILES
from tests.integration.portal.appeals import conftest as appeals_fixtures
from tests.integration.portal.appeals.conftest import ClientFactory, Reference, add_user
from tests.integration.portal.receptions.conftest import csrf_of, signed_in
from tests.integration.portal.receptions.schedule_fixtures import preparing_appeal

# The appeals' fixtures, shared here: the app on SQLite, its clients and reference data,
# and both databases for the use cases.
any_db = appeals_fixtures.any_db
app = appeals_fixtures.app
app_db = appeals_fixtures.app_db
new_client = appeals_fixtures.new_client
refs = appeals_fixtures.refs

MAX_MB = 1
"""The upload limit in these tests (the setting's smallest), so "too large" is cheap."""


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(**{"recording.max_upload_mb": MAX_MB})


def make_mp4(path: Path, seconds: float = 3.0) -> Path:
    """A real H.264 + AAC mp4 (320x240, a test pattern and a tone), index first."""
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc=size=320x240:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", "-shortest",
            str(path),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def mp4_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_mp4(tmp_path_factory.mktemp("media") / "sample.mp4").read_bytes()


@dataclass
class Scene:
    app: web.Application
    db: Database
    reception: int
    """Ended, held by `host` with `moderator`; `citizen` had a seat with appeal `number`."""
    number: str
    people: dict[str, User]

    @property
    def published(self) -> Path:
        return self.app[FILES].published(self.reception)

    def left_on_disk(self) -> list[str]:
        folder = self.published
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


async def add_reception(
    db: Database, host: User, moderator: User, *, title: str, state: str, starts: datetime
) -> int:
    async with db.session() as session, session.begin():
        reception = Reception(
            title=title,
            description="",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            capacity=15,
            seats_taken=0,
            host_id=host.id,
            moderator_id=moderator.id,
            state=state,
            created_at=starts - timedelta(days=1),
            live_at=starts if state == "ended" else None,
            ended_at=starts + timedelta(hours=1) if state == "ended" else None,
        )
        session.add(reception)
    return reception.id


@pytest.fixture
async def scene(app: web.Application, app_db: Database, refs: Reference) -> Scene:
    people = {
        "host": await add_user(
            app_db, email="host@example.ru", login="host", roles=[Role.HOST], surname="Губернатор"
        ),
        "moderator": await add_user(
            app_db, email="mod@example.ru", login="moderator", roles=[Role.MODERATOR]
        ),
        "other_moderator": await add_user(
            app_db, email="mod2@example.ru", login="moderator2", roles=[Role.MODERATOR]
        ),
        "organizer": await add_user(
            app_db, email="org@example.ru", login="organizer", roles=[Role.ORGANIZER]
        ),
        "control": await add_user(
            app_db, email="ctl@example.ru", login="control", roles=[Role.CONTROL]
        ),
        "citizen": await add_user(
            app_db,
            email="ivanov@example.ru",
            roles=[Role.CITIZEN],
            surname="Иванов",
            name="Иван",
            patronymic="Ильич",
        ),
    }
    starts = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    reception = await add_reception(
        app_db,
        people["host"],
        people["moderator"],
        title="Прием по вопросам ЖКХ",
        state="ended",
        starts=starts,
    )
    appeal = await preparing_appeal(app_db, people["citizen"], refs, 123)
    async with app_db.session() as session, session.begin():
        session.add(Seat(reception_id=reception, appeal_id=appeal, state="attended"))
    return Scene(app, app_db, reception, "2026-000123", people)


async def staff_client(
    new_client: ClientFactory, scene: Scene, who: str = "moderator"
) -> tuple[TestClient[Any, Any], str]:
    """A signed-in client and the CSRF token its pages carry."""
    client = await signed_in(new_client, scene.people[who])
    page = await client.get("/staff")
    return client, csrf_of(await page.text())


async def send_upload(
    client: TestClient[Any, Any],
    reception: int,
    csrf: str,
    data: bytes,
    filename: str = "priem.mp4",
    back: str = "",
) -> tuple[int, str]:
    """«Выберите файл» → «Сохранить» as the form sends it; (status, the page it leads to)."""
    form = FormData()
    form.add_field("file", data, filename=filename, content_type="video/mp4")
    url = f"/staff/recordings/{reception}?_csrf={csrf}" + (f"&back={back}" if back else "")
    response = await client.post(url, data=form, allow_redirects=False)
    await response.read()
    if response.status != 303:
        return response.status, await response.text()
    page = await client.get(response.headers["Location"])
    return response.status, await page.text()
