"""The production shape without Docker: nginx from deploy/nginx terminating TLS with a
throw-away CA's certificate and balancing over two `reception run` nodes that share one
PostgreSQL database and one Redis, and Chromium that reaches it all by a hostname."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from portal import migrate
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import unavailable
from tests.e2e.production.balancer import NGINX, Balancer
from tests.e2e.production.tls import Certificates, make_certificates
from tests.node_process import NodeProcess, free_port, write_config

HOSTNAME = "reception.test"
"""Resolved to 127.0.0.1 by Chromium's --host-resolver-rules, never by DNS."""
NODE_NAMES = ("node-a", "node-b")
MEDIA_PORTS_PER_NODE = 40


@dataclass
class Deployment:
    public_url: str
    balancer: Balancer
    nodes: dict[str, NodeProcess]
    """By signaling.node_id, the name a node claims receptions with."""
    token_key: str
    redis_url: str
    certificates: Certificates


@pytest.fixture
async def database(postgres_url: tuple[str, str]) -> AsyncIterator[str]:
    """A PostgreSQL database of its own, the one every node of the deployment uses (the
    server is the tests' own; its `test` database only serves to create this one)."""
    import asyncpg

    server = postgres_url[0]
    name = f"prod_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(server.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield f"{server.rsplit('/', 1)[0]}/{name}"
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


@pytest.fixture
async def deployment(tmp_path: Path, database: str, redis_url: str) -> AsyncIterator[Deployment]:
    if not Path(NGINX).exists():
        unavailable(f"nginx at {NGINX}")
    if shutil.which("openssl") is None:
        unavailable("openssl")
    https_port, http_port = free_port(), free_port()
    public_url = f"https://{HOSTNAME}:{https_port}"
    shared: dict[str, Any] = {
        "mode": "production",
        "database": {"url": database},
        "redis": {"url": redis_url},
        "secrets": {name: secrets.token_urlsafe(32) for name in ("session_key", "token_key")},
        "logging": {"format": "text"},
    }
    media_base = 20000 + (os.getpid() % 250) * 2 * MEDIA_PORTS_PER_NODE
    configs: dict[str, tuple[int, Path]] = {}
    for index, name in enumerate(NODE_NAMES):
        port = free_port()
        low = media_base + index * MEDIA_PORTS_PER_NODE
        values = {
            **shared,
            "data_dir": str(tmp_path / name),
            "server": {
                "host": "127.0.0.1",
                "port": port,
                "public_url": public_url,
                "roles": ["portal", "media"],
                "trusted_proxies": ["127.0.0.1/32"],
                "shutdown_timeout_s": 1.0,
            },
            "signaling": {"node_id": name},
            "rtc": {
                "host_addresses": ["127.0.0.1"],
                "udp_port_min": low,
                "udp_port_max": low + MEDIA_PORTS_PER_NODE - 1,
            },
        }
        configs[name] = (port, write_config(tmp_path / f"{name}.yaml", values))

    # As compose does: the schema first (`reception migrate` is this call), then the nodes.
    await asyncio.to_thread(migrate.upgrade, database)
    nodes = {
        name: NodeProcess(config, tmp_path / f"{name}.log", f"http://127.0.0.1:{port}", name)
        for name, (port, config) in configs.items()
    }
    balancer: Balancer | None = None
    try:
        certificates = await asyncio.to_thread(make_certificates, tmp_path / "tls", HOSTNAME)
        await asyncio.gather(*(node.ready(probe="/readyz") for node in nodes.values()))
        balancer = Balancer(
            tmp_path / "nginx",
            https_port=https_port,
            http_port=http_port,
            public_url=public_url,
            nodes=[node.address for node in nodes.values()],
            certificate=certificates.chain,
            key=certificates.key,
        )
        yield Deployment(
            public_url, balancer, nodes, shared["secrets"]["token_key"], redis_url, certificates
        )
    finally:
        if balancer is not None:
            balancer.stop()
        for node in nodes.values():
            node.stop()


@pytest.fixture
async def trusting_browser(deployment: Deployment) -> AsyncIterator[Any]:
    """Chromium that finds the deployment's hostname on loopback and trusts the throw-away
    CA (by its key's hash; Chromium honours that list only with a profile of its own, which
    Playwright always gives it)."""
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium at {CHROMIUM}")
    args = [
        *CHROMIUM_ARGS,
        f"--host-resolver-rules=MAP {HOSTNAME} 127.0.0.1",
        f"--ignore-certificate-errors-spki-list={deployment.certificates.ca_spki_sha256()}",
    ]
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield launched
        finally:
            await launched.close()
