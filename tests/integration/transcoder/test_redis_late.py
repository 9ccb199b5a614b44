"""A node whose Redis is down when it starts still starts; its queue connects once Redis
answers and then runs jobs (a real redis-server started late on its own port)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from config import Settings
from tests.conftest import unavailable
from tests.node_process import free_port
from tests.unit.transcoder.helpers import wait_for
from transcoder import queue as queue_module
from transcoder.jobs import JobContext, JobState
from transcoder.queue import job_queue_for

pytestmark = [pytest.mark.redis, pytest.mark.timeout(30)]


async def _answer(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
    return {"echo": params["value"]}


async def test_the_queue_connects_when_redis_comes_up(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    server_binary = shutil.which("redis-server")
    if server_binary is None:
        unavailable("the redis-server program")
    monkeypatch.setattr(queue_module, "RECONNECT_S", 0.2)
    port = free_port()
    settings = make_settings(**{"redis.url": f"redis://127.0.0.1:{port}/0"})
    jobs = job_queue_for(settings, registry=CollectorRegistry(), read_block_s=0.2)
    jobs.register("answer", _answer)
    await jobs.start(worker=True)  # Redis is down: this must not raise
    server = None
    try:
        with pytest.raises(aioredis.ConnectionError):
            await jobs.submit("answer", {"value": 1})
        server = await asyncio.create_subprocess_exec(
            server_binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        async with asyncio.timeout(10):
            while True:
                try:
                    job_id = await jobs.submit("answer", {"value": 2})
                    break
                except aioredis.ConnectionError:
                    await asyncio.sleep(0.1)
        status = await wait_for(jobs, job_id, lambda s: s.finished)
        assert status.state is JobState.DONE
        assert status.result == {"echo": 2}
    finally:
        await jobs.close()
        if server is not None:
            server.terminate()
            await server.wait()
