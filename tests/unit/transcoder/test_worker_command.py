"""`reception transcoder` refuses to start without Redis, and says what to do instead."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reception.cli import main


def test_the_worker_command_needs_redis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in [v for v in os.environ if v.startswith("RECEPTION_")]:
        monkeypatch.delenv(var)
    assert main(["--data-dir", str(tmp_path), "transcoder"]) == 2
    err = capsys.readouterr().err
    assert "redis.url is not set (RECEPTION_REDIS__URL)" in err
    assert "`reception run` runs the jobs itself" in err
