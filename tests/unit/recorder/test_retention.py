"""Raw tracks go once composed and old enough; never composed, they stay."""

from __future__ import annotations

import os
from pathlib import Path

from recorder.folders import COMPOSED, MANIFEST, TRACKS
from recorder.retention import sweep_tracks

DAY = 86400.0
NOW = 1_800_000_000.0


def _reception(root: Path, name: str, *, age_days: float, composed: bool) -> Path:
    tracks = root / name / TRACKS
    tracks.mkdir(parents=True)
    track = tracks / "001-a-video.track"
    track.write_bytes(b"x" * 10)
    stamp = NOW - age_days * DAY
    os.utime(track, (stamp, stamp))
    if composed:
        (root / name / COMPOSED).mkdir()
        (root / name / COMPOSED / MANIFEST).write_text("{}")
    return tracks


def test_only_old_composed_tracks_are_removed(tmp_path: Path) -> None:
    old = _reception(tmp_path, "1", age_days=91, composed=True)
    fresh = _reception(tmp_path, "2", age_days=89, composed=True)
    orphan = _reception(tmp_path, "3", age_days=400, composed=False)

    assert sweep_tracks(tmp_path, NOW, keep_days=90) == [old]

    assert not old.exists()
    assert (tmp_path / "1" / COMPOSED / MANIFEST).is_file()  # the composition stays
    assert fresh.is_dir()
    assert orphan.is_dir()


def test_a_missing_root_is_nothing_to_do(tmp_path: Path) -> None:
    assert sweep_tracks(tmp_path / "none", NOW, keep_days=1) == []
