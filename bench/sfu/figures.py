"""From what the processes of one round recorded to the figures the benchmark reports."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SUSTAINED_FPS = 29.5
"""A server sustains N when its slowest listener keeps this frame rate (of 30)."""
FREEZE_S = 0.2
"""A listener's video froze when no frame came for this long: about what WebRTC's stats
count as a freeze at 30 fps (a frame later than 3 frame intervals and 150 ms beyond one)."""


@dataclass(frozen=True)
class Window:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def count(self, times: list[float]) -> int:
        return sum(1 for t in times if self.start <= t < self.end)

    def rate(self, times: list[float]) -> float:
        return self.count(times) / self.seconds

    def gaps(self, times: list[float]) -> list[float]:
        """The spans without a frame, from the window's start to its end."""
        inside = [t for t in times if self.start <= t < self.end]
        marks = [self.start, *sorted(inside), self.end]
        return [b - a for a, b in itertools.pairwise(marks)]


@dataclass(frozen=True)
class Usage:
    """What the processes spent over the window (% of one core)."""

    server_cpu_pct: float
    client_cpu_pct: float
    """Publisher and listener processes together, divided by the client cores."""
    rss_mb: float
    rss_before_mb: float
    """The server's RSS with the host publishing, before the listeners joined."""


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


PHASES = (
    ("join", "started_at", "joined_at"),
    ("offer", "joined_at", "offered_at"),
    ("answer", "offered_at", "answered_at"),
    ("first_frame", "answered_at", "first_video_at"),
)
"""Where a newcomer's join time goes: connecting and joining, waiting for the server's
offer, answering it (aiortc's ICE gathering included), then ICE, DTLS and a key frame."""


def join_phases(newcomers: list[dict[str, Any]]) -> dict[str, float | None]:
    done = [r for r in newcomers if r["first_video_at"]]
    return {name: _median([r[end] - r[start] for r in done]) for name, start, end in PHASES}


def summarize(
    server: str,
    listeners: list[dict[str, Any]],
    newcomers: list[dict[str, Any]],
    publisher: dict[str, Any],
    usage: Usage,
    window: Window,
) -> dict[str, Any]:
    """One round's record. A stream is one receiver of the host's audio and video: the N
    listeners, and the moderator where the server has one."""
    n = len(listeners)
    streams = n + (1 if publisher.get("moderator") else 0)
    fps = [window.rate(r["frame_times"]) for r in listeners]
    gaps = [gap for r in listeners for gap in window.gaps(r["frame_times"])]
    firsts = [r["first_video_at"] for r in listeners]
    everyone = max(firsts) - min(r["started_at"] for r in listeners) if None not in firsts else None
    joins = [r["first_video_at"] - r["started_at"] for r in newcomers if r["first_video_at"]]
    lost = sum(r["video_packets_lost"] for r in listeners)
    received = sum(r["video_packets_received"] for r in listeners)
    return {
        "server": server,
        "listeners": n,
        "streams": streams,
        "server_cpu_pct": round(usage.server_cpu_pct, 2),
        "cpu_pct_per_stream": round(usage.server_cpu_pct / streams, 3),
        "rss_mb": round(usage.rss_mb, 1),
        "rss_mb_per_listener": round((usage.rss_mb - usage.rss_before_mb) / n, 3),
        "fps_min": round(min(fps), 2),
        "fps_median": round(statistics.median(fps), 2),
        "without_video": firsts.count(None),
        "freezes": sum(1 for gap in gaps if gap >= FREEZE_S),
        "freeze_max_s": round(max(gaps), 3),
        "all_video_s": None if everyone is None else round(everyone, 3),
        "join_s": _median(joins),
        "joins": len(joins),
        "join_phases_s": join_phases(newcomers),
        "video_loss_pct": round(100 * lost / (lost + received), 3) if lost + received else 0.0,
        "keyframe_requests": publisher["keyframe_requests"],
        "keyframes_on_request": window.count(publisher["keyframes_on_request"]),
        "publisher_fps": round(window.rate(publisher["sent_at"]), 2),
        "client_cpu_pct": round(usage.client_cpu_pct, 1),
        "window_s": round(window.seconds, 1),
    }


