"""python -m bench.recording: what recording costs per on-air stream, and the three ways
of recording compared on the same packets.

1. In situ: K publishers of pre-encoded VP8 640x480@30 (~1 Mbit/s) + Opus into a real
   `sfu.Router` in its own process pinned to one core (bench/recording_server.py), all on
   air, no subscribers. The server's CPU is read from /proc over a fixed window, recording
   off and on in interleaved rounds (off, on, on, off, ...): the difference is what
   recording costs the forwarding process.
2. The packets one participant's tracks logged in the last recorded round are recorded
   again three ways (bench/recording_paths.py): the product's track log, PyAV muxing in
   process, and an ffmpeg process fed plain RTP on loopback; with what a SIGKILL leaves,
   reordered and duplicated packets, and whether the video starts at a key frame.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from bench import recording_paths
from bench.recording_paths import process_cpu_seconds
from bench.sfu.__main__ import CLIENT_CORE, MEDIA_DIR
from bench.sfu.media import generate
from bench.sfu.processes import expect, spawn, stop

WARMUP_S = 3.0
"""After every publisher is up: connection set-up and the first key frames are over."""
STREAMS_PER_PUBLISHER = 2
"""Each publisher sends one VP8 and one Opus track; both are recorded."""


def recording_cost(off: list[float], on: list[float], streams: int) -> dict[str, float]:
    """% of one core that recording adds per stream: the difference of the means, and the
    spread from the least to the most favourable pairing of rounds (the noise)."""
    delta = statistics.mean(on) - statistics.mean(off)
    return {
        "pct_per_stream": round(delta / streams, 4),
        "pct_per_stream_low": round((min(on) - max(off)) / streams, 4),
        "pct_per_stream_high": round((max(on) - min(off)) / streams, 4),
        "ratio": round(statistics.mean(on) / statistics.mean(off), 3),
    }


def round_order(reps: int) -> list[bool]:
    """Recording off/on per round, mirrored every other rep (off, on, on, off, ...) so a
    drift of the machine's load falls on both sides alike."""
    order: list[bool] = []
    for rep in range(reps):
        order.extend([False, True] if rep % 2 == 0 else [True, False])
    return order


def run_round(record_to: Path | None, publishers: int, seconds: float) -> dict[str, Any]:
    """One server, `publishers` on air; the server's CPU over `seconds` after the warm-up."""
    server = spawn("bench.recording_server", *(["--record", str(record_to)] if record_to else []))
    processes = [server]
    try:
        url = f"http://127.0.0.1:{expect(server.stdout, 'PORT ')}"
        senders = [
            spawn("bench.sfu.publisher", "--server", url, "--media", str(MEDIA_DIR))
            for _ in range(publishers)
        ]
        processes.extend(senders)
        for sender in senders:
            expect(sender.stdout, "PUBLISHING")
        time.sleep(WARMUP_S)
        cpu_start, start = process_cpu_seconds(server.pid), time.monotonic()
        time.sleep(seconds)
        cpu_end, end = process_cpu_seconds(server.pid), time.monotonic()
        for sender in senders:
            sender.communicate(timeout=30)
    finally:
        stop(processes)
    logged = sorted(record_to.glob("*.track")) if record_to else []
    return {
        "recording": record_to is not None,
        "cpu_pct": round((cpu_end - cpu_start) / (end - start) * 100, 3),
        "window_s": round(end - start, 2),
        "tracks_logged": len(logged),
        "logged_mb": round(sum(p.stat().st_size for p in logged) / 1e6, 2),
    }


def measure_in_situ(
    publishers: int, seconds: float, reps: int, log: IO[str], keep: Path
) -> dict[str, Any]:
    """Interleaved rounds; the last recorded round's track logs are left in `keep`."""
    rounds: list[dict[str, Any]] = []
    for index, recording in enumerate(round_order(reps)):
        folder = Path(tempfile.mkdtemp(prefix="reception-recording-bench-")) if recording else None
        label = "on" if recording else "off"
        print(f"round {index + 1}: recording {label}, {publishers} publishers...", file=log)
        try:
            rounds.append(run_round(folder, publishers, seconds))
            if folder is not None:
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(folder, keep)
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
    off = [r["cpu_pct"] for r in rounds if not r["recording"]]
    on = [r["cpu_pct"] for r in rounds if r["recording"]]
    streams = publishers * STREAMS_PER_PUBLISHER
    cost = recording_cost(off, on, streams)
    return {
        "publishers": publishers,
        "streams": streams,
        "rounds": rounds,
        "server_pct_per_stream_off": round(statistics.mean(off) / streams, 4),
        "server_pct_per_stream_on": round(statistics.mean(on) / streams, 4),
        "recording_pct_per_stream": cost,
        "recording_pct_per_participant": round(cost["pct_per_stream"] * STREAMS_PER_PUBLISHER, 4),
    }


def _print(document: dict[str, Any]) -> None:
    situ = document["in_situ"]
    for r in situ["rounds"]:
        print(
            f"  recording {'on ' if r['recording'] else 'off'}  server {r['cpu_pct']:6.2f} % "
            f"of a core over {r['window_s']} s, {r['tracks_logged']} tracks, "
            f"{r['logged_mb']} MB"
        )
    cost = situ["recording_pct_per_stream"]
    print(
        f"in situ, {situ['publishers']} publishers ({situ['streams']} streams): server "
        f"{situ['server_pct_per_stream_off']} % per stream recording off, "
        f"{situ['server_pct_per_stream_on']} % on (x{cost['ratio']}); recording costs "
        f"{cost['pct_per_stream']} % of a core per stream (spread {cost['pct_per_stream_low']}"
        f" .. {cost['pct_per_stream_high']}), {situ['recording_pct_per_participant']} % per "
        "participant"
    )
    print(recording_paths.describe(document["paths"]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.recording", description=__doc__)
    parser.add_argument(
        "--streams",
        type=int,
        default=4,
        help="on-air publishers, each sending VP8 + Opus (two recorded streams)",
    )
    parser.add_argument("--seconds", type=float, default=15, help="measured window per round")
    parser.add_argument("--reps", type=int, default=2, help="rounds with recording off and on")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    if args.streams < 1 or args.reps < 1 or args.seconds <= 0:
        parser.error("--streams and --reps must be positive, --seconds above 0")
    if (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {CLIENT_CORE})
    generate(MEDIA_DIR)
    log = sys.stderr if args.json else sys.stdout
    with tempfile.TemporaryDirectory(prefix="reception-recording-bench-") as work:
        capture = Path(work) / "capture"
        situ = measure_in_situ(args.streams, args.seconds, args.reps, log, capture)
        print("recording paths on the captured packets...", file=log, flush=True)
        paths = recording_paths.compare(capture, Path(work) / "paths", args.seconds)
    document = {
        "command": " ".join(["python -m bench.recording", *(argv or sys.argv[1:])]),
        "cpu_count": os.cpu_count(),
        "in_situ": situ,
        "paths": paths,
    }
    if args.json:
        json.dump(document, sys.stdout, indent=2)
        print()
    else:
        _print(document)


if __name__ == "__main__":
    main()
