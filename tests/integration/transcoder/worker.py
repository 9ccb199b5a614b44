"""A transcoder worker in its own process, for the tests that kill or cancel it.

    python -m tests.integration.transcoder.worker REDIS_URL PREFIX [--max-attempts N]

It runs the product's queue (job_queue_for) against Redis with short timeouts and one
extra kind, `ffmpeg`: real ffmpeg reading a lavfi source at real speed for
params["seconds"], so a job lasts as long as a test needs. Prints "ready" once listening.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
from typing import Any

from config import load_settings
from transcoder.ffmpeg import run_ffmpeg
from transcoder.jobs import JobContext
from transcoder.queue import job_queue_for

IDLE_TIMEOUT_S = 1.5
READ_BLOCK_S = 0.2


async def realtime_ffmpeg(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
    seconds = float(params["seconds"])
    args = ["-re", "-f", "lavfi", "-i", f"testsrc=size=160x120:rate=15:duration={seconds}",
            "-f", "null", "-"]  # fmt: skip
    await run_ffmpeg(args, duration_s=seconds, context=context)
    return {"attempt": context.attempt}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("redis_url")
    parser.add_argument("prefix")
    parser.add_argument("--max-attempts", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings(
        environ={},
        overrides={
            "data_dir": tempfile.mkdtemp(prefix="transcoder-worker-"),
            "redis.url": args.redis_url,
            "transcoder.max_attempts": args.max_attempts,
        },
    )
    queue = job_queue_for(
        settings, prefix=args.prefix, idle_timeout_s=IDLE_TIMEOUT_S, read_block_s=READ_BLOCK_S
    )
    queue.register("ffmpeg", realtime_ffmpeg)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await queue.start(worker=True)
    print("ready", flush=True)
    await stop.wait()
    await queue.close()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
