"""One soak: a fresh `reception run` node; the moderator and the host, the citizens and the
listeners in processes of a few people each; the node sampled from /proc for the whole run.

Nothing is pinned unless asked (`server_core`): a soak looks for trends over time, not for
the cost of a stream, and on a shared two-core machine a pinned node waits for its core
while the other one is free, which shows as delay that is not the node's."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.sfu.__main__ import MEDIA_DIR
from bench.sfu.media import generate
from bench.sfu.processes import expect, say, spawn, stop
from bench.sfu.procfs import cpu_seconds, rss_mb
from bench.sfu.servers import Server, start_reception
from bench.soak.figures import Run, Sample, summarize
from bench.soak.histogram import Histogram

PER_PROCESS = 5
"""People per client process: one event loop is one core at most, and a process that
falls behind misses its socket.io pings and is dropped; small groups keep up."""
WARMUP_S = 3.0
"""After everyone receives, before the first minute counts."""
NODE_SECTIONS = {"signaling": {"limits": {"connections_per_address": 1000}}}
"""Every client of the soak comes from 127.0.0.1; a node lets one address open 100."""
JOIN_TIMEOUT_S = 180
LOG_LINES = 40


@dataclass(frozen=True)
class Options:
    minutes: int
    listeners: int = 100
    citizens: int = 15
    server_core: int | None = None
    sample_s: float = 5.0
    records: bool = False
    """Keep every participant's own record in the result."""


Progress = Callable[[str], None]


def groups(people: int) -> list[tuple[int, int]]:
    """(number of the first, how many) per process, numbered from 1."""
    return [
        (first, min(PER_PROCESS, people + 1 - first)) for first in range(1, people + 1, PER_PROCESS)
    ]


def _cpu(processes: list[subprocess.Popen[str]]) -> float:
    return sum(cpu_seconds(p.pid) for p in processes if p.poll() is None)


def _sample(server: Server, clients: list[subprocess.Popen[str]]) -> Sample:
    if server.process.poll() is not None:
        raise RuntimeError(f"the node exited during the soak ({server.process.returncode})")
    pid = server.process.pid
    return Sample(time.time(), cpu_seconds(pid), rss_mb(pid), _cpu(clients))


def _merge(stages: list[dict[str, Any]]) -> dict[str, Any]:
    late: dict[str, Histogram] = {}
    for stage in stages:
        for minute, counts in stage["publisher_late"].items():
            late.setdefault(minute, Histogram()).merge(Histogram.loads(counts))
    return {
        "people": [person for stage in stages for person in stage["people"]],
        "presence": stages[0]["presence"],
        "commands": stages[0]["commands"],
        "publisher_late": {minute: h.dumps() for minute, h in late.items()},
    }


def _joined(processes: list[subprocess.Popen[str]]) -> int:
    return sum(int(expect(p.stdout, "JOINED ", timeout=JOIN_TIMEOUT_S)) for p in processes)


def _log_tail(server: Server) -> list[str]:
    """The node logs warnings and errors only: its last lines say what went wrong."""
    log = server.folder / "server.log" if server.folder else None
    if log is None or not log.exists():
        return []
    return log.read_text(errors="replace").splitlines()[-LOG_LINES:]


def soak(options: Options, report: Progress = lambda _: None) -> dict[str, Any]:
    began = time.monotonic()

    def progress(line: str) -> None:
        report(f"[{time.monotonic() - began:6.1f} s] {line}")

    generate(MEDIA_DIR)
    cores = sorted(os.sched_getaffinity(0))
    pinned = [] if options.server_core is None else [options.server_core]
    server = start_reception(pinned, NODE_SECTIONS)
    progress(f"node up (pid {server.process.pid}, cores {pinned or cores})")
    media = ("--target", server.target.dumps(), "--media", str(MEDIA_DIR))
    processes: list[subprocess.Popen[str]] = []
    try:
        chair = spawn("bench.soak.stage", *media, "--moderate", str(options.citizens))
        citizens = [
            spawn("bench.soak.stage", *media, "--first", str(first), "--count", str(count))
            for first, count in groups(options.citizens)
        ]
        audience = [
            spawn("bench.soak.audience", *media, "--first", str(first), "--count", str(count))
            for first, count in groups(options.listeners)
        ]
        processes += [chair, *citizens, *audience]
        for process in processes:
            expect(process.stdout, "READY")
        say(chair, "GO")
        _joined([chair])
        for process in citizens:
            say(process, "GO")
        stage = 2 + _joined(citizens)
        for process in audience:  # after the stage: a hundred joins at once slow its own
            say(process, "GO")
        listening = _joined(audience)
        progress(f"{stage} on stage and {listening} listeners receive the host")
        time.sleep(WARMUP_S)
        start = time.time()
        for process in processes:
            say(process, f"START {start}")
        samples = [_sample(server, processes)]
        end = start + options.minutes * 60
        while (now := time.time()) < end:
            time.sleep(min(options.sample_s, end - now))
            samples.append(_sample(server, processes))
            minute = int((samples[-1].at - start) // 60)
            if minute > int((samples[-2].at - start) // 60):
                progress(f"minute {minute}: node RSS {samples[-1].server_rss_mb:.1f} MB")
        stopped = time.time()
        for process in processes:
            say(process, "STOP")
        records = [json.loads(expect(p.stdout, "RECORDS ", timeout=60)) for p in processes]
    finally:
        stop(processes)
        log = _log_tail(server)
        server.stop()
    stages = records[: 1 + len(citizens)]
    listeners = [r for group in records[len(stages) :] for r in group["listeners"]]
    lags = [stage["loop_lag_ms"] for stage in stages] + [
        g["loop_lag_ms"] for g in records[len(stages) :]
    ]
    run = Run(start, stopped, options.minutes, len(cores), samples, listeners, _merge(stages), lags)
    result = {
        "cores": {"server": options.server_core, "clients": cores},
        **summarize(run),
        "node_log": log,
    }
    if options.records:
        result["records"] = {"stage": run.stage, "listeners": listeners, "start": start}
    return result
