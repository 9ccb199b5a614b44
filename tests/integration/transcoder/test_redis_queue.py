"""The scaled-out queue on a real Redis: jobs cross processes, a SIGKILLed worker's job is
taken over by another, attempts are bounded, and a cancel reaches another process's ffmpeg.

Each test has its own key prefix (stream, group, job hashes) and workers with a 1.5 s idle
timeout (tests/integration/transcoder/worker.py), so a reclaim takes seconds."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from config import Settings
from tests.unit.transcoder.helpers import wait_for
from transcoder.jobs import JobState, JobStatus
from transcoder.queue import JobQueue, job_queue_for

pytestmark = [pytest.mark.redis, pytest.mark.timeout(40)]

ROOT = Path(__file__).resolve().parents[3]


class Workers:
    """Worker processes, each its own process group so a kill takes its ffmpeg too."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self.procs: list[asyncio.subprocess.Process] = []

    async def spawn(self, max_attempts: int = 3) -> asyncio.subprocess.Process:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.integration.transcoder.worker",
            self.redis_url, self.prefix, "--max-attempts", str(max_attempts),
            cwd=ROOT, stdout=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        self.procs.append(proc)
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 20)
        assert line.strip() == b"ready", line
        return proc

    @staticmethod
    async def kill(proc: asyncio.subprocess.Process) -> None:
        """SIGKILL the worker and its ffmpeg: as if its machine died."""
        os.killpg(proc.pid, signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 5)

    async def close(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                await self.kill(proc)


@pytest.fixture
def prefix() -> str:
    return f"test:transcoder:{uuid.uuid4().hex[:10]}"


@pytest.fixture
def redis_settings(make_settings: Callable[..., Settings], redis_url: str) -> Settings:
    return make_settings(**{"redis.url": redis_url, "transcoder.max_attempts": 2})


@pytest.fixture
async def client(redis_settings: Settings, prefix: str, redis_url: str) -> AsyncIterator[JobQueue]:
    """A queue that only submits and watches, as the portal does."""
    jobs = job_queue_for(redis_settings, registry=CollectorRegistry(), prefix=prefix)
    await jobs.start(worker=False)
    yield jobs
    await jobs.close()
    redis = aioredis.from_url(redis_url)
    try:
        keys = [key async for key in redis.scan_iter(f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


@pytest.fixture
async def workers(redis_url: str, prefix: str) -> AsyncIterator[Workers]:
    pool = Workers(redis_url, prefix)
    yield pool
    await pool.close()


def running_attempt(attempt: int) -> Callable[[JobStatus], bool]:
    return lambda s: s.state is JobState.RUNNING and s.attempts == attempt and s.progress > 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


async def test_a_job_runs_in_another_process(client: JobQueue, workers: Workers) -> None:
    await workers.spawn()
    job_id = await client.submit("ffmpeg", {"seconds": 1})
    status = await wait_for(client, job_id, lambda s: s.finished)
    assert status.state is JobState.DONE, status.error
    assert (status.progress, status.attempts, status.result) == (1.0, 1, {"attempt": 1})


async def test_a_job_queued_before_any_worker_is_still_run(
    client: JobQueue, workers: Workers
) -> None:
    job_id = await client.submit("ffmpeg", {"seconds": 0.5})
    assert (await client.status(job_id)).state is JobState.QUEUED  # type: ignore[union-attr]
    await workers.spawn()
    assert (await wait_for(client, job_id, lambda s: s.finished)).state is JobState.DONE


async def test_a_killed_workers_job_is_finished_by_another(
    client: JobQueue, workers: Workers
) -> None:
    first = await workers.spawn()
    job_id = await client.submit("ffmpeg", {"seconds": 3})
    await wait_for(client, job_id, running_attempt(1))
    await workers.kill(first)
    await workers.spawn()
    status = await wait_for(client, job_id, lambda s: s.finished, timeout=20)
    assert status.state is JobState.DONE, status.error
    assert status.attempts == 2
    assert status.result == {"attempt": 2}


async def test_a_job_killed_every_time_fails_after_max_attempts(
    client: JobQueue, workers: Workers
) -> None:
    job_id = await client.submit("ffmpeg", {"seconds": 30})
    for attempt in (1, 2):
        worker = await workers.spawn(max_attempts=2)
        await wait_for(client, job_id, running_attempt(attempt), timeout=20)
        await workers.kill(worker)
    await workers.spawn(max_attempts=2)
    status = await wait_for(client, job_id, lambda s: s.finished, timeout=20)
    assert status.state is JobState.FAILED
    assert status.attempts == 2
    assert status.error == (
        "the worker running this job stopped (killed or crashed) 2 times; giving up"
    )


async def test_cancel_from_another_process_kills_the_running_ffmpeg(
    client: JobQueue, workers: Workers
) -> None:
    worker = await workers.spawn()
    job_id = await client.submit("ffmpeg", {"seconds": 60})
    await wait_for(client, job_id, running_attempt(1))
    [ffmpeg_pid] = children(worker.pid)
    assert await client.cancel(job_id) is True
    status = await wait_for(client, job_id, lambda s: s.finished, timeout=5)
    assert status.state is JobState.CANCELLED
    assert children(worker.pid) == []
    assert not Path(f"/proc/{ffmpeg_pid}").exists()
    # The worker is free again.
    again = await client.submit("ffmpeg", {"seconds": 0.5})
    assert (await wait_for(client, again, lambda s: s.finished)).state is JobState.DONE


async def test_cancel_of_a_queued_job_means_no_worker_runs_it(
    client: JobQueue, workers: Workers
) -> None:
    job_id = await client.submit("ffmpeg", {"seconds": 30})
    assert await client.cancel(job_id) is True
    await workers.spawn()
    after = await client.submit("ffmpeg", {"seconds": 0.3})
    assert (await wait_for(client, after, lambda s: s.finished)).state is JobState.DONE
    status = await client.status(job_id)
    assert status is not None
    assert (status.state, status.attempts) == (JobState.CANCELLED, 0)


async def test_a_stopping_worker_gives_its_job_back(client: JobQueue, workers: Workers) -> None:
    """SIGTERM (a deploy): ffmpeg stops, the attempt is not spent, another worker takes it."""
    first = await workers.spawn()
    job_id = await client.submit("ffmpeg", {"seconds": 30})
    await wait_for(client, job_id, running_attempt(1))
    first.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(first.wait(), 10) == 0
    status = await client.status(job_id)
    assert status is not None
    assert (status.state, status.attempts) == (JobState.QUEUED, 0)
    await workers.spawn()
    await wait_for(client, job_id, running_attempt(1), timeout=20)
    await client.cancel(job_id)
    status = await wait_for(client, job_id, lambda s: s.finished)
    assert (status.state, status.attempts) == (JobState.CANCELLED, 1)


async def test_a_live_workers_long_job_is_not_taken_over(
    client: JobQueue, workers: Workers
) -> None:
    """Its heartbeat keeps the entry fresh: a job three idle timeouts long, with an idle
    worker beside it, still runs once."""
    await workers.spawn()
    job_id = await client.submit("ffmpeg", {"seconds": 4.5})
    await wait_for(client, job_id, running_attempt(1))
    await workers.spawn()
    status = await wait_for(client, job_id, lambda s: s.finished, timeout=20)
    assert (status.state, status.attempts, status.result) == (JobState.DONE, 1, {"attempt": 1})