NUMBERS = (
    "server_cpu_pct",
    "cpu_pct_per_stream",
    "rss_mb",
    "rss_mb_per_listener",
    "fps_min",
    "fps_median",
    "all_video_s",
    "join_s",
    "video_loss_pct",
    "publisher_fps",
    "client_cpu_pct",
)


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The repetitions of one server at one N: the median of each figure, the spread of
    the CPU per stream, and the worst frame rate, freezes and longest freeze of any
    repetition (with `--loss`, the median share the loss table dropped)."""
    first = rounds[0]
    combined: dict[str, Any] = {
        "server": first["server"],
        "listeners": first["listeners"],
        "streams": first["streams"],
        "reps": len(rounds),
    }
    for name in NUMBERS:
        values = [r[name] for r in rounds if r[name] is not None]
        combined[name] = round(statistics.median(values), 3) if values else None
    per_stream = [r["cpu_pct_per_stream"] for r in rounds]
    combined["cpu_pct_per_stream_range"] = [min(per_stream), max(per_stream)]
    combined["fps_min"] = min(r["fps_min"] for r in rounds)
    combined["without_video"] = max(r["without_video"] for r in rounds)
    for worst in ("freezes", "freeze_max_s"):
        values = [r[worst] for r in rounds if r.get(worst) is not None]
        combined[worst] = max(values) if values else None
    dropped = [r["dropped_pct"] for r in rounds if r.get("dropped_pct") is not None]
    combined["dropped_pct"] = round(statistics.median(dropped), 3) if dropped else None
    return combined


def ratios(ours: list[dict[str, Any]], baseline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per N measured for both: our figure over the baseline's (below 1: we spend less)."""
    theirs = {b["listeners"]: b for b in baseline}
    rows = []
    for mine in ours:
        other = theirs.get(mine["listeners"])
        if other is None:
            continue
        rows.append(
            {
                "listeners": mine["listeners"],
                "baseline": other["server"],
                "baseline_sustained": other["fps_min"] >= SUSTAINED_FPS,
                "cpu_per_stream": _ratio(mine["cpu_pct_per_stream"], other["cpu_pct_per_stream"]),
                "rss": _ratio(mine["rss_mb"], other["rss_mb"]),
                "rss_per_listener": _ratio(
                    mine["rss_mb_per_listener"], other["rss_mb_per_listener"]
                ),
                "join_s": _ratio(mine["join_s"], other["join_s"]),
            }
        )
    return rows


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or not theirs:
        return None
    return round(ours / theirs, 2)


def round_order(servers: list[str], rep: int) -> list[str]:
    """The servers of one repetition, mirrored every other one (A B, B A, ...), so a drift
    of the machine's load falls on both alike."""
    return servers if rep % 2 == 0 else servers[::-1]


COLUMNS = (
    ("server", "{}"),
    ("listeners", "{}"),
    ("reps", "{}"),
    ("server_cpu_pct", "{:.1f}"),
    ("cpu_pct_per_stream", "{:.3f}"),
    ("rss_mb", "{:.0f}"),
    ("rss_mb_per_listener", "{:.2f}"),
    ("fps_min", "{:.1f}"),
    ("fps_median", "{:.1f}"),
    ("freezes", "{}"),
    ("freeze_max_s", "{:.2f}"),
    ("all_video_s", "{:.2f}"),
    ("join_s", "{:.2f}"),
    ("video_loss_pct", "{:.2f}"),
    ("publisher_fps", "{:.1f}"),
    ("client_cpu_pct", "{:.0f}"),
)
LOSS_COLUMNS = (*COLUMNS, ("dropped_pct", "{:.2f}"))
"""With `--loss`: what share of the server's packets to the listeners the table dropped."""


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]] = COLUMNS) -> str:
    """Rows as aligned text; `columns` are (name, format) pairs (other benchmarks' own)."""
    lines = ["  ".join(name for name, _ in columns)]
    for row in rows:
        cells = ["-" if row.get(name) is None else fmt.format(row[name]) for name, fmt in columns]
        lines.append(
            "  ".join(cell.rjust(len(name)) for cell, (name, _) in zip(cells, columns, strict=True))
        )
    return "\n".join(lines)


def describe(ratio: dict[str, Any]) -> str:
    caveat = "" if ratio["baseline_sustained"] else f" ({ratio['baseline']} below 29.5 fps)"
    return (
        f"N={ratio['listeners']}{caveat}: CPU per stream x{ratio['cpu_per_stream']}, "
        f"RSS x{ratio['rss']}, RSS per listener x{ratio['rss_per_listener']}, "
        f"join x{ratio['join_s']} of {ratio['baseline']}'s"
    )
