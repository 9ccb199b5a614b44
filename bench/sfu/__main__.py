"""python -m bench.sfu: what forwarding costs the server, measured on loopback.

For each N: a fresh server process pinned to one core, one publisher of pre-encoded VP8 +
Opus and N packet-counting subscribers (plus one that decodes) in other processes pinned to
the other core. Server CPU is read from /proc over a steady window once everyone receives.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from bench.sfu.media import generate

CLIENT_CORE = 1
SUBSCRIBERS_PER_PROCESS = 10
WARMUP_S = 2.0
SUSTAINED_FPS = 29.5
"""A server sustains N when its slowest subscriber keeps this frame rate (of 30): the
baseline stops at the first N it does not sustain, and the cost ratio is taken at the
largest N it does."""
MEDIA_DIR = Path(tempfile.gettempdir()) / "reception-sfu-bench-media"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def spawn(module: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def expect(stream: IO[str] | None, prefix: str, timeout: float = 60) -> str:
    assert stream is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    raise RuntimeError(f"benchmark process ended without printing {prefix!r}")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_round(mode: str, subscribers: int, seconds: float) -> dict[str, Any]:
    server = spawn("bench.sfu.server", "--mode", mode)
    processes: list[subprocess.Popen[str]] = [server]
    try:
        url = f"http://127.0.0.1:{expect(server.stdout, 'PORT ')}"
        publisher = spawn("bench.sfu.publisher", "--server", url, "--media", str(MEDIA_DIR))
        processes.append(publisher)
        expect(publisher.stdout, "PUBLISHING")
        workers = []
        for start in range(0, subscribers, SUBSCRIBERS_PER_PROCESS):
            count = min(SUBSCRIBERS_PER_PROCESS, subscribers - start)
            decoding = "1" if start == 0 else "0"
            workers.append(
                spawn(
                    "bench.sfu.subscribers",
                    "--server",
                    url,
                    "--count",
                    str(count),
                    "--decoding",
                    decoding,
                )
            )
        processes.extend(workers)
        for worker in workers:
            expect(worker.stdout, "READY")
        go = time.time()
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("GO\n")
            worker.stdin.flush()
        connected = [float(expect(w.stdout, "CONNECTED ", timeout=60)) for w in workers]
        time.sleep(WARMUP_S)
        cpu_start, window_start = _cpu_seconds(server.pid), time.time()
        rss_start = _rss_mb(server.pid)
        time.sleep(seconds)
        cpu_end, window_end = _cpu_seconds(server.pid), time.time()
        rss = _rss_mb(server.pid)
        results: list[dict[str, Any]] = []
        for worker in workers:
            out, _ = worker.communicate(timeout=60)
            results.extend(json.loads(out))
        out, _ = publisher.communicate(timeout=30)
        send_log = [(int(tag), float(at)) for tag, at in json.loads(out)]
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    cpu_pct = (cpu_end - cpu_start) / (window_end - window_start) * 100
    record = summarize(
        mode, subscribers, cpu_pct, rss, go, connected, results, send_log, window_start, window_end
    )
    record["rss_mb_window_start"] = round(rss_start, 1)
    record["rss_growth_pct"] = round((rss - rss_start) / rss_start * 100, 2)
    return record


def _delays(tags: list[list[float]], send_log: list[tuple[int, float]]) -> list[float]:
    """Arrival minus the latest send of the same frame before it (the media loops)."""
    sent: dict[int, list[float]] = {}
    for sent_tag, sent_at in send_log:
        sent.setdefault(sent_tag, []).append(sent_at)
    delays = []
    for tag, arrived in tags:
        before = [at for at in sent.get(int(tag), []) if at <= arrived]
        if before:
            delays.append((arrived - max(before)) * 1000)
    return delays


def summarize(
    mode: str,
    n: int,
    cpu_pct: float,
    rss: float,
    go: float,
    connected: list[float],
    results: list[dict[str, Any]],
    send_log: list[tuple[int, float]],
    start: float,
    end: float,
) -> dict[str, Any]:
    span = end - start
    counting = [r for r in results if not r["decode"]]
    decoding = [r for r in results if r["decode"]]

    def fps(result: dict[str, Any]) -> float:
        return sum(1 for t in result["frame_times"] if start <= t < end) / span

    def kbps(result: dict[str, Any]) -> float:
        slots: dict[str, int] = result["bytes_per_tenth"]
        total = sum(v for k, v in slots.items() if start * 10 <= int(k) < end * 10)
        return float(total * 8 / span / 1000)

    fpss = [fps(r) for r in counting]
    rates = [kbps(r) for r in counting]
    delays: list[float] = []
    for result in counting:
        delays.extend(_delays([t for t in result["tags"] if start <= t[1] < end], send_log))
    firsts = [r["first_frame_at"] for r in results]
    connect_s = None if -1.0 in connected or None in firsts else max(firsts) - go
    return {
        "mode": mode,
        "subscribers": n,
        "cpu_pct": round(cpu_pct, 2),
        "cpu_pct_per_stream": round(cpu_pct / len(results), 3),
        "streams": len(results),
        "publisher_fps": round(sum(1 for _, at in send_log if start <= at < end) / span, 2),
        "rss_mb": round(rss, 1),
        "fps_min": round(min(fpss), 2),
        "fps_median": round(statistics.median(fpss), 2),
        "kbps_min": round(min(rates), 1),
        "kbps_median": round(statistics.median(rates), 1),
        "loss_pct": round(100 * statistics.mean(r["loss"] for r in counting), 3),
        "delay_ms_median": round(statistics.median(delays), 2) if delays else None,
        "delay_ms_p95": round(sorted(delays)[int(len(delays) * 0.95)], 2) if delays else None,
        "connect_s": None if connect_s is None else round(connect_s, 3),
        "decoded_fps": round(fps(decoding[0]), 2) if decoding else None,
        "window_s": round(span, 1),
    }


def _print_table(records: list[dict[str, Any]]) -> None:
    columns = [
        ("mode", "{}"),
        ("subscribers", "{}"),
        ("cpu_pct", "{:.1f}"),
        ("cpu_pct_per_stream", "{:.3f}"),
        ("rss_mb", "{:.0f}"),
        ("fps_min", "{:.1f}"),
        ("fps_median", "{:.1f}"),
        ("kbps_min", "{:.0f}"),
        ("kbps_median", "{:.0f}"),
        ("loss_pct", "{:.2f}"),
        ("delay_ms_median", "{:.1f}"),
        ("connect_s", "{:.2f}"),
        ("decoded_fps", "{:.1f}"),
        ("publisher_fps", "{:.1f}"),
        ("rss_growth_pct", "{:.1f}"),
    ]
    print("  ".join(name for name, _ in columns))
    for record in records:
        cells = ["-" if record[name] is None else fmt.format(record[name]) for name, fmt in columns]
        print(
            "  ".join(cell.rjust(len(name)) for cell, (name, _) in zip(cells, columns, strict=True))
        )


def compare(sfu: list[dict[str, Any]], baseline: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The per-stream cost ratio at the largest N the baseline sustains (None if no N)."""
    sustained = [b for b in baseline if b["fps_min"] >= SUSTAINED_FPS]
    if not sustained:
        return None
    largest = max(sustained, key=lambda b: b["subscribers"])
    ours = next((s for s in sfu if s["subscribers"] == largest["subscribers"]), None)
    if ours is None or not ours["cpu_pct_per_stream"]:
        return None
    return {
        "subscribers": largest["subscribers"],
        "sustained_fps_min": SUSTAINED_FPS,
        "mediarelay_fps_min": largest["fps_min"],
        "mediarelay_cpu_pct_per_stream": largest["cpu_pct_per_stream"],
        "sfu_cpu_pct_per_stream": ours["cpu_pct_per_stream"],
        "ratio": round(largest["cpu_pct_per_stream"] / ours["cpu_pct_per_stream"], 1),
    }


