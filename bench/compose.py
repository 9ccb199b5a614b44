"""python -m bench.compose: how fast a reception is composed after its end.

A reception of `--minutes` (30 by default) is made as the SFU would have recorded it: the
host on air throughout, two citizens given the floor in turn for one to two minutes each,
the speaker changing every twenty seconds or so, one citizen turned down. Its tracks are a
ten-second loop of VP8 (640x480, 30 fps, ~800 kbit/s, a key frame every second) and Opus
encoded once with the bundled ffmpeg, repeated with the timestamps running on. Then the
'compose' job runs on it as the worker runs it; printed: wall time, times real time, CPU
seconds (this process and ffmpeg), the size of what was written.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import imageio_ffmpeg

from recorder.compose import MERGE_SHARE, PREPARE_SHARE, compose_reception
from recorder.track_log import TrackHeader, TrackLogWriter
from transcoder.jobs import JobContext

LOOP_S = 10
FPS = 30
OPUS_PER_S = 50
PAYLOAD_MAX = 1200
"""RTP payload size, as aiortc and browsers packetize."""
MEDIA_DIR = Path(tempfile.gettempdir()) / "reception-compose-bench-media"
T0 = 1_764_560_000.0
PARTICIPANTS = ("host", "citizen-a", "citizen-b")


@dataclass(frozen=True)
class Loop:
    video: list[tuple[bytes, bool]]
    """(VP8 frame, key frame) for LOOP_S seconds at FPS."""
    audio: list[bytes]
    """20 ms Opus packets for LOOP_S seconds."""


def _ffmpeg(*args: str) -> None:
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def media(folder: Path) -> Loop:
    """Encode the loop once (later runs reuse it) and read its frames."""
    folder.mkdir(parents=True, exist_ok=True)
    video, audio = folder / "video.ivf", folder / "audio.ogg"
    if not video.exists():
        _ffmpeg(
            *("-f", "lavfi", "-i", f"testsrc2=size=640x480:rate={FPS}", "-t", str(LOOP_S)),
            *("-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "800k"),
            *("-g", str(FPS), "-keyint_min", str(FPS), "-auto-alt-ref", "0", str(video)),
        )
    if not audio.exists():
        _ffmpeg(
            *("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(LOOP_S)),
            *("-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", str(audio)),
        )
    with av.open(str(video)) as container:
        frames = [(bytes(p), p.is_keyframe) for p in container.demux(video=0) if p.size]
    with av.open(str(audio)) as container:
        packets = [bytes(p) for p in container.demux(audio=0) if p.size]
    return Loop(frames[: LOOP_S * FPS], packets[: LOOP_S * OPUS_PER_S])


def vp8_payloads(frame: bytes) -> list[bytes]:
    """RFC 7741 payloads with the one-byte descriptor (S set on the first, PID 0)."""
    size = PAYLOAD_MAX - 1
    return [
        (b"\x10" if start == 0 else b"\x00") + frame[start : start + size]
        for start in range(0, len(frame), size)
    ]


def schedule(seconds: float, seed: int = 7) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """The timeline and each citizen's on-air stretches (whole seconds: a stretch opens
    on a key frame of the loop, as the router's key-frame request makes it)."""
    rng = random.Random(seed)

    def ev(kind: str, at: float, **fields: Any) -> dict[str, Any]:
        return {"kind": kind, "reception_id": "bench", "at": T0 + at, **fields}

    events = [
        ev("joined", 0, user_id="host", role="host", detail={"name": "Глава"}),
        ev("live", 0),
        ev("joined", 1, user_id="citizen-a", role="citizen", detail={"name": "Иванов Иван"}),
        ev("joined", 1, user_id="citizen-b", role="citizen", detail={"name": "Петрова Анна"}),
    ]
    stretches: dict[str, list[Any]] = {"citizen-a": [], "citizen-b": []}
    at, turn = 5, 0
    while at < seconds - 10:
        citizen = PARTICIPANTS[1 + turn % 2]
        end = min(at + rng.randint(60, 120), int(seconds) - 5)
        stretches[citizen].append((at, end))
        events.append(ev("on_air", at, user_id=citizen, detail={"on_air": True}))
        if citizen == "citizen-b" and turn == 1:
            events.append(
                ev("moderated", at + 30, actor_id="m", action="set_mic_level",
                   user_id=citizen, detail={"gain_db": -10.0})
            )  # fmt: skip
        talk = at + 1.0
        while talk < end:
            events.append(ev("speaker", talk, user_id=citizen if rng.random() < 0.7 else "host"))
            talk += rng.uniform(10, 30)
        events.append(ev("on_air", end, user_id=citizen, detail={"on_air": False}))
        at, turn = end + 3, turn + 1
    events.append(ev("ended", seconds))
    events.sort(key=lambda e: e["at"])
    return events, stretches


