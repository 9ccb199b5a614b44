"""python -m bench.sfu: what serving a live reception costs, measured on one machine.

For each N: a fresh server pinned to one core (`reception run` by default), a host
publishing pre-encoded VP8 + Opus, the moderator, and N listeners that join together, each
with its own signaling connection and aiortc's full receive path, in processes spread over
the other cores. Server CPU and RSS come from /proc over a steady window; then newcomers
join the live reception one at a time. `--baseline janus` measures Janus Gateway's
VideoRoom the same way, round for round; `--setup` installs it (as root). `--loss PCT`
drops that share of the server's media to the listeners at random (bench/sfu/loss.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.sfu import figures, isolation, janus, loss, servers
from bench.sfu.figures import Usage, Window
from bench.sfu.media import generate
from bench.sfu.processes import expect, say, spawn, stop
from bench.sfu.procfs import cpu_seconds, rss_mb

__all__ = ["CLIENT_CORE", "MEDIA_DIR", "expect", "main", "spawn"]
"""What other benchmarks take from here (the recording benchmark starts its processes so)."""

SERVER_CORE = 0
CLIENT_CORE = 1
"""The first client core by default (the recording benchmark pins itself there)."""
LISTENERS_PER_PROCESS = 10
WARMUP_S = 3.0
SETTLE_S = 2.0
"""After the publisher is up and before the listeners join: the server's RSS is read then."""
MEDIA_DIR = Path(tempfile.gettempdir()) / "reception-sfu-bench-media"


def client_cores(server_core: int, given: str | None) -> list[int]:
    """`--client-cores` as a list; by default every core this process may use but the
    server's (the server's own core when it is the only one)."""
    if given:
        return [int(c) for c in given.split(",") if c.strip()]
    cores = sorted(os.sched_getaffinity(0) - {server_core})
    return cores or [server_core]


def listener_groups(n: int, decoding: int) -> list[tuple[int, int, bool]]:
    """(first listener, how many, decoding) per worker process: the decoding ones in a
    process of their own, the others by LISTENERS_PER_PROCESS."""
    decoding = min(decoding, n)
    groups = [(0, decoding, True)] if decoding else []
    for first in range(decoding, n, LISTENERS_PER_PROCESS):
        groups.append((first, min(LISTENERS_PER_PROCESS, n - first), False))
    return groups


def _output(process: subprocess.Popen[str]) -> Any:
    """What a client process printed when its stdin closed."""
    out, _ = process.communicate(timeout=120)
    if not out.strip():
        raise RuntimeError(f"a client process ended with {process.returncode} and no output")
    return json.loads(out)


def _cpu(processes: list[subprocess.Popen[str]]) -> float:
    return sum(cpu_seconds(p.pid) for p in processes if p.poll() is None)


