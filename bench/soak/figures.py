"""From what the soak's processes recorded to its figures: per minute the node's CPU and
RSS, how many listeners received the host's video and at what frame rate, the forwarding
delay's percentiles and the moderator's commands; over the run the slopes of RSS and CPU
and everyone who dropped."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.soak.histogram import Histogram

RECEIVING_FPS = 1.0
"""A listener that got the host's video at least at this rate in a minute was receiving."""
END_GRACE_S = 3.0
"""Receiving at the end: a frame at most this long before the soak stopped."""
RSS_FLAT_MB_PER_MIN = 0.5
"""Flat RSS: 15 MB over half an hour, 60 MB over a two-hour reception, a fifth of the
node's ~300 MB; a leak per packet or per command grows faster."""
CPU_FLAT_POINTS_PER_MIN = 0.1
"""Flat CPU: 3 points of a core over half an hour at the same load."""


@dataclass(frozen=True)
class Sample:
    at: float
    server_cpu_s: float
    server_rss_mb: float
    clients_cpu_s: float


def slope(values: Sequence[float]) -> float | None:
    """Least-squares change per step (per minute for per-minute figures)."""
    n = len(values)
    if n < 2:
        return None
    mean_x, mean_y = (n - 1) / 2, statistics.fmean(values)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    return covariance / sum((x - mean_x) ** 2 for x in range(n))


def _at(samples: Sequence[Sample], t: float) -> Sample:
    """The last sample taken at or before `t` (the first one if none)."""
    before = [s for s in samples if s.at <= t + 1e-6]
    return before[-1] if before else samples[0]


def usage(samples: Sequence[Sample], start: float, end: float, cores: int) -> dict[str, float]:
    first, last = _at(samples, start), _at(samples, end)
    span = last.at - first.at or 1.0
    inside = [s.server_rss_mb for s in samples if first.at <= s.at <= last.at]
    return {
        "server_cpu_pct": round((last.server_cpu_s - first.server_cpu_s) / span * 100, 2),
        "clients_cpu_pct": round(
            (last.clients_cpu_s - first.clients_cpu_s) / span * 100 / cores, 1
        ),
        "rss_mb": round(last.server_rss_mb, 1),
        "rss_max_mb": round(max(inside or [last.server_rss_mb]), 1),
    }


def _minute(record: dict[str, Any], minute: int) -> dict[str, Any]:
    empty = {"host_frames": 0, "video_frames": 0, "audio_frames": 0, "unknown_frames": 0}
    return dict(record["minutes"].get(str(minute), {**empty, "delay": {}}))


def receivers(records: Sequence[dict[str, Any]], minute: int) -> dict[str, Any]:
    """The audience in one minute: who received the host, its frame rate, pooled delays."""
    minutes = [_minute(r, minute) for r in records]
    fps = [m["host_frames"] / 60 for m in minutes]
    delay = Histogram.pooled(Histogram.loads(m["delay"]) for m in minutes)
    return {
        "receiving": sum(f >= RECEIVING_FPS for f in fps),
        "fps_min": round(min(fps), 2) if fps else None,
        "fps_median": round(statistics.median(fps), 2) if fps else None,
        "delay_p50_ms": delay.percentile(0.5),
        "delay_p95_ms": delay.percentile(0.95),
        "delay_p99_ms": delay.percentile(0.99),
        "unknown_frames": sum(m["unknown_frames"] for m in minutes),
    }


def commands(log: Sequence[dict[str, Any]], minute: int) -> dict[str, Any]:
    inside = [c for c in log if minute * 60 <= c["at_s"] < (minute + 1) * 60]
    acks = sorted(c["ack_ms"] for c in inside)
    return {
        "commands": len(inside),
        "command_errors": sum("error" in c for c in inside),
        "ack_p95_ms": acks[max(0, int(len(acks) * 0.95) - 1)] if acks else None,
    }


def dropped(record: dict[str, Any]) -> list[str]:
    """Every way this participant was not joined and receiving the whole time."""
    reasons = []
    if not record["joined"]:
        reasons.append("never joined")
    if record["failure"]:
        reasons.append(record["failure"])
    if record["closed"]:
        reasons.append(f"closed: {record['closed']}")
    if record["disconnects"]:
        reasons.append(f"{record['disconnects']} disconnects")
    reasons += [f"connection {state}" for state in record["bad_states"]]
    return reasons


