"""What a process has spent, read from /proc (every thread of it counts)."""

from __future__ import annotations

import os
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def parse_cpu_seconds(stat: str) -> float:
    """utime + stime of a /proc/<pid>/stat line (the command name may hold spaces)."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def parse_rss_mb(status: str) -> float:
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    return parse_cpu_seconds(Path(f"/proc/{pid}/stat").read_text())


def rss_mb(pid: int) -> float:
    return parse_rss_mb(Path(f"/proc/{pid}/status").read_text())
