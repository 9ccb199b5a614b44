"""The `reception` command."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.passwords import verify_password
from reception.cli import main


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in [v for v in __import__("os").environ if v.startswith("RECEPTION_")]:
        monkeypatch.delenv(var)


def test_check_config_prints_settings_without_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECEPTION_SECRETS__TOKEN_KEY", "s" * 40)
    assert main(["--data-dir", str(tmp_path), "check-config"]) == 0
    out = capsys.readouterr()
    shown = json.loads(out.out)
    assert shown["data_dir"] == str(tmp_path)
    assert "s" * 40 not in out.out
    assert "configuration is valid" in out.err


def test_check_config_reports_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("server:\n  port: -1\n")
    assert main(["--config", str(bad), "check-config"]) == 2
    assert "server.port: Input should be greater than or equal to 1" in capsys.readouterr().err


def test_check_config_in_production_needs_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECEPTION_MODE", "production")
    monkeypatch.setenv("RECEPTION_SERVER__PUBLIC_URL", "https://priem.example.ru")
    assert main(["--data-dir", str(tmp_path), "check-config"]) == 2
    assert "secrets.session_key: required in production mode" in capsys.readouterr().err


def test_migrate_and_create_admin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--data-dir", str(tmp_path), "migrate"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("Str0ngPassw0rd\n"))
    argv = ["--data-dir", str(tmp_path), "create-admin", "--login", "root", "--password-stdin"]
    assert main(argv) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("Str0ngPassw0rd\n"))
    assert main(argv) == 1
    assert "already exists" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main([*argv[:-3], "--login", "other", "--password-stdin"]) == 1

    async def stored() -> list[User]:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'reception.db'}")
        try:
            async with db.session() as session:
                return list((await session.scalars(select(User))).all())
        finally:
            await db.close()

    [admin] = asyncio.run(stored())
    assert admin.login == "root"
    assert admin.roles == ["admin"]
    assert verify_password(admin.password_hash, "Str0ngPassw0rd")


def test_run_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The real console command: the first README command ends in exactly this."""
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reception",
            "--data-dir",
            str(tmp_path),
            "run",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        body = b""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    body = r.read()
                    break
            except OSError:
                time.sleep(0.1)
        assert json.loads(body) == {"status": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            assert "Интерактивная приемная" in r.read().decode()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert '"node stopped"' in out
    assert (tmp_path / "reception.db").exists()


@pytest.mark.parametrize("command", ["check-config", "migrate", "run", "create-admin"])
def test_common_options_are_accepted_after_the_command_too(command: str) -> None:
    """The README promises `--config` and `--data-dir` for every command; either side works."""
    from reception.cli import _parser

    extra = ["--login", "root"] if command == "create-admin" else []
    after = _parser().parse_args([command, *extra, "--data-dir", "d1", "--config", "c.yaml"])
    before = _parser().parse_args(["--data-dir", "d1", "--config", "c.yaml", command, *extra])
    neither = _parser().parse_args([command, *extra])
    assert (after.data_dir, after.config) == (before.data_dir, before.config)
    assert after.data_dir == Path("d1")
    assert after.config == Path("c.yaml")
    assert (neither.data_dir, neither.config) == (None, None)
    mixed = _parser().parse_args(["--data-dir", "d0", command, *extra, "--config", "c.yaml"])
    assert (mixed.data_dir, mixed.config) == (Path("d0"), Path("c.yaml"))
