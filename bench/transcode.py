"""`python -m bench.transcode [--seconds 60] [--source FILE] [--rounds N] [--compare] [--json]`.

The product's `convert_webm` job through the JobQueue against the same ffmpeg command run
directly, in the same run, on 60 s of 720p30 H.264 with motion (a Mandelbrot zoom with a
moving test pattern and a Game of Life over it, made with lavfi) or on `--source`. Prints
both times (the best of `--rounds`, the two paths taking turns, so a neighbour's load hits
both alike), their ratio (the queue's overhead; target at most 1.05), speed as × real time,
and the output's PSNR and VMAF against the source.

`--compare` also encodes the source with the VP9 settings considered for the job
(transcoder/README.md) and prints time, size, PSNR and VMAF of each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import ffmpeg as ffmpeg_python
from prometheus_client import CollectorRegistry

from config import load_settings
from transcoder.convert import VP9_OPTIONS, webm_command
from transcoder.ffmpeg import ffmpeg_exe
from transcoder.jobs import JobState
from transcoder.probe import probe
from transcoder.queue import job_queue_for

TARGET_RATIO = 1.05

SOURCE_GRAPH = (
    "mandelbrot=size=640x360:rate=30,scale=1280:720,format=yuv420p[m];"
    "testsrc2=size=480x270:rate=30,format=yuv420p[t];"
    "life=size=320x180:rate=30:mold=10:ratio=0.1,scale=480:270,format=yuv420p[l];"
    "[m][t]overlay=x='mod(t*80,800)':y=40[a];"
    "[a][l]overlay=x=760:y='mod(t*40,450)',format=yuv420p[v];"
    "sine=frequency=440:sample_rate=48000[s]"
)
"""720p30 with motion everywhere: a zoom, a pattern crossing it, a Game of Life sliding."""

ALTERNATIVES: dict[str, dict[str, Any]] = {
    "realtime, cpu-used 8": {"deadline": "realtime", "cpu-used": 8},
    "realtime, cpu-used 6": {"deadline": "realtime", "cpu-used": 6},
    "good, cpu-used 5": {"deadline": "good", "cpu-used": 5},
    "good, cpu-used 4": {"deadline": "good", "cpu-used": 4},
}
"""Each on top of VP9_OPTIONS (row-mt 1, tile-columns 2, crf 32): only the speed differs."""


@dataclass(frozen=True, slots=True)
class Quality:
    psnr_db: float | None
    vmaf: float | None


@dataclass(frozen=True, slots=True)
class Encoding:
    name: str
    seconds: float
    megabytes: float
    quality: Quality | None


@dataclass(frozen=True, slots=True)
class Result:
    source_s: float
    direct_s: float
    queue_s: float
    ratio: float
    realtime_x: float
    quality: Quality | None
    compared: list[Encoding]


def make_source(path: Path, seconds: float) -> None:
    """H.264 + AAC, as a browser's or a camera's upload would be."""
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-y", "-filter_complex", SOURCE_GRAPH,
         "-map", "[v]", "-map", "[s]", "-t", str(seconds), "-c:v", "libx264",
         "-preset", "veryfast", "-crf", "20", "-c:a", "aac", "-b:a", "128k",
         "-movflags", "+faststart", str(path)],
        check=True,
    )  # fmt: skip


def has_vmaf() -> bool:
    filters = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-filters"], capture_output=True, text=True, check=True
    ).stdout
    return re.search(r"\slibvmaf\s", filters) is not None


def measure_quality(encoded: Path, source: Path, vmaf: bool) -> Quality:
    """PSNR (average over Y, U, V) and VMAF of `encoded` against `source`."""
    align = "[0:v]setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[r];[d][r]"

    def run(metric: str) -> str:
        return subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(encoded), "-i", str(source),
             "-lavfi", align + metric, "-f", "null", "-"],
            capture_output=True, text=True, check=True,
        ).stderr  # fmt: skip

    psnr = re.search(r"average:([0-9.]+)", run("psnr"))
    score = re.search(r"VMAF score: ([0-9.]+)", run("libvmaf=n_threads=2")) if vmaf else None
    return Quality(
        psnr_db=float(psnr.group(1)) if psnr else None,
        vmaf=float(score.group(1)) if score else None,
    )


def run_direct(source: Path, target: Path, options: dict[str, Any] | None = None) -> float:
    """The job's ffmpeg command (or one with other VP9 options), without the queue."""
    node = webm_command(source, target, audio=True)
    args = ffmpeg_python.get_args(node)
    if options is not None:
        args = _with_options(args, options)
    started = time.perf_counter()
    subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-y", "-v", "error", *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def _with_options(args: list[str], options: dict[str, Any]) -> list[str]:
    args = list(args)
    for key, value in options.items():
        index = args.index(f"-{key}")
        args[index + 1] = str(value)
    return args


