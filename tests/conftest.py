"""Fixtures: settings, databases, a live server, real Redis/PostgreSQL and Chromium."""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import uvloop
from aiohttp import web

from config import Settings, load_settings
from config.secrets import with_secrets
from portal import migrate
from portal.adapters.db import Database
from reception.app import create_app
from sfu.aiortc_bridge import restrict_host_addresses
from tests.browser import CHROMIUM, CHROMIUM_ARGS

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Every async test runs on the event loop the server runs on."""
    return {"uvloop": uvloop.new_event_loop}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Bound every coroutine test on its own event loop.

    pytest-timeout's alarm signal does not stop a test that awaits on uvloop (the test
    simply runs on), so each coroutine test is wrapped in `asyncio.wait_for` with its
    `timeout` mark, or the configured default, and fails with a TimeoutError when it
    overruns."""
    default = float(config.getini("timeout") or 0)
    for item in items:
        function = getattr(item, "obj", None)
        if not inspect.iscoroutinefunction(function):
            continue
        marker = item.get_closest_marker("timeout")
        seconds = float(marker.args[0]) if marker and marker.args else default
        if seconds > 0:
            item.obj = _bounded(function, seconds)  # type: ignore[attr-defined]


def _bounded(
    function: Callable[..., Coroutine[Any, Any, Any]], seconds: float
) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(function)
    async def bounded(*args: Any, **kwargs: Any) -> Any:
        return await asyncio.wait_for(function(*args, **kwargs), seconds)

    return bounded


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> None:
    """No test gathers ICE candidates on anything but 127.0.0.1."""
    restrict_host_addresses(["127.0.0.1"])


def unavailable(what: str) -> None:
    """Skip on a developer machine without the service; in CI such tests must run."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not reachable", pytrace=False)
    pytest.skip(f"{what} is not reachable")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a test: a temporary data dir, loopback ICE, no environment leaking in."""

    def build(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        base: dict[str, Any] = {
            "data_dir": str(tmp_path / "data"),
            "rtc.host_addresses": ["127.0.0.1"],
            "logging.format": "text",
        }
        base.update(overrides)
        return with_secrets(load_settings(environ=environ or {}, overrides=base))

    return build


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
async def sqlite_db(settings: Settings) -> AsyncIterator[Database]:
    """A migrated SQLite database in the test's temporary directory."""
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    db = Database(settings.database_url)
    yield db
    await db.close()


@pytest.fixture
def node_address() -> str:
    """The address `live_node` listens on; network tests put it on a lab link."""
    return "127.0.0.1"


@pytest.fixture
async def live_node(
    settings: Settings, node_address: str
) -> AsyncIterator[tuple[str, web.Application]]:
    """The whole node on `node_address` with a random port: its base URL and application.

    The port is taken before the node is built, so the node's public URL (what links in
    letters use, never the request's Host) is the address the browser opens."""
    listener = socket.socket()
    listener.bind((node_address, 0))
    base = f"http://{node_address}:{listener.getsockname()[1]}"
    if not settings.server.public_url:
        server = settings.server.model_copy(update={"public_url": base})
        settings = settings.model_copy(update={"server": server})
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    app = create_app(settings)
    # As `reception run` stops: a page whose link died would otherwise hold the shutdown
    # for aiohttp's default minute.
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=None,
        shutdown_timeout=settings.server.shutdown_timeout_s,
    )
    await runner.setup()
    await web.SockSite(runner, listener).start()
    yield base, app
    await runner.cleanup()


@pytest.fixture
def live_server(live_node: tuple[str, web.Application]) -> str:
    """The base URL of `live_node`."""
    return live_node[0]


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A real Redis: its own DB index (per test process), flushed before and after."""
    import redis.asyncio as aioredis

    if not _reachable("127.0.0.1", 6379):
        unavailable("Redis on 127.0.0.1:6379")
    url = f"{REDIS_URL.rstrip('/')}/{1 + os.getpid() % 15}"
    client = aioredis.from_url(url)
    await client.flushdb()
    yield url
    await client.flushdb()
    await client.aclose()


@pytest.fixture
async def postgres_url() -> AsyncIterator[tuple[str, str]]:
    """A real PostgreSQL with a fresh schema; yields (url, schema) and drops it afterwards."""
    import asyncpg

    if not _reachable("127.0.0.1", 5432):
        unavailable("PostgreSQL on 127.0.0.1:5432")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        yield POSTGRES_URL, schema
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()


@pytest.fixture
async def postgres_db(postgres_url: tuple[str, str]) -> AsyncIterator[Database]:
    url, schema = postgres_url
    await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
    db = Database(url, schema=schema)
    yield db
    await db.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium at {CHROMIUM}")
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """A folder kept after the run for screenshots and other evidence of this test."""
    folder = ARTIFACTS / request.node.name.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
