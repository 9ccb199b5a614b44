"""The reception's timeline, kept next to its recorded tracks: who joined and left, who was
on air when, and every moderator command (mutes, holds, microphone levels, the layout).
The composer follows it after the end.

One JSON line per event in `<recordings>/<reception>/timeline.jsonl`, each written with
one `os.write` as it happens (events are a few a second at most), so a killed node loses
none that were reported; a reader skips a torn last line. It takes the conference's
events (`signaling.protocol.events.ConferenceEvents`) beside the portal's record.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from recorder.folders import TIMELINE, reception_folder
from signaling.protocol.events import ConferenceEvent, EventKind

log = logging.getLogger(__name__)


class TimelineWriter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, int] = {}

    def path_of(self, reception_id: str) -> Path:
        return reception_folder(self.root, reception_id) / TIMELINE

    async def record(self, event: ConferenceEvent) -> None:
        fd = self._files.get(event.reception_id)
        if fd is None:
            path = self.path_of(event.reception_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
            self._files[event.reception_id] = fd
        line = json.dumps(_wire(event), ensure_ascii=False, separators=(",", ":")) + "\n"
        os.write(fd, line.encode("utf-8"))
        if event.kind is EventKind.ENDED:
            self._close(event.reception_id)

    def _close(self, reception_id: str) -> None:
        fd = self._files.pop(reception_id, None)
        if fd is not None:
            os.fsync(fd)
            os.close(fd)

    def close(self) -> None:
        for reception_id in list(self._files):
            self._close(reception_id)


def _wire(event: ConferenceEvent) -> dict[str, Any]:
    data = asdict(event)
    data["kind"] = event.kind.value
    return {k: v for k, v in data.items() if v not in (None, {})}


def read_timeline(path: Path) -> list[dict[str, Any]]:
    """Every complete event in order; a line torn by a kill is left out."""
    events = []
    for line in path.read_bytes().split(b"\n"):
        if not line:
            continue
        try:
            events.append(json.loads(line))
        except ValueError:
            log.warning("a torn timeline line was skipped", extra={"path": str(path)})
    return events