def run_round(server_kind: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    cores = client_cores(args.server_core, args.client_cores)
    with loss.dropping(args.loss, servers.MEDIA_PORTS) as dropping:
        record = _round(server_kind, n, args, cores)
    if dropping.dropped is not None:
        record["dropped_pct"] = dropping.dropped.pct
    return record


def _round(server_kind: str, n: int, args: argparse.Namespace, cores: list[int]) -> dict[str, Any]:
    server = servers.start(server_kind, [args.server_core])
    target = server.target.dumps()
    ports = "-".join(str(p) for p in loss.LISTENER_PORTS)
    processes: list[subprocess.Popen[str]] = []
    try:
        publisher = spawn(
            "bench.sfu.publisher",
            *("--target", target, "--media", str(MEDIA_DIR)),
            *("--keyframe-interval", str(args.keyframe_interval)),
            cores=cores[:1],
        )
        processes.append(publisher)
        workers = []
        for index, (first, count, decode) in enumerate(listener_groups(n, args.decoding)):
            extra = ["--decode"] if decode else []
            workers.append(
                spawn(
                    "bench.sfu.listeners",
                    *("--target", target, "--count", str(count), "--first", str(first), *extra),
                    *("--ports", ports),
                    cores=[cores[(index + 1) % len(cores)]],
                )
            )
        newcomers = spawn(
            "bench.sfu.listeners",
            *("--target", target, "--count", str(args.joins), "--prefix", "newcomer-"),
            *("--one-by-one", "--ports", ports),
            cores=cores[-1:],
        )
        processes += [*workers, newcomers]
        for process in (*workers, newcomers):
            expect(process.stdout, "READY")
        expect(publisher.stdout, "PUBLISHING")
        time.sleep(SETTLE_S)
        rss_before = rss_mb(server.process.pid)
        for worker in workers:
            say(worker, "GO")
        for worker in workers:
            expect(worker.stdout, "CONNECTED", timeout=120)
        time.sleep(WARMUP_S)
        clients = [publisher, *workers]
        server_start, client_start = cpu_seconds(server.process.pid), _cpu(clients)
        start = time.time()
        time.sleep(args.seconds)
        server_end, client_end, end = cpu_seconds(server.process.pid), _cpu(clients), time.time()
        rss = rss_mb(server.process.pid)
        say(newcomers, "GO")
        expect(newcomers.stdout, "CONNECTED", timeout=120)
        listeners: list[dict[str, Any]] = []
        for worker in workers:
            listeners += _output(worker)
        joined = _output(newcomers)
        sent = _output(publisher)
    finally:
        stop(processes)
        server.stop()
    span = end - start
    usage = Usage(
        server_cpu_pct=(server_end - server_start) / span * 100,
        client_cpu_pct=(client_end - client_start) / span * 100 / len(cores),
        rss_mb=rss,
        rss_before_mb=rss_before,
    )
    return figures.summarize(server_kind, listeners, joined, sent, usage, Window(start, end))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.sfu", description=__doc__)
    parser.add_argument("--listeners", default="1,10,25,50", help="comma-separated counts N")
    parser.add_argument("--seconds", type=float, default=20, help="steady window per round")
    parser.add_argument("--reps", type=int, default=2, help="rounds per server and N")
    parser.add_argument(
        "--mode",
        choices=("reception", "router"),
        default="reception",
        help="the product as run (`reception run`), or a bare sfu.Router behind three routes",
    )
    parser.add_argument(
        "--baseline",
        choices=("janus", "mediarelay"),
        help="also measure Janus VideoRoom (needs root) or, with --mode router, MediaRelay",
    )
    parser.add_argument(
        "--recording", action="store_true", help="router mode: record every on-air track"
    )
    parser.add_argument(
        "--keyframe-interval",
        type=float,
        default=0.5,
        help="least seconds between key frames the host makes on request",
    )
    parser.add_argument("--joins", type=int, default=3, help="newcomers timed one by one")
    parser.add_argument(
        "--decoding", type=int, default=1, help="listeners that decode (the rest count frames)"
    )
    parser.add_argument("--server-core", type=int, default=SERVER_CORE, help="default 0")
    parser.add_argument("--client-cores", help="comma-separated; default: all but the server's")
    parser.add_argument(
        "--loss",
        type=float,
        default=0.0,
        metavar="PCT",
        help="drop PCT %% of the server's UDP to the listeners at random (nftables on "
        "prerouting, root): not the host's uplink, its RTCP or the moderator's media",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--setup", action="store_true", help="install Janus (Debian's package; root) and exit"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.setup:
        janus.install()
        return 0
    counts = [int(n) for n in args.listeners.split(",") if n.strip()]
    if not counts or min(counts) < 1 or args.reps < 1:
        parser.error("--listeners needs positive counts, e.g. 1,10,25,50, and --reps >= 1")
    if args.recording and args.mode != "router":
        parser.error("--recording measures the bare Router: add --mode router")
    if not 0 <= args.loss < 100:
        parser.error("--loss is a percentage from 0 to below 100")
    if args.loss:
        reason = loss.unavailable_reason()
        if reason:
            parser.error(reason)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the table goes
    if args.baseline == "janus" and not isolation.inside():
        return isolation.run_inside(argv)
    os.sched_setaffinity(0, client_cores(args.server_core, args.client_cores))
    generate(MEDIA_DIR)
    log = sys.stderr if args.json else sys.stdout
    ours = "router-recording" if args.recording else args.mode
    kinds = [ours, args.baseline] if args.baseline else [ours]
    rounds: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    failed: set[str] = set()
    errors: list[dict[str, Any]] = []
    for n in counts:
        for rep in range(args.reps):
            for kind in figures.round_order(kinds, rep):
                if kind in failed:
                    continue
                print(f"{kind}: {n} listeners, round {rep + 1}...", file=log, flush=True)
                try:
                    rounds[kind].append(run_round(kind, n, args))
                except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
                    print(f"  round failed: {exc}", file=log, flush=True)
                    errors.append({"server": kind, "listeners": n, "error": str(exc)})
        if args.baseline == "mediarelay" and args.baseline not in failed:
            last = [r for r in rounds[args.baseline] if r["listeners"] == n]
            if last and min(r["fps_min"] for r in last) < figures.SUSTAINED_FPS:
                failed.add(args.baseline)  # it decodes and encodes: larger N only take longer
    combined = {
        kind: [
            figures.combine([r for r in rounds[kind] if r["listeners"] == n])
            for n in counts
            if any(r["listeners"] == n for r in rounds[kind])
        ]
        for kind in kinds
    }
    compared = figures.ratios(combined[ours], combined[args.baseline]) if args.baseline else []
    if args.json:
        document = {
            "command": " ".join(["python -m bench.sfu", *argv]),
            "loss_pct": args.loss,
            "cpu_count": os.cpu_count(),
            "server_core": args.server_core,
            "client_cores": client_cores(args.server_core, args.client_cores),
            "network_namespace": isolation.inside(),
            "combined": combined,
            "ratios": compared,
            "rounds": rounds,
            "failed_rounds": errors,
        }
        json.dump(document, sys.stdout, indent=2)
        print()
    else:
        if args.loss:
            print(f"loss: {args.loss:g} % of the server's UDP to the listeners dropped at random")
        columns = figures.LOSS_COLUMNS if args.loss else figures.COLUMNS
        print(figures.table([row for kind in kinds for row in combined[kind]], columns))
    for ratio in compared:
        print(f"{ours} against {figures.describe(ratio)}", file=log, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
