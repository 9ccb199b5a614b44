"""«Доступные записи»: what the composition made after the reception (the mp4 following
who was on air, and each participant's own file), for its staff to download.

The node submits the composition (job `compose-<reception>`) when the reception ends;
the job writes `composed/manifest.json`, which lists the files. Only names the manifest
lists are served, and only from inside the composed folder.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from portal.adapters.orm import User
from portal.errors import NotFound
from portal.services.recordings import RecordingsDeps, staff_reception
from signaling.protocol.receptions import ReceptionState
from transcoder.jobs import JobState, compose_job_id


class Stage(enum.StrEnum):
    NOT_OVER = "not_over"
    """The reception has not ended: nothing is composed yet."""
    WAITING = "waiting"
    """Ended, but no composition is known (recording off, or not submitted yet)."""
    QUEUED = "queued"
    RUNNING = "running"
    FAILED = "failed"
    READY = "ready"


STAGE_LABELS: dict[Stage, str] = {
    Stage.NOT_OVER: "Записи появятся после окончания приема.",
    Stage.WAITING: "Записей пока нет.",
    Stage.QUEUED: "Запись ожидает обработки.",
    Stage.RUNNING: "Запись обрабатывается.",
    Stage.FAILED: "Не удалось собрать запись приема.",
    Stage.READY: "Записи готовы к скачиванию.",
}

KIND_LABELS = {"composed": "Запись приема", "participant": "Участник"}
MEDIA_LABELS = {"audio+video": "Видео и звук", "audio": "Звук", "video": "Видео"}


@dataclass(frozen=True, slots=True)
class ComposedFile:
    name: str
    """Relative to `composed/`."""
    kind: str
    participant_name: str
    media: str
    size_bytes: int
    duration_s: float

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def media_label(self) -> str:
        return MEDIA_LABELS.get(self.media, self.media)

    @property
    def size_mb(self) -> str:
        return f"{self.size_bytes / 1024 / 1024:.1f}"


@dataclass(frozen=True, slots=True)
class Composition:
    stage: Stage
    fraction: float = 0.0
    error: str | None = None
    files: list[ComposedFile] = field(default_factory=list)

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def percent(self) -> int:
        return int(self.fraction * 100)


def _safe_name(value: object) -> str | None:
    """A manifest name that stays inside the composed folder."""
    if not isinstance(value, str) or not value or "\\" in value or "\x00" in value:
        return None
    path = PurePosixPath(value)
    if path.is_absolute() or any(part in ("", ".", "..") for part in path.parts):
        return None
    return value


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def files_of(manifest: dict[str, Any]) -> list[ComposedFile]:
    """The manifest's files, the composed mp4 first; entries that do not parse are left out."""
    found = []
    for entry in manifest.get("files") or []:
        if not isinstance(entry, dict) or (name := _safe_name(entry.get("name"))) is None:
            continue
        found.append(
            ComposedFile(
                name=name,
                kind=str(entry.get("kind") or ""),
                participant_name=str(entry.get("participant_name") or ""),
                media=str(entry.get("media") or ""),
                size_bytes=int(_number(entry.get("bytes"))),
                duration_s=_number(entry.get("duration_s")),
            )
        )
    return sorted(found, key=lambda f: (f.kind != "composed", f.participant_name, f.name))


async def composition(deps: RecordingsDeps, reception_id: int, user: User) -> Composition:
    async with deps.db.session() as session:
        reception = await staff_reception(session, reception_id, user)
    manifest = await deps.files.manifest(reception_id)
    if manifest is not None:
        return Composition(Stage.READY, 1.0, files=files_of(manifest))
    if reception.state != ReceptionState.ENDED:
        return Composition(Stage.NOT_OVER)
    status = await deps.jobs.status(compose_job_id(reception_id))
    if status is None:
        return Composition(Stage.WAITING)
    if status.state is JobState.QUEUED:
        return Composition(Stage.QUEUED)
    if status.state is JobState.RUNNING:
        return Composition(Stage.RUNNING, status.progress)
    if status.state in (JobState.FAILED, JobState.CANCELLED):
        return Composition(Stage.FAILED, error=status.error)
    return Composition(Stage.WAITING)  # done, but its manifest is not there (removed)


async def composed_file(
    deps: RecordingsDeps, reception_id: int, user: User, name: str
) -> tuple[Path, ComposedFile]:
    """A file the manifest lists, for download by the reception's staff."""
    async with deps.db.session() as session:
        await staff_reception(session, reception_id, user)
    manifest = await deps.files.manifest(reception_id)
    listed = {f.name: f for f in files_of(manifest)} if manifest else {}
    entry = listed.get(name)
    folder = deps.files.composed(reception_id)
    path = folder.joinpath(*PurePosixPath(name).parts)
    if entry is None or not await asyncio.to_thread(path.is_file):
        raise NotFound("Файл записи не найден.", en="Recording file not found.")
    return path, entry
