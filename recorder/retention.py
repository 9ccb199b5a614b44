"""Raw track logs are large (every packet of every on-air producer) and only the composer
needs them: once a reception's composition is done they are removed after
`recording.keep_tracks_days`, counted from the last packet written. Tracks never composed
(a node that died before the end, a composition that failed) are kept and reported, since
they are then the only copy of the reception.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from recorder.folders import COMPOSED, MANIFEST, TRACKS

log = logging.getLogger(__name__)


def sweep_tracks(root: Path, now: float, keep_days: int) -> list[Path]:
    """Remove the expired track folders under `root`; returns the folders removed."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    horizon = now - keep_days * 86400
    for folder in sorted(root.iterdir()):
        tracks = folder / TRACKS
        if not tracks.is_dir():
            continue
        last = max((p.stat().st_mtime for p in tracks.iterdir()), default=tracks.stat().st_mtime)
        if last > horizon:
            continue
        if not (folder / COMPOSED / MANIFEST).is_file():
            log.warning("old tracks were never composed; kept", extra={"folder": folder.name})
            continue
        shutil.rmtree(tracks)
        removed.append(tracks)
        log.info("raw tracks removed", extra={"folder": folder.name})
    return removed