def receiving_at_end(record: dict[str, Any], stop: float) -> bool:
    """Sound or video arrived just before the soak stopped: still joined and served."""
    last = max(record["last_audio_at"] or 0.0, record["last_video_at"] or 0.0)
    return last >= stop - END_GRACE_S


def host_video_at_end(record: dict[str, Any], stop: float) -> bool:
    """The host's video (for the host itself: anyone's) arrived just before the soak
    stopped; the node may have turned it off for a listener whose link looked congested."""
    last = record["last_video_at"] if record["role"] == "host" else record["last_host_frame_at"]
    return last is not None and last >= stop - END_GRACE_S


@dataclass(frozen=True)
class Run:
    """What the processes of one soak recorded."""

    start: float
    stop: float
    minutes: int
    cores: int
    samples: Sequence[Sample]
    audience: Sequence[dict[str, Any]]
    stage: dict[str, Any]
    loop_lags: Sequence[dict[str, float]] = ()
    """Per client process: minute -> its event loop's latest wake-up (ms)."""


def per_minute(run: Run) -> list[dict[str, Any]]:
    rows = []
    for minute in range(run.minutes):
        begin = run.start + minute * 60
        late = Histogram.loads(run.stage["publisher_late"].get(str(minute), {}))
        rows.append(
            {
                "minute": minute + 1,
                **usage(run.samples, begin, min(begin + 60, run.stop), run.cores),
                **receivers(run.audience, minute),
                "stage_receiving": sum(
                    _minute(r, minute)["video_frames"] > 0 for r in run.stage["people"]
                ),
                **commands(run.stage["commands"], minute),
                "publisher_late_p95_ms": late.percentile(0.95),
                "client_loop_lag_max_ms": max(
                    (lag.get(str(minute), 0.0) for lag in run.loop_lags), default=None
                ),
            }
        )
    return rows


def summarize(run: Run) -> dict[str, Any]:
    rows = per_minute(run)
    everyone = [*run.stage["people"], *run.audience]
    drops = {r["name"]: reasons for r in everyone if (reasons := dropped(r))}
    return {
        "minutes": rows,
        "listeners": len(run.audience),
        "stage": len(run.stage["people"]),
        "rss_slope_mb_per_min": _rounded(slope([r["rss_mb"] for r in rows]), 3),
        "cpu_slope_pct_per_min": _rounded(slope([r["server_cpu_pct"] for r in rows]), 3),
        "flat": _flat(rows),
        "rss_last_minute_growth_mb": round(
            rows[-1]["rss_mb"] - usage(run.samples, run.start, run.stop - 60, run.cores)["rss_mb"],
            1,
        )
        if rows
        else None,
        "dropped": drops,
        "presence_changes": run.stage["presence"],
        "not_receiving_at_end": [r["name"] for r in everyone if not receiving_at_end(r, run.stop)],
        "without_video_at_end": [r["name"] for r in everyone if not host_video_at_end(r, run.stop)],
        "command_errors": [c for c in run.stage["commands"] if "error" in c],
        "commands": len(run.stage["commands"]),
        "video_cut_events": {r["name"]: r["video_cut"] for r in everyone if r.get("video_cut")},
    }


def _flat(rows: Sequence[dict[str, Any]]) -> dict[str, bool] | None:
    """Whether RSS and CPU stayed within the bounds above (needs a few minutes)."""
    rss = slope([r["rss_mb"] for r in rows])
    cpu = slope([r["server_cpu_pct"] for r in rows])
    if rss is None or cpu is None:
        return None
    return {"rss": abs(rss) <= RSS_FLAT_MB_PER_MIN, "cpu": cpu <= CPU_FLAT_POINTS_PER_MIN}


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


COLUMNS = (
    ("minute", "{}"),
    ("server_cpu_pct", "{:.1f}"),
    ("rss_mb", "{:.1f}"),
    ("receiving", "{}"),
    ("fps_min", "{:.1f}"),
    ("fps_median", "{:.1f}"),
    ("delay_p50_ms", "{:.1f}"),
    ("delay_p95_ms", "{:.1f}"),
    ("stage_receiving", "{}"),
    ("commands", "{}"),
    ("command_errors", "{}"),
    ("ack_p95_ms", "{:.0f}"),
    ("publisher_late_p95_ms", "{:.1f}"),
    ("clients_cpu_pct", "{:.0f}"),
    ("client_loop_lag_max_ms", "{:.0f}"),
)
