"""A reception's recording folder as the portal uses it (the layout is documented by the
recorder and read here as plain files; the portal does not import the recorder):

    <recordings_dir>/<reception_id>/timeline.jsonl          the conference's events
    <recordings_dir>/<reception_id>/composed/manifest.json  what the composition made
    <recordings_dir>/<reception_id>/published/<gen>.mp4     the uploaded, edited mp4
    <recordings_dir>/<reception_id>/published/<gen>.webm    its conversion

Each upload is a new generation `<gen>` (a random hex name), so two uploads for one
reception never write the same file: the one the database names wins, `sweep` removes
the others. Uploads are streamed into `.upload-*.part` files in the same folder and moved
into place with one rename once accepted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, BinaryIO

from portal.errors import PayloadTooLarge

log = logging.getLogger(__name__)

PUBLISHED = "published"
COMPOSED = "composed"
MANIFEST = "manifest.json"
TIMELINE = "timeline.jsonl"
PART_PREFIX = ".upload-"
PART_SUFFIX = ".part"
_GENERATION = re.compile(r"[0-9a-f]{32}")
_PUBLISHED_FILE = re.compile(r"([0-9a-f]{32})\.(mp4|webm)")


class UploadTooLarge(PayloadTooLarge):
    code = "upload_too_large"


def too_large(limit: int) -> UploadTooLarge:
    mb = limit // (1024 * 1024)
    return UploadTooLarge(
        f"Файл больше {mb} МБ: такую запись загрузить нельзя.",
        en=f"The file is larger than {mb} MB and cannot be uploaded.",
    )


def new_generation() -> str:
    return uuid.uuid4().hex


def is_generation(name: str) -> bool:
    return bool(_GENERATION.fullmatch(name))


class RecordingFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, reception_id: int) -> Path:
        return self.root / str(int(reception_id))

    def published(self, reception_id: int) -> Path:
        return self.folder(reception_id) / PUBLISHED

    def composed(self, reception_id: int) -> Path:
        return self.folder(reception_id) / COMPOSED

    def published_file(self, reception_id: int, name: str) -> Path:
        if not _PUBLISHED_FILE.fullmatch(name):
            raise ValueError(f"not a published file name: {name[:80]!r}")
        return self.published(reception_id) / name

    async def receive(
        self, reception_id: int, chunks: AsyncIterator[bytes], limit: int
    ) -> tuple[Path, int]:
        """Stream an upload into a part file of its own; (path, size). Over `limit` bytes,
        or on any error or cancellation, the part file is removed before raising."""
        folder = self.published(reception_id)
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        part = folder / f"{PART_PREFIX}{new_generation()}{PART_SUFFIX}"
        handle: BinaryIO = await asyncio.to_thread(part.open, "xb")
        size = 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(handle.close)
        except BaseException:
            await asyncio.to_thread(_discard, handle, part)
            raise
        return part, size

    @staticmethod
    async def discard(part: Path) -> None:
        await asyncio.to_thread(part.unlink, missing_ok=True)

    async def settle(self, part: Path, reception_id: int, generation: str) -> Path:
        """Move an accepted part file to its generation's mp4 name (one rename)."""
        target = self.published_file(reception_id, f"{generation}.mp4")
        await asyncio.to_thread(os.replace, part, target)
        return target

    async def sweep(self, reception_id: int, keep: str | None) -> set[str]:
        """Remove the published files of every generation but `keep`; the generations
        removed (their conversions are to be cancelled). Part files are left alone:
        they are uploads still being received."""
        return await asyncio.to_thread(self._sweep, self.published(reception_id), keep)

    @staticmethod
    def _sweep(folder: Path, keep: str | None) -> set[str]:
        removed: set[str] = set()
        if not folder.is_dir():
            return removed
        for path in folder.iterdir():
            match = _PUBLISHED_FILE.fullmatch(path.name)
            if match and match.group(1) != keep:
                path.unlink(missing_ok=True)
                removed.add(match.group(1))
        return removed

    def drop_stale_parts(self, older_than_s: float) -> int:
        """Blocking: part files nothing has written to for `older_than_s`, left by a
        process stopped mid-upload or a worker killed mid-conversion (both write `.*.part`
        files here, and remove their own when they stop normally)."""
        cutoff = time.time() - older_than_s
        dropped = 0
        for part in self.root.glob(f"*/{PUBLISHED}/.*{PART_SUFFIX}"):
            try:
                if part.stat().st_mtime < cutoff:
                    part.unlink()
                    dropped += 1
            except FileNotFoundError:
                continue
        return dropped

    async def manifest(self, reception_id: int) -> dict[str, Any] | None:
        """The composition's manifest, or None while there is none (or it is unreadable)."""
        path = self.composed(reception_id) / MANIFEST
        try:
            data = json.loads(await asyncio.to_thread(path.read_bytes))
        except FileNotFoundError:
            return None
        except ValueError:
            log.warning("an unreadable composition manifest", extra={"reception": reception_id})
            return None
        return data if isinstance(data, dict) else None

    async def timeline(self, reception_id: int) -> list[dict[str, Any]]:
        """The conference's events in order; a line torn by a crash is skipped."""
        path = self.folder(reception_id) / TIMELINE
        try:
            raw = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return []
        events = []
        for line in raw.split(b"\n"):
            try:
                event = json.loads(line) if line.strip() else None
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)
        return events


def _discard(handle: BinaryIO, part: Path) -> None:
    handle.close()
    part.unlink(missing_ok=True)
