"""A real `reception run` in its own process: killed, restarted or put behind a balancer.

Tests of a node's whole life (a crash, a restart, the production shape) need the node as
the command line starts it, not an app built in the test's own event loop.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from aiohttp import ClientError, ClientSession

from config import load_settings
from config.secrets import with_secrets
from config.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A loopback TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def write_config(path: Path, values: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(values, allow_unicode=True))
    return path


def node_config(path: Path, port: int, **sections: Any) -> Settings:
    """Write a node's config file (loopback only) and return the settings it resolves to,
    secrets made first so the test can mint join tokens the node accepts."""
    write_config(
        path,
        {
            "server": {
                "host": "127.0.0.1",
                "port": port,
                "public_url": f"http://127.0.0.1:{port}",
            },
            "rtc": {"host_addresses": ["127.0.0.1"]},
            "logging": {"format": "text"},
            **sections,
        },
    )
    return with_secrets(load_settings(environ={}, config_file=path))


class NodeProcess:
    """One node process on a config file, its output appended to `log`."""

    def __init__(self, config: Path, log: Path, url: str, name: str = "node") -> None:
        self.name = name
        self.url = url
        self.address = url.split("://", 1)[1]
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "reception.cli", "run", "--config", str(config)],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    async def ready(self, timeout: float = 60.0, probe: str = "/healthz") -> float:
        """Wait until `probe` answers 200 (`/readyz`: the database and Redis too); return
        when it did (`time.monotonic`)."""
        deadline = time.monotonic() + timeout
        async with ClientSession() as http:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited while starting:\n{self.tail()}")
                try:
                    async with http.get(f"{self.url}{probe}") as response:
                        if response.status == 200:
                            return time.monotonic()
                except (ClientError, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start:\n{self.tail()}")
                await asyncio.sleep(0.05)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL: a crash, nothing written on the way out."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM as a service manager stops it; killed if it does not go."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


class LocalNode(NodeProcess):
    """A node on its own loopback port whose settings the test holds, to mint its tokens."""

    def __init__(self, settings: Settings, config: Path, log: Path) -> None:
        super().__init__(config, log, settings.public_url)
        self.settings = settings
