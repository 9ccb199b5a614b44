"""The embedded queue (taskiq's InMemoryBroker): jobs run in this process, with progress,
cancellation, idempotent submission, kept failures and a per-job timeout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import av
import pytest
from prometheus_client import CollectorRegistry

from config import Settings
from tests.unit.transcoder.helpers import make_clip, wait_for
from transcoder import store as store_module
from transcoder.ffmpeg import run_ffmpeg
from transcoder.jobs import JobContext, JobState, JobStatus
from transcoder.queue import JobQueue, job_queue_for
from transcoder.store import STATUS_TTL_S

pytestmark = pytest.mark.timeout(30)

LONG_FFMPEG = ["-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=600",
               "-f", "null", "-"]  # fmt: skip


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def queue(settings: Settings, registry: CollectorRegistry) -> AsyncIterator[JobQueue]:
    jobs = job_queue_for(settings, registry=registry)
    await jobs.start(worker=True)
    yield jobs
    await jobs.close()


def finished(status: JobStatus) -> bool:
    return status.finished


def running(status: JobStatus) -> bool:
    return status.state is JobState.RUNNING


async def steps(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
    for step in range(1, params["steps"] + 1):
        await asyncio.sleep(0.01)
        await context.progress(step / params["steps"])
    return {"doubled": params["value"] * 2}


async def long_ffmpeg(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
    await run_ffmpeg(LONG_FFMPEG, duration_s=600, context=context)
    return {}


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def test_a_job_runs_and_its_progress_reaches_one(
    queue: JobQueue, registry: CollectorRegistry
) -> None:
    queue.register("steps", steps)
    job_id = await queue.submit("steps", {"steps": 20, "value": 21})
    status = await wait_for(queue, job_id, finished)
    assert status.state is JobState.DONE
    assert status.progress == 1.0
    assert status.result == {"doubled": 42}
    assert (status.attempts, status.error, status.kind) == (1, None, "steps")
    assert sample(registry, "transcoder_jobs_submitted_total", kind="steps") == 1
    assert sample(registry, "transcoder_jobs_finished_total", kind="steps", outcome="done") == 1
    assert sample(registry, "transcoder_job_duration_seconds_count", kind="steps") == 1
    assert sample(registry, "transcoder_jobs_running") == 0


async def test_unknown_job_is_none(queue: JobQueue) -> None:
    assert await queue.status("nope") is None
    assert await queue.cancel("nope") is False


async def test_a_failing_handler_fails_once_with_its_message(queue: JobQueue) -> None:
    calls = 0

    async def broken(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        raise RuntimeError("the source has no video")

    queue.register("broken", broken)
    status = await wait_for(queue, await queue.submit("broken", {}), finished)
    assert status.state is JobState.FAILED
    assert status.error == "the source has no video"
    assert (status.attempts, calls) == (1, 1)


async def test_a_kind_without_handler_fails_clearly(queue: JobQueue) -> None:
    status = await wait_for(queue, await queue.submit("compose", {}), finished)
    assert status.state is JobState.FAILED
    assert status.error == "no handler for job kind 'compose' on this worker"


async def test_cancel_a_running_job_kills_its_ffmpeg(
    queue: JobQueue, registry: CollectorRegistry
) -> None:
    queue.register("long", long_ffmpeg)
    job_id = await queue.submit("long", {})
    await wait_for(queue, job_id, running)
    await asyncio.sleep(0.3)  # ffmpeg is up
    assert await queue.cancel(job_id) is True
    status = await wait_for(queue, job_id, finished, timeout=5)
    assert status.state is JobState.CANCELLED
    outcome = {"kind": "long", "outcome": "cancelled"}
    assert sample(registry, "transcoder_jobs_finished_total", **outcome) == 1
    assert await queue.cancel(job_id) is False


async def test_cancel_a_queued_job_means_it_never_runs(queue: JobQueue) -> None:
    """Concurrency is 1: the second job waits behind the first and is cancelled there."""
    ran: list[str] = []

    async def record(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
        ran.append(context.job_id)
        return {}

    queue.register("long", long_ffmpeg)
    queue.register("record", record)
    first = await queue.submit("long", {})
    await wait_for(queue, first, running)
    second = await queue.submit("record", {})
    assert (await wait_for(queue, second, lambda s: True)).state is JobState.QUEUED
    assert await queue.cancel(second) is True
    assert (await wait_for(queue, second, finished)).state is JobState.CANCELLED
    await queue.cancel(first)
    await wait_for(queue, first, finished)
    await asyncio.sleep(0.1)
    assert ran == []


async def test_submit_is_idempotent_until_finished_then_runs_again(queue: JobQueue) -> None:
    gate = asyncio.Event()
    runs = 0

    async def gated(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
        nonlocal runs
        runs += 1
        await gate.wait()
        return {"run": runs}

    queue.register("gated", gated)
    job_id = await queue.submit("gated", {}, job_id="compose-42")
    assert job_id == "compose-42"
    await wait_for(queue, job_id, running)
    assert await queue.submit("gated", {}, job_id="compose-42") == "compose-42"
    gate.set()
    status = await wait_for(queue, job_id, finished)
    assert (status.result, runs) == ({"run": 1}, 1)

    assert await queue.submit("gated", {}, job_id="compose-42") == "compose-42"
    status = await wait_for(queue, job_id, lambda s: s.finished and s.result == {"run": 2})
    assert (status.state, status.attempts, runs) == (JobState.DONE, 1, 2)


async def test_a_job_over_its_time_limit_fails_and_its_ffmpeg_is_killed(
    queue: JobQueue,
) -> None:
    queue.job_timeout_s = 0.5
    queue.register("long", long_ffmpeg)
    status = await wait_for(queue, await queue.submit("long", {}), finished, timeout=10)
    assert status.state is JobState.FAILED
    assert status.error == "the job took longer than 0.5 s and was stopped"


async def test_convert_webm_writes_the_target_only_when_done(
    queue: JobQueue, tmp_path: Path
) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    source = make_clip(folder / "in.mp4", 2)
    target = folder / "out.webm"
    job_id = await queue.submit("convert_webm", {"source": str(source), "target": str(target)})
    status = await wait_for(queue, job_id, finished)
    assert status.state is JobState.DONE, status.error
    assert status.progress == 1.0
    assert status.result == {"target": str(target), "duration_s": pytest.approx(2.0, abs=0.1)}
    assert sorted(p.name for p in folder.iterdir()) == ["in.mp4", "out.webm"]
    with av.open(str(target)) as container:
        assert container.format.name == "matroska,webm"
        assert container.streams.video[0].codec_context.name == "vp9"
        assert container.streams.audio[0].codec_context.name == "opus"


async def test_convert_webm_refuses_a_fake_file_and_leaves_nothing(
    queue: JobQueue, tmp_path: Path
) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    fake = folder / "fake.mp4"
    fake.write_text("not a video")
    job_id = await queue.submit(
        "convert_webm", {"source": str(fake), "target": str(folder / "out.webm")}
    )
    status = await wait_for(queue, job_id, finished)
    assert status.state is JobState.FAILED
    assert status.error is not None
    assert "fake.mp4 is not a readable media file" in status.error
    assert sorted(p.name for p in folder.iterdir()) == ["fake.mp4"]


async def test_a_cancelled_conversion_leaves_no_file_behind(
    queue: JobQueue, tmp_path: Path
) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    source = make_clip(folder / "in.mp4", 30, size="640x360")
    job_id = await queue.submit(
        "convert_webm", {"source": str(source), "target": str(folder / "out.webm")}
    )
    await wait_for(queue, job_id, lambda s: s.progress > 0 or s.finished)
    assert len(list(folder.glob(".out.webm.*.part"))) == 1
    assert await queue.cancel(job_id) is True
    assert (await wait_for(queue, job_id, finished)).state is JobState.CANCELLED
    assert sorted(p.name for p in folder.iterdir()) == ["in.mp4"]


async def test_finished_records_expire_like_redis_hashes(
    queue: JobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue.register("steps", steps)
    old = await queue.submit("steps", {"steps": 1, "value": 1})
    await wait_for(queue, old, finished)
    later = time.time() + STATUS_TTL_S + 1
    monkeypatch.setattr(store_module.time, "time", lambda: later)
    new = await queue.submit("steps", {"steps": 1, "value": 2})
    assert await queue.status(old) is None
    assert (await wait_for(queue, new, finished)).result == {"doubled": 4}


async def test_concurrency_bounds_the_jobs_running_at_once(
    make_settings: Callable[..., Settings],
) -> None:
    jobs = job_queue_for(
        make_settings(**{"transcoder.concurrency": 2}), registry=CollectorRegistry()
    )
    gate = asyncio.Event()

    async def gated(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
        await gate.wait()
        return {}

    jobs.register("gated", gated)
    await jobs.start(worker=True)
    try:
        ids = [await jobs.submit("gated", {}) for _ in range(3)]
        await wait_for(jobs, ids[1], running)
        await asyncio.sleep(0.1)
        states = [s.state for i in ids if (s := await jobs.status(i)) is not None]
        assert states == [JobState.RUNNING, JobState.RUNNING, JobState.QUEUED]
        gate.set()
        for job_id in ids:
            assert (await wait_for(jobs, job_id, finished)).state is JobState.DONE
    finally:
        await jobs.close()
