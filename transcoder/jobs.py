"""What a job is: its state, its status record, and the context a handler runs in.

These names are the contract between the queue (transcoder/queue.py) and whoever writes a job
handler (the recorder's composition, the portal's conversions), so they depend on nothing but
the standard library.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

ProgressSink = Callable[[float, str], Awaitable[None]]
"""Where a context stores progress: (fraction 0..1, note)."""


COMPOSE = "compose"
"""The composition of a reception's recording (its handler is the recorder's, registered
where the node is wired); named here because the node submits it and the portal follows
it, and neither may import the other."""


def compose_job_id(reception_id: int | str) -> str:
    """The one composition of a reception: submitting it twice runs it once."""
    return f"{COMPOSE}-{reception_id}"


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})


@dataclass(frozen=True, slots=True)
class JobStatus:
    """One job as the queue reports it; `result` is the handler's return value once DONE."""

    id: str
    kind: str
    state: JobState
    progress: float
    attempts: int
    error: str | None
    result: dict[str, Any]
    updated_at: float
    """time.time() of the last change."""

    @property
    def finished(self) -> bool:
        """True once nothing more will happen to the job (unless it is submitted again)."""
        return self.state in FINISHED_STATES


class JobCancelled(Exception):
    """Raised by a handler (run_ffmpeg does) when its job was cancelled."""


class JobContext:
    """What a handler gets: who it is, whether to stop, and where to report progress.

    Progress is stored at most every `min_interval_s` (ffmpeg reports twice a second, and a
    status write may be a Redis round trip); the first report, a report of 1.0 and a jump of
    `min_step` or more are stored at once, so a short job still shows its end.
    """

    __slots__ = (
        "_last_stored",
        "_last_time",
        "_min_interval_s",
        "_min_step",
        "_sink",
        "attempt",
        "cancelled",
        "fraction",
        "job_id",
    )

    def __init__(
        self,
        job_id: str,
        attempt: int = 1,
        *,
        sink: ProgressSink | None = None,
        cancelled: asyncio.Event | None = None,
        min_interval_s: float = 1.0,
        min_step: float = 0.25,
    ) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.cancelled = cancelled if cancelled is not None else asyncio.Event()
        self.fraction = 0.0
        """The latest fraction reported, stored or not."""
        self._sink = sink
        self._min_interval_s = min_interval_s
        self._min_step = min_step
        self._last_stored: float | None = None
        self._last_time = 0.0

    async def progress(self, fraction: float, note: str = "") -> None:
        """Report how far the job is (clamped to 0..1); stored when the throttle allows."""
        fraction = min(1.0, max(0.0, fraction))
        self.fraction = fraction
        if self._sink is None:
            return
        now = time.monotonic()
        if not (
            self._last_stored is None
            or fraction >= 1.0
            or now - self._last_time >= self._min_interval_s
            or fraction - self._last_stored >= self._min_step
        ):
            return
        if fraction == self._last_stored:
            return
        self._last_stored = fraction
        self._last_time = now
        await self._sink(fraction, note)

    def raise_if_cancelled(self) -> None:
        """For handlers between steps: stop here if someone cancelled the job."""
        if self.cancelled.is_set():
            raise JobCancelled(self.job_id)


JobHandler = Callable[[dict[str, Any], JobContext], Awaitable[dict[str, Any]]]
"""A job kind's work: (params, context) -> result; raises JobCancelled when told to stop."""
