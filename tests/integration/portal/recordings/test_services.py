"""The upload use case on SQLite and PostgreSQL: first uploads for one reception at once
(each would insert the reception's row) leave one whole recording, its files and nothing
else, which the progress then publishes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from config import Settings
from portal.adapters.clock import Clock
from portal.adapters.db import Database
from portal.adapters.recording_files import RecordingFiles
from portal.adapters.recordings_orm import Recording
from portal.domain.roles import Role
from portal.services import recordings_progress, recordings_upload
from portal.services.recordings import RecordingsDeps
from tests.helpers import wait_until
from tests.integration.portal.appeals.conftest import add_user
from tests.integration.portal.recordings.conftest import add_reception
from transcoder.queue import job_queue_for

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def deps(
    any_db: Database, settings: Settings, tmp_path: Path
) -> AsyncIterator[RecordingsDeps]:
    jobs = job_queue_for(settings, registry=CollectorRegistry())
    await jobs.start(worker=True)
    yield RecordingsDeps(any_db, Clock(), jobs, RecordingFiles(tmp_path / "rec"), 1 << 20)
    await jobs.close()


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 64 * 1024):
        yield data[start : start + 64 * 1024]
        await asyncio.sleep(0)


async def test_uploads_at_once_leave_one_recording(
    deps: RecordingsDeps, any_db: Database, mp4_bytes: bytes
) -> None:
    host = await add_user(any_db, email="h@example.ru", login="h", roles=[Role.HOST])
    moderator = await add_user(any_db, email="m@example.ru", login="m", roles=[Role.MODERATOR])
    reception = await add_reception(
        any_db,
        host,
        moderator,
        title="Прием",
        state="ended",
        starts=datetime.now(UTC) - timedelta(hours=2),
    )
    accepted = await asyncio.gather(
        *(
            recordings_upload.upload(deps, reception, who, f"{n}.mp4", _chunks(mp4_bytes))
            for n, who in enumerate((host, moderator, host, moderator))
        )
    )
    generations = {a.generation for a in accepted}
    assert len(generations) == 4

    async def published() -> bool:
        progress = await recordings_progress.advance(deps, reception)
        assert progress.state is not None
        assert progress.state.value in ("converting", "published"), progress
        return progress.state.value == "published"

    await wait_until(published, timeout=60, interval=0.2)
    async with any_db.session() as session:
        row = await session.get(Recording, reception)
    assert row is not None
    winner = (row.mp4_name or "").removesuffix(".mp4")
    assert winner in generations
    folder = deps.files.published(reception)
    await recordings_progress.tidy(deps)
    assert sorted(p.name for p in folder.iterdir()) == [f"{winner}.mp4", f"{winner}.webm"]
