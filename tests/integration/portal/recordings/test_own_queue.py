"""The portal mounted without a job queue (the portal alone) runs one of its own, started
with the app, converting uploads in process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from config import Settings
from portal import migrate
from portal.adapters.db import Database
from portal.http.recordings_request import JOBS
from portal.mount import setup_portal
from tests.helpers import wait_until
from tests.integration.portal.recordings.conftest import make_mp4
from transcoder.jobs import JobState
from transcoder.queue import JobQueue

pytestmark = pytest.mark.timeout(60)


async def test_without_a_queue_the_portal_converts_in_process(
    settings: Settings, tmp_path: Path
) -> None:
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    db = Database(settings.database_url)
    app = web.Application()
    setup_portal(app, settings, db)
    jobs = app[JOBS]
    assert isinstance(jobs, JobQueue)
    source = make_mp4(tmp_path / "clip.mp4", seconds=1)
    target = tmp_path / "clip.webm"
    server = TestServer(app)
    await server.start_server()
    try:
        await jobs.submit("convert_webm", {"source": str(source), "target": str(target)}, "c-1")

        async def done() -> bool:
            status = await jobs.status("c-1")
            assert status is not None
            assert status.state in (JobState.QUEUED, JobState.RUNNING, JobState.DONE), status
            return status.state is JobState.DONE

        await wait_until(done, timeout=30, interval=0.1)
        assert target.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"
    finally:
        await server.close()
        await db.close()
