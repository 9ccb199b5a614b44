"""The ffmpeg runner against the real bundled ffmpeg: progress read from ffmpeg's own
-progress output, a job's cancellation kills the process, a failure says why."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import av
import ffmpeg as ffmpeg_python
import pytest

from transcoder import ffmpeg as runner
from transcoder.ffmpeg import (
    FfmpegFailed,
    ProgressParser,
    command_args,
    ffmpeg_exe,
    run_ffmpeg,
)
from transcoder.jobs import JobCancelled, JobContext

pytestmark = pytest.mark.timeout(30)

LAVFI_2S = [
    "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=2",
    "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
]  # fmt: skip


class Recorder:
    """A progress sink that keeps what was stored."""

    def __init__(self) -> None:
        self.stored: list[float] = []

    async def __call__(self, fraction: float, note: str) -> None:
        self.stored.append(fraction)


def test_parser_reads_real_progress_output(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-nostats",
            "-progress", "pipe:1", "-stats_period", "0.05",
            *LAVFI_2S, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
            str(tmp_path / "out.mp4"),
        ],
        capture_output=True, text=True, check=True, timeout=20,
    ).stdout  # fmt: skip
    parser = ProgressParser()
    blocks = [b for line in out.splitlines() if (b := parser.feed(line)) is not None]
    assert blocks, out
    assert blocks[-1].end
    assert not any(b.end for b in blocks[:-1])
    assert blocks[-1].out_time_s == pytest.approx(2.0, abs=0.1)
    times = [b.out_time_s for b in blocks if b.out_time_s is not None]
    assert times == sorted(times)


def test_parser_accepts_each_time_key_and_skips_not_available() -> None:
    parser = ProgressParser()
    for line in ["out_time_us=N/A", "out_time_ms=N/A", "out_time=N/A", "progress=continue"]:
        block = parser.feed(line)
    assert block is not None
    assert block.out_time_s is None
    assert not block.end
    for line in ["out_time_ms=1500000", "progress=continue"]:
        block = parser.feed(line)
    assert block is not None
    assert block.out_time_s == 1.5
    for line in ["out_time=00:01:02.500000", "speed=2.1x", "progress=end"]:
        block = parser.feed(line)
    assert block is not None
    assert block.out_time_s == 62.5
    assert block.end
    assert block.speed == "2.1x"
    assert parser.feed("garbage") is None


def test_command_args_add_progress_and_threads_before_the_output() -> None:
    node = ffmpeg_python.input("in.mp4").output("out.webm", vcodec="libvpx-vp9")
    args = command_args(node, threads=3)
    assert args[:6] == ["-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1"]
    assert args[-3:] == ["-threads", "3", "out.webm"]
    assert command_args(["-i", "a", "b"])[-3:] == ["-i", "a", "b"]
    assert command_args(["-i", "a", "b"], threads=2)[-5:] == ["-i", "a", "-threads", "2", "b"]
    with_globals = node.global_args("-filter_threads", "2").overwrite_output()
    assert command_args(with_globals, threads=3)[-6:] == [
        "-threads", "3", "out.webm", "-filter_threads", "2", "-y",
    ]  # fmt: skip


async def test_runs_a_real_source_and_reports_progress_to_the_end(tmp_path: Path) -> None:
    target = tmp_path / "out.webm"
    sink = Recorder()
    context = JobContext("j1", sink=sink, min_interval_s=0.0, min_step=0.0)
    node = ffmpeg_python.output(
        ffmpeg_python.input("testsrc=size=160x120:rate=15:duration=2", f="lavfi"),
        ffmpeg_python.input("sine=frequency=440:duration=2", f="lavfi"),
        str(target),
        vcodec="libvpx-vp9",
        acodec="libopus",
        deadline="realtime",
        **{"cpu-used": 8},
    )
    await run_ffmpeg(node, duration_s=2.0, context=context, threads=1)
    assert sink.stored[-1] == 1.0
    assert sink.stored == sorted(sink.stored)
    with av.open(str(target)) as container:
        assert container.duration / 1_000_000 == pytest.approx(2.0, abs=0.1)
        assert len(container.streams.video) == 1
        assert len(container.streams.audio) == 1


async def test_cancel_kills_ffmpeg_and_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[asyncio.subprocess.Process] = []
    real_exec = asyncio.create_subprocess_exec

    async def spawn(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        proc = await real_exec(*args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(runner.asyncio, "create_subprocess_exec", spawn)
    running = asyncio.Event()

    async def report(fraction: float, note: str) -> None:
        if fraction > 0:
            running.set()

    context = JobContext("j2", sink=report, min_interval_s=0.0)

    async def cancel() -> None:
        await running.wait()
        context.cancelled.set()

    # -re: an hour of input at real time, so only the cancellation can end it.
    args = ["-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=3600",
            "-c:v", "mpeg4", str(tmp_path / "long.mp4")]  # fmt: skip
    canceller = asyncio.create_task(cancel())
    with pytest.raises(JobCancelled):
        await asyncio.wait_for(run_ffmpeg(args, duration_s=3600, context=context), 15)
    await canceller
    [proc] = started
    assert proc.returncode == -9


async def test_task_cancellation_kills_ffmpeg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job's timeout cancels the coroutine: ffmpeg must not outlive it."""
    started: list[asyncio.subprocess.Process] = []
    real_exec = asyncio.create_subprocess_exec

    async def spawn(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        started.append(await real_exec(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(runner.asyncio, "create_subprocess_exec", spawn)
    args = ["-re", "-f", "lavfi", "-i", "testsrc=duration=3600", "-f", "null", "-"]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(run_ffmpeg(args, duration_s=None), 1.0)
    assert started[0].returncode == -9


async def test_failure_carries_the_tail_of_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "missing.mp4"
    with pytest.raises(FfmpegFailed) as caught:
        await run_ffmpeg(["-i", str(missing), str(tmp_path / "o.webm")], duration_s=None)
    assert caught.value.returncode != 0
    assert "No such file or directory" in caught.value.tail
    assert "No such file or directory" in str(caught.value)


async def test_a_noisy_stderr_never_blocks_ffmpeg(tmp_path: Path) -> None:
    """Debug logging writes far more than a pipe's buffer; stderr is drained meanwhile."""
    args = ["-loglevel", "debug", *LAVFI_2S, "-f", "null", "-"]
    await asyncio.wait_for(run_ffmpeg(args, duration_s=2.0), 20)
