"""`reception transcoder` in its own process: it takes a conversion submitted here from
Redis, serves its job metrics, and exits cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import aiohttp
import av
import pytest
from prometheus_client import CollectorRegistry

from config import Settings
from tests.node_process import free_port
from tests.unit.transcoder.helpers import make_clip, wait_for
from transcoder.jobs import JobState
from transcoder.queue import job_queue_for

pytestmark = [pytest.mark.redis, pytest.mark.timeout(90)]

ROOT = Path(__file__).resolve().parents[3]


async def test_the_worker_command_runs_a_conversion(
    make_settings: Callable[..., Settings], redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEPTION_")}
    env |= {"RECEPTION_REDIS__URL": redis_url, "RECEPTION_METRICS__LISTEN": f"127.0.0.1:{port}"}
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "reception.cli", "--data-dir", str(tmp_path / "worker"),
        "transcoder", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    client = job_queue_for(make_settings(**{"redis.url": redis_url}), registry=CollectorRegistry())
    try:
        assert worker.stderr is not None
        async with asyncio.timeout(30):  # the command imports the whole server
            while b"transcoder worker started" not in await worker.stderr.readline():
                pass
        await client.start(worker=False)
        source = make_clip(tmp_path / "in.mp4", 2)
        target = tmp_path / "out.webm"
        job_id = await client.submit("convert_webm", {"source": str(source), "target": str(target)})
        status = await wait_for(client, job_id, lambda s: s.finished, timeout=30)
        assert status.state is JobState.DONE, status.error
        with av.open(str(target)) as container:
            assert container.streams.video[0].codec_context.name == "vp9"
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/metrics") as resp,
        ):
            metrics = await resp.text()
        assert 'transcoder_jobs_finished_total{kind="convert_webm",outcome="done"} 1.0' in metrics
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 10) == 0
    finally:
        await client.close()
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