def next_probe(baseline: list[dict[str, Any]]) -> int | None:
    """The N to measure next so the baseline's largest sustained N is known exactly.

    The grid (say 1,10,25,50) brackets the baseline's limit but rarely hits it: when it
    sustains 1 and not 10, its limit is somewhere in 1..9, and the ratio belongs there.
    Bisect between the largest sustained N and the smallest N it failed (None when the
    bracket is closed, or when the baseline never failed or never sustained).
    """
    sustained: list[int] = [b["subscribers"] for b in baseline if b["fps_min"] >= SUSTAINED_FPS]
    failed: list[int] = [b["subscribers"] for b in baseline if b["fps_min"] < SUSTAINED_FPS]
    if not sustained or not failed:
        return None
    low, high = max(sustained), min(failed)
    if high - low <= 1:
        return None
    return (low + high) // 2


def describe(ratio: dict[str, Any] | None) -> str:
    if ratio is None:
        return f"the baseline sustained no N at >= {SUSTAINED_FPS} fps: no ratio"
    return (
        f"ratio at N={ratio['subscribers']}, the largest N the baseline sustained "
        f"(fps min {ratio['mediarelay_fps_min']} >= {SUSTAINED_FPS}): MediaRelay costs "
        f"{ratio['ratio']}x more per stream ({ratio['mediarelay_cpu_pct_per_stream']} % vs "
        f"{ratio['sfu_cpu_pct_per_stream']} % of a core)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sfu", description=__doc__)
    parser.add_argument(
        "--subscribers", default="1,10,25,50", help="comma-separated subscriber counts"
    )
    parser.add_argument("--seconds", type=float, default=20, help="steady window per count")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--baseline", choices=("mediarelay",), help="also measure this server")
    parser.add_argument(
        "--recording",
        action="store_true",
        help="also measure the SFU recording every on-air track (recorder/track_log.py)",
    )
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.subscribers.split(",") if n.strip()]
    if not counts or min(counts) < 1:
        parser.error("--subscribers needs positive counts, e.g. 1,10,25,50")
    if (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {CLIENT_CORE})
    generate(MEDIA_DIR)
    log = sys.stderr if args.json else sys.stdout
    records = []
    recorded: list[dict[str, Any]] = []
    baseline: list[dict[str, Any]] = []
    compared = args.baseline
    for n in counts:
        print(f"sfu: {n} subscribers...", file=log, flush=True)
        records.append(run_round("sfu", n, args.seconds))
        if args.recording:  # right after, on the same machine load
            print(f"sfu-recording: {n} subscribers...", file=log, flush=True)
            recorded.append(run_round("sfu-recording", n, args.seconds))
        if compared:  # right after the SFU's round, so both see the same machine load
            print(f"{compared}: {n} subscribers...", file=log, flush=True)
            baseline.append(run_round(compared, n, args.seconds))
            if baseline[-1]["fps_min"] < SUSTAINED_FPS:
                compared = None
    if args.baseline:
        while (probe := next_probe(baseline)) is not None:
            for mode, rounds in (("sfu", records), (args.baseline, baseline)):
                note = "finding the baseline's limit"
                print(f"{mode}: {probe} subscribers ({note})...", file=log, flush=True)
                rounds.append(run_round(mode, probe, args.seconds))
        records.sort(key=lambda r: r["subscribers"])
        baseline.sort(key=lambda r: r["subscribers"])
    ratio = compare(records, baseline) if baseline else None
    if args.json:
        document = {
            "command": " ".join(["python -m bench.sfu", *(argv or sys.argv[1:])]),
            "sfu": records,
            "sfu_recording": recorded,
            "baseline": baseline,
            "comparison": ratio,
            "cpu_count": os.cpu_count(),
            "stream": "one subscriber (counting or decoding) receiving audio and video",
        }
        json.dump(document, sys.stdout, indent=2)
        print()
    else:
        _print_table(records + recorded + baseline)
    for plain, with_recording in zip(records, recorded, strict=False):
        print(
            f"recording at N={plain['subscribers']}: "
            f"{with_recording['cpu_pct_per_stream']} vs {plain['cpu_pct_per_stream']} % per "
            f"stream, x{with_recording['cpu_pct_per_stream'] / plain['cpu_pct_per_stream']:.3f}",
            file=log,
            flush=True,
        )
    if args.baseline:
        print(describe(ratio), file=log, flush=True)


if __name__ == "__main__":
    main()
