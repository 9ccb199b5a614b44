"""What the recording use cases share: their dependencies, the job queue they use (as a
protocol: the transcoder's JobQueue in the app, the same in tests), and who counts as a
reception's staff for its recording."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.clock import Clock
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Reception
from portal.adapters.recording_files import RecordingFiles
from portal.errors import Forbidden
from portal.services.receptions import get_reception, runs
from transcoder.jobs import JobStatus

CONVERT = "convert_webm"
"""The transcoder's job kind: {"source": mp4 path, "target": webm path}."""


class Jobs(Protocol):
    async def submit(self, kind: str, params: dict[str, Any], job_id: str | None = None) -> str: ...

    async def status(self, job_id: str) -> JobStatus | None: ...

    async def cancel(self, job_id: str) -> bool: ...


@dataclass
class RecordingsDeps:
    db: Database
    clock: Clock
    jobs: Jobs
    files: RecordingFiles
    max_upload_bytes: int


def convert_job_id(reception_id: int, generation: str) -> str:
    """One id per upload: a replaced upload's conversion is told apart (and cancelled)."""
    return f"convert-{reception_id}-{generation}"


async def lock_reception(session: AsyncSession, reception_id: int) -> None:
    """Take the reception's row lock for the rest of the transaction: an UPDATE that
    changes nothing. PostgreSQL locks the row; SQLite takes its one write lock (before any
    read, so the transaction never holds a stale snapshot). Uploads and sweeps of one
    reception's files run one at a time under it."""
    await session.execute(
        update(Reception)
        .where(Reception.id == reception_id)
        .values(id=Reception.id)
        .execution_options(synchronize_session=False)
    )


async def staff_reception(session: AsyncSession, reception_id: int, user: User) -> Reception:
    """The reception, if `user` is its staff: its host, its moderator or an organizer
    (the people who start and end it)."""
    reception = await get_reception(session, reception_id)
    if not runs(user, reception):
        raise Forbidden(
            "Записью приема распоряжаются его организатор, модератор и ведущий.",
            en="Only the reception's organizer, moderator and host manage its recording.",
        )
    return reception