async def run_queue(source: Path, target: Path, workdir: Path) -> float:
    """The product's path: the embedded JobQueue runs convert_webm; submit to DONE."""
    settings = load_settings(environ={}, overrides={"data_dir": str(workdir / "data")})
    jobs = job_queue_for(settings, registry=CollectorRegistry())
    await jobs.start(worker=True)
    try:
        started = time.perf_counter()
        job_id = await jobs.submit("convert_webm", {"source": str(source), "target": str(target)})
        while True:
            status = await jobs.status(job_id)
            if status is not None and status.finished:
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        await jobs.close()
    if status.state is not JobState.DONE:
        raise RuntimeError(f"convert_webm ended {status.state}: {status.error}")
    return elapsed


def bench(seconds: float, source: Path | None, rounds: int, compare: bool, quality: bool) -> Result:
    with tempfile.TemporaryDirectory(prefix="bench-transcode-") as tmp:
        workdir = Path(tmp)
        source_s = 0.0
        if source is None:
            source = workdir / "source.mp4"
            started = time.perf_counter()
            make_source(source, seconds)
            source_s = time.perf_counter() - started
        duration = probe(source).duration_s or seconds
        direct: list[float] = []
        queued: list[float] = []
        for _ in range(rounds):
            direct.append(run_direct(source, workdir / "direct.webm"))
            queued.append(asyncio.run(run_queue(source, workdir / "queue.webm", workdir)))
        direct_s, queue_s = min(direct), min(queued)
        vmaf = has_vmaf()
        measured = measure_quality(workdir / "queue.webm", source, vmaf) if quality else None
        compared: list[Encoding] = []
        if compare:
            for name, options in ALTERNATIVES.items():
                out = workdir / "alternative.webm"
                took = run_direct(source, out, options)
                compared.append(
                    Encoding(
                        name=name,
                        seconds=took,
                        megabytes=out.stat().st_size / 1e6,
                        quality=measure_quality(out, source, vmaf) if quality else None,
                    )
                )
        return Result(
            source_s=source_s,
            direct_s=direct_s,
            queue_s=queue_s,
            ratio=queue_s / direct_s,
            realtime_x=duration / queue_s,
            quality=measured,
            compared=compared,
        )


def report(result: Result) -> str:
    chosen = ", ".join(f"{k} {v}" for k, v in VP9_OPTIONS.items())
    lines = [
        f"VP9: {chosen}",
        f"source made in          {result.source_s:8.1f} s",
        f"ffmpeg directly         {result.direct_s:8.1f} s",
        f"convert_webm via queue  {result.queue_s:8.1f} s",
        f"queue / direct          {result.ratio:8.3f}"
        + ("" if result.ratio <= TARGET_RATIO else f"  over target {TARGET_RATIO}"),
        f"speed                   {result.realtime_x:8.2f} x real time",
    ]
    if result.quality is not None:
        lines.append(f"quality                 {_quality(result.quality)}")
    if result.compared:
        lines.append("")
        lines.append(f"{'VP9 speed setting':<24}{'time s':>8}{'MB':>8}  quality")
        for e in result.compared:
            quality = _quality(e.quality) if e.quality else ""
            lines.append(f"{e.name:<24}{e.seconds:>8.1f}{e.megabytes:>8.1f}  {quality}")
    return "\n".join(lines)


def _quality(q: Quality) -> str:
    psnr = f"PSNR {q.psnr_db:.2f} dB" if q.psnr_db is not None else "PSNR n/a"
    return psnr + (f", VMAF {q.vmaf:.1f}" if q.vmaf is not None else "")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.transcode", description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the made source")
    parser.add_argument("--source", type=Path, help="convert this file instead")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each path; best kept")
    parser.add_argument("--compare", action="store_true", help="also time the VP9 alternatives")
    parser.add_argument("--no-quality", action="store_true", help="skip PSNR/VMAF")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    result = bench(args.seconds, args.source, args.rounds, args.compare, not args.no_quality)
    print(json.dumps(asdict(result), indent=2) if args.json else report(result))


if __name__ == "__main__":
    main()