def write_tracks(folder: Path, loop: Loop, seconds: float) -> int:
    """The track logs of the schedule; returns the bytes written."""
    events, stretches = schedule(seconds)
    tracks = folder / "tracks"
    tracks.mkdir(parents=True)
    lines = [json.dumps(e, ensure_ascii=False) for e in events]
    (folder / "timeline.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    on_air = {"host": [(0, int(seconds))], **stretches}
    packets = [vp8_payloads(frame) for frame, _ in loop.video]
    total = 0
    for number, participant in enumerate(PARTICIPANTS):
        video = TrackLogWriter(
            tracks / f"{2 * number + 1:03d}-{participant}-video.track",
            TrackHeader("video", "video/VP8", 90000, participant, T0),
        )
        audio = TrackLogWriter(
            tracks / f"{2 * number + 2:03d}-{participant}-audio.track",
            TrackHeader("audio", "audio/opus", 48000, participant, T0),
        )
        seq_v = seq_a = 0
        for start, end in on_air[participant]:
            for index in range(start * FPS, end * FPS):
                arrival = T0 + index / FPS + 0.03
                payloads = packets[index % len(packets)]
                for n, payload in enumerate(payloads):
                    last = n == len(payloads) - 1
                    video.append(arrival, seq_v % 65536, (index * 3000) % (1 << 32), last, payload)
                    seq_v += 1
            for index in range(start * OPUS_PER_S, end * OPUS_PER_S):
                arrival = T0 + index / OPUS_PER_S + 0.03
                payload = loop.audio[index % len(loop.audio)]
                audio.append(arrival, seq_a % 65536, (index * 960) % (1 << 32), False, payload)
                seq_a += 1
        for writer in (video, audio):
            writer.close()
            total += writer.bytes_written
    return total


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _peak_rss_kb(who: int) -> int:
    """The largest resident set of this process (or of its largest child), in KiB."""
    return resource.getrusage(who).ru_maxrss


async def compose(folder: Path, threads: int, log: Any) -> dict[str, Any]:
    """Run the job; returns its manifest and when its render began."""
    marks: dict[str, float] = {}
    started = time.monotonic()
    printed = [0.0]

    async def sink(fraction: float, note: str) -> None:
        now = time.monotonic()
        if fraction >= PREPARE_SHARE + MERGE_SHARE:
            marks.setdefault("render", now)
        if now - printed[0] >= 10 or fraction >= 1.0:
            printed[0] = now
            print(f"  {fraction * 100:5.1f} %  {note}", file=log, flush=True)

    context = JobContext("compose-bench", sink=sink, min_interval_s=0.0, min_step=0.0)
    manifest = await compose_reception({"folder": str(folder), "threads": threads}, context)
    ended = time.monotonic()
    return {
        "manifest": manifest,
        "wall_s": ended - started,
        "prepare_s": marks.get("render", ended) - started,
        "render_s": ended - marks.get("render", ended),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compose", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30, help="the reception's length")
    parser.add_argument("--threads", type=int, default=0, help="ffmpeg threads (0: auto)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--keep", type=Path, help="compose in this folder and keep it")
    args = parser.parse_args(argv)
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    log = sys.stderr if args.json else sys.stdout
    seconds = round(args.minutes * 60)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="compose-bench-")) / "bench"
    shutil.rmtree(folder, ignore_errors=True)
    try:
        print(f"recording a {seconds} s reception...", file=log, flush=True)
        recorded = write_tracks(folder, media(MEDIA_DIR), seconds)
        print("composing...", file=log, flush=True)
        own_before, ffmpeg_before = _cpu()
        run = asyncio.run(compose(folder, args.threads, log))
        own_after, ffmpeg_after = _cpu()
    finally:
        if args.keep is None:
            shutil.rmtree(folder.parent, ignore_errors=True)
    files = run["manifest"]["files"]
    composed = files[0]
    record = {
        "command": " ".join(["python -m bench.compose", *(argv or sys.argv[1:])]),
        "reception_s": seconds,
        "speakers": len(PARTICIPANTS),
        "tracks_mb": round(recorded / 1e6, 1),
        "wall_s": round(run["wall_s"], 1),
        "times_real_time": round(seconds / run["wall_s"], 2),
        "prepare_s": round(run["prepare_s"], 1),
        "render_s": round(run["render_s"], 1),
        "cpu_s_python": round(own_after - own_before, 1),
        "cpu_s_ffmpeg": round(ffmpeg_after - ffmpeg_before, 1),
        "composed_mb": round(composed["bytes"] / 1e6, 1),
        "composed_duration_s": composed["duration_s"],
        "ffmpeg_peak_rss_mb": round(_peak_rss_kb(resource.RUSAGE_CHILDREN) / 1024),
        "python_peak_rss_mb": round(_peak_rss_kb(resource.RUSAGE_SELF) / 1024),
        "participant_files_mb": round(sum(f["bytes"] for f in files[1:]) / 1e6, 1),
        "threads": args.threads,
        "cpu_count": len(os.sched_getaffinity(0)),
    }
    if args.json:
        json.dump(record, sys.stdout, indent=2)
        print()
        return
    for key, value in record.items():
        print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
