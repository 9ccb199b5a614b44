"""The recording folder: a sweep removes other generations' files only (never a part file
still being written, never another name), stale part files (an upload's, a conversion's)
go, and no name leaves the folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from portal.adapters.recording_files import RecordingFiles


async def test_a_sweep_keeps_the_named_generation_and_uploads_under_way(tmp_path: Path) -> None:
    files = RecordingFiles(tmp_path)
    folder = files.published(5)
    folder.mkdir(parents=True)
    keep, old = "a" * 32, "b" * 32
    names = [f"{keep}.mp4", f"{keep}.webm", f"{old}.mp4", f"{old}.webm"]
    names += [".upload-c.part", f"{old}.webm.tmp", "notes.txt"]
    for name in names:
        (folder / name).write_bytes(b"x")
    assert await files.sweep(5, keep) == {old}
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted(
        [f"{keep}.mp4", f"{keep}.webm", ".upload-c.part", f"{old}.webm.tmp", "notes.txt"]
    )
    assert await files.sweep(5, None) == {keep}


def test_only_stale_part_files_are_dropped(tmp_path: Path) -> None:
    files = RecordingFiles(tmp_path)
    folder = files.published(7)
    folder.mkdir(parents=True)
    stale = [folder / ".upload-old.part", folder / f".{'a' * 32}.webm.0123abcd.part"]
    fresh = folder / ".upload-new.part"
    day_ago = time.time() - 25 * 3600
    for part in (*stale, fresh):
        part.write_bytes(b"x")
    for part in stale:
        os.utime(part, (day_ago, day_ago))
    assert files.drop_stale_parts(24 * 3600) == 2
    assert [p.name for p in folder.iterdir()] == [fresh.name]


@pytest.mark.parametrize("name", ["../x.mp4", "a.mp4", "A" * 32 + ".mp4", "b" * 32 + ".mkv"])
def test_no_other_name_is_a_published_file(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a published file name"):
        RecordingFiles(tmp_path).published_file(1, name)
