"""Where a reception's recording lives: one folder per reception under the recordings
directory, shared by the node that records, the worker that composes and the portal that
lists and publishes (a documented layout, so the portal needs no import of recorder/).

    <recordings>/<reception_id>/timeline.jsonl   the conference's events
    <recordings>/<reception_id>/tracks/*.track    raw packets of each on-air producer
    <recordings>/<reception_id>/composed/         the composed mp4, per-participant files
    <recordings>/<reception_id>/composed/manifest.json   what the composition made
"""

from __future__ import annotations

import re
from pathlib import Path

TIMELINE = "timeline.jsonl"
TRACKS = "tracks"
COMPOSED = "composed"
MANIFEST = "manifest.json"
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def reception_folder(root: Path, reception_id: str) -> Path:
    """The reception's folder; an id that could leave the recordings directory is refused."""
    if not _SAFE_ID.fullmatch(reception_id):
        raise ValueError(f"not a reception id: {reception_id[:80]!r}")
    return root / reception_id
