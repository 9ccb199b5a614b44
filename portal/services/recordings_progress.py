"""Where a reception's recording stands, and moving it on when its conversion ends.

The conversion runs in the transcoder's queue; the row learns its outcome here, from the
progress route (as the page polls it) and from a periodic watcher (when nobody looks).
Both may run at once: the row moves only by an UPDATE conditional on it still waiting
for that very job, so the outcome is written once. A job the queue no longer knows (an
in-process queue that restarted) is submitted again under its id while its mp4 exists.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from portal.adapters.recordings_orm import Recording
from portal.domain.recordings import STATE_LABELS, RecordingState
from portal.services.recordings import RecordingsDeps
from portal.services.recordings_upload import replace_others, submit
from transcoder.jobs import JobState

WATCH_PERIOD = timedelta(seconds=5)
TIDY_PERIOD = timedelta(hours=1)
STALE_PART_S = 24 * 3600.0
"""A part file untouched this long was left by a process that stopped mid-upload."""


@dataclass(frozen=True, slots=True)
class Progress:
    reception_id: int
    state: RecordingState | None
    """None: nothing was uploaded."""
    fraction: float
    error: str | None = None
    published_at: datetime | None = None

    @property
    def percent(self) -> int:
        return int(self.fraction * 100)

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state] if self.state else "Запись не загружена"


async def advance(deps: RecordingsDeps, reception_id: int) -> Progress:
    """The recording's state now, after taking in its conversion's outcome if it ended."""
    async with deps.db.session() as session:
        row = await session.get(Recording, reception_id)
    if row is None:
        return Progress(reception_id, None, 0.0)
    if row.state == RecordingState.CONVERTING and row.job_id and row.mp4_name and row.webm_name:
        waiting = _Waiting(reception_id, row.job_id, row.mp4_name, row.webm_name)
        fraction = await _follow(deps, waiting)
        if fraction is not None:
            return Progress(reception_id, RecordingState.CONVERTING, fraction)
        async with deps.db.session() as session:
            found = await session.get(Recording, reception_id)
            assert found is not None  # rows are never deleted but with their reception
            row = found
    state = RecordingState(row.state)
    done = 1.0 if state is RecordingState.PUBLISHED else 0.0
    return Progress(reception_id, state, done, row.error, row.published_at)


@dataclass(frozen=True, slots=True)
class _Waiting:
    """A row waiting for its conversion."""

    reception_id: int
    job_id: str
    mp4_name: str
    webm_name: str


async def _follow(deps: RecordingsDeps, row: _Waiting) -> float | None:
    """The job's progress while it runs; None once the row has been moved on."""
    mp4 = deps.files.published_file(row.reception_id, row.mp4_name)
    webm = deps.files.published_file(row.reception_id, row.webm_name)
    status = await deps.jobs.status(row.job_id)
    if status is None:
        if await asyncio.to_thread(mp4.is_file):
            await submit(deps, row.job_id, mp4)
            return 0.0
        await _finish(deps, row, RecordingState.FAILED, "the uploaded file is gone")
        return None
    if status.state is JobState.DONE:
        if await asyncio.to_thread(webm.is_file):
            await _finish(deps, row, RecordingState.PUBLISHED)
        else:
            await _finish(deps, row, RecordingState.FAILED, "the conversion left no webm file")
        return None
    if status.state in (JobState.FAILED, JobState.CANCELLED):
        await _finish(deps, row, RecordingState.FAILED, status.error or status.state.value)
        return None
    return status.progress


async def _finish(
    deps: RecordingsDeps, row: _Waiting, state: RecordingState, error: str | None = None
) -> None:
    values: dict[str, object] = {"state": state.value, "error": error}
    if state is RecordingState.PUBLISHED:
        values["published_at"] = deps.clock.now()
    async with deps.db.session() as session, session.begin():
        await session.execute(
            update(Recording)
            .where(
                Recording.reception_id == row.reception_id,
                Recording.state == RecordingState.CONVERTING.value,
                Recording.job_id == row.job_id,
            )
            .values(**values)
        )


async def watch(deps: RecordingsDeps) -> None:
    """One round of the watcher: every recording still converting is followed."""
    async with deps.db.session() as session:
        waiting = (
            await session.execute(
                select(Recording.reception_id).where(
                    Recording.state == RecordingState.CONVERTING.value
                )
            )
        ).scalars()
        ids = list(waiting)
    for reception_id in ids:
        await advance(deps, reception_id)


async def tidy(deps: RecordingsDeps) -> None:
    """Remove what no row names: files of replaced generations a late conversion wrote
    after its sweep, and part files of uploads a stopped process left."""
    await asyncio.to_thread(deps.files.drop_stale_parts, STALE_PART_S)
    async with deps.db.session() as session:
        ids = list((await session.execute(select(Recording.reception_id))).scalars())
    for reception_id in ids:
        await replace_others(deps, reception_id)
