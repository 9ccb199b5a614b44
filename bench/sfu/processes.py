"""Starting the benchmark's processes on chosen cores and talking to them by lines."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import IO


def pinned(command: Sequence[str], cores: Sequence[int]) -> list[str]:
    """`command` under taskset, so it and every thread it starts run on `cores` only."""
    if not cores or not shutil.which("taskset"):
        return list(command)
    return ["taskset", "-c", ",".join(str(c) for c in cores), *command]


def spawn(module: str, *args: str, cores: Sequence[int] = ()) -> subprocess.Popen[str]:
    """A Python module of ours with stdin and stdout as pipes (its stderr is ours)."""
    return subprocess.Popen(
        pinned([sys.executable, "-m", module, *args], cores),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def expect(stream: IO[str] | None, prefix: str, timeout: float = 60) -> str:
    """The rest of the first line starting with `prefix` (blocking reads: the timeout is
    checked between lines)."""
    assert stream is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    raise RuntimeError(f"benchmark process ended without printing {prefix!r}")


def say(process: subprocess.Popen[str], line: str) -> None:
    assert process.stdin is not None
    process.stdin.write(f"{line}\n")
    process.stdin.flush()


def stop(processes: Sequence[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
