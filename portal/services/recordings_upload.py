"""«Выберите файл» → «Сохранить»: the reception's staff upload the edited mp4.

The file is streamed into a part file beside the published ones (never buffered), under
the size limit of `recording.max_upload_mb`, then probed: only a complete mp4 with a
video stream that decodes is accepted. Any refusal or error removes the part file. An
accepted file becomes a new generation: in one transaction holding the reception's lock
the row is pointed at it and the file renamed into place; then, again under the lock,
every generation the row does not name is removed and its conversion cancelled; then
the conversion to webm is submitted.

Why the lock: a sweep must not read which generation to keep, then find another
upload's file renamed in after that read and remove it. Under the lock no upload is
between its rename and its commit, so what the sweep reads is what the folder holds
(part files aside, which it never touches). Two uploads at once for one reception
write different files; the later commit wins and nothing of the other stays.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from portal.adapters.orm import User
from portal.adapters.receptions_orm import Reception
from portal.adapters.recording_files import new_generation
from portal.adapters.recordings_orm import Recording
from portal.domain.recordings import RecordingState
from portal.errors import Conflict, InvalidInput
from portal.services.recordings import (
    CONVERT,
    RecordingsDeps,
    convert_job_id,
    lock_reception,
    staff_reception,
)
from signaling.protocol.receptions import ReceptionState
from transcoder.probe import NotMedia, probe_mp4_with_video

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Accepted:
    reception_id: int
    generation: str
    size_bytes: int
    duration_s: float
    job_id: str


async def check_may_upload(deps: RecordingsDeps, reception_id: int, user: User) -> None:
    """Refuse before a byte is read: not the reception's staff, or not over yet."""
    async with deps.db.session() as session:
        reception = await staff_reception(session, reception_id, user)
    if reception.state != ReceptionState.ENDED:
        raise Conflict(
            "Запись можно загрузить после окончания приема.",
            en="A recording can be uploaded once the reception has ended.",
        )


def no_file() -> InvalidInput:
    return InvalidInput("Выберите файл записи (mp4).", en="Choose the recording's file (mp4).")


async def upload(
    deps: RecordingsDeps,
    reception_id: int,
    user: User,
    filename: str,
    chunks: AsyncIterator[bytes],
) -> Accepted:
    await check_may_upload(deps, reception_id, user)
    part, size = await deps.files.receive(reception_id, chunks, deps.max_upload_bytes)
    try:
        duration = await _probe(part, filename, size)
        generation = new_generation()
        job_id = convert_job_id(reception_id, generation)
        mp4 = await _install(deps, reception_id, user, part, generation, job_id, size, duration)
    except BaseException:
        await deps.files.discard(part)
        raise
    await replace_others(deps, reception_id)
    if await _current_job(deps, reception_id) == job_id:
        await submit(deps, job_id, mp4)
    return Accepted(reception_id, generation, size, duration, job_id)


async def _probe(part: Path, filename: str, size: int) -> float:
    if size == 0:
        raise InvalidInput(f"Файл «{filename}» пустой.", en=f"The file '{filename}' is empty.")
    try:
        info = await asyncio.to_thread(probe_mp4_with_video, part)
    except NotMedia as error:
        reason = str(error).replace(part.name, filename)
        raise InvalidInput(
            f"Файл «{filename}» не принят: это не видеозапись mp4, или файл поврежден, или "
            "загружен не полностью. Выберите файл mp4 с видео.",
            en=f"The file was refused: {reason}. Choose an mp4 file with video.",
        ) from None
    return float(info.duration_s or 0.0)


async def _install(
    deps: RecordingsDeps,
    reception_id: int,
    user: User,
    part: Path,
    generation: str,
    job_id: str,
    size: int,
    duration: float,
) -> Path:
    """Point the reception's one row at this upload and rename its file into place, in
    one transaction under the reception's lock; the mp4's path."""
    mp4: Path | None = None
    try:
        async with deps.db.session() as session, session.begin():
            await lock_reception(session, reception_id)
            reception = await session.get(Reception, reception_id)
            if reception is None:
                raise Conflict("Прием удален.", en="The reception was deleted.")
            row = await session.get(Recording, reception_id)
            if row is None:
                row = Recording(reception_id=reception_id)
                session.add(row)
            row.title = reception.title
            row.search_title = reception.title.casefold()
            row.held_at = reception.starts_at
            row.state = RecordingState.CONVERTING.value
            row.mp4_name = f"{generation}.mp4"
            row.webm_name = f"{generation}.webm"
            row.size_bytes = size
            row.duration_s = duration
            row.job_id = job_id
            row.error = None
            row.uploaded_by = user.id
            row.uploaded_at = deps.clock.now()
            row.published_at = None
            await session.flush()
            mp4 = await deps.files.settle(part, reception_id, generation)
    except BaseException:
        if mp4 is not None:  # renamed, but the commit failed: nothing names the file
            await deps.files.discard(mp4)
        raise
    return mp4


async def _current_job(deps: RecordingsDeps, reception_id: int) -> str | None:
    async with deps.db.session() as session:
        row = await session.get(Recording, reception_id)
        return row.job_id if row is not None and row.state == RecordingState.CONVERTING else None


async def replace_others(deps: RecordingsDeps, reception_id: int) -> None:
    """Remove the files of every generation the row does not name, and cancel their
    conversions; under the reception's lock (see the module's docstring)."""
    async with deps.db.session() as session, session.begin():
        await lock_reception(session, reception_id)
        row = await session.get(Recording, reception_id)
        keep = row.mp4_name.removesuffix(".mp4") if row and row.mp4_name else None
        removed = await deps.files.sweep(reception_id, keep)
    for generation in removed:
        await deps.jobs.cancel(convert_job_id(reception_id, generation))


async def submit(deps: RecordingsDeps, job_id: str, mp4: Path) -> None:
    """Queue the conversion; if the queue is unreachable now, the watcher submits it
    again (the job id makes that idempotent)."""
    params = {"source": str(mp4), "target": str(mp4.with_suffix(".webm"))}
    try:
        await deps.jobs.submit(CONVERT, params, job_id=job_id)
    except Exception as error:
        log.warning(
            "conversion not submitted", extra={"job": job_id, "error": type(error).__name__}
        )
