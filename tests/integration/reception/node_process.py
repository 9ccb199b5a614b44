"""A real `reception run` in its own process, to kill with SIGKILL and start again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from aiohttp import ClientSession

from config import load_settings
from config.secrets import with_secrets
from config.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def node_config(path: Path, port: int, **sections: Any) -> Settings:
    """Write a node's config file (loopback only) and return the settings it resolves to,
    secrets made first so the test can mint join tokens the node accepts."""
    values: dict[str, Any] = {
        "server": {"host": "127.0.0.1", "port": port, "public_url": f"http://127.0.0.1:{port}"},
        "rtc": {"host_addresses": ["127.0.0.1"]},
        "logging": {"format": "text"},
        **sections,
    }
    path.write_text(yaml.safe_dump(values))
    return with_secrets(load_settings(environ={}, config_file=path))


class NodeProcess:
    def __init__(self, settings: Settings, config: Path, log: Path) -> None:
        self.settings = settings
        self.url = settings.public_url
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reception.cli", "run", "--config", str(config)],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    async def ready(self, timeout: float = 60.0) -> float:
        """Wait until the node answers; returns when it did (`time.monotonic`)."""
        async with ClientSession() as http:

            async def answers() -> bool:
                try:
                    async with http.get(f"{self.url}/healthz") as response:
                        return response.status == 200
                except OSError:
                    return False

            deadline = time.monotonic() + timeout
            while not await answers():
                assert self.process.poll() is None, "the node exited while starting"
                assert time.monotonic() < deadline, "the node did not start"
                await asyncio.sleep(0.05)
            return time.monotonic()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self._log.close()
