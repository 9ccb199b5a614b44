"""Journal latency: the officer's journal page and the API list over HTTP on loopback.

The portal part of a node runs in this process on 127.0.0.1 with a random port; the
officer signs in once, then each scenario is requested `rounds` times after a warm-up.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.portal.dataset import OFFICER_LOGIN, OFFICER_PASSWORD, populate
from config import load_settings
from config.secrets import with_secrets
from config.settings import Settings
from portal import migrate
from portal.adapters.db import Database
from portal.http.context import DATABASE
from portal.mount import setup_portal

SCENARIOS: dict[str, str] = {
    "list": "",
    "list_in_work": "category=in_work",
    "search_name": "q=иванов",
    "search_number": "q={number}",
    "filter_status_topic": "status=new&topic=3",
    "filter_dates": "date_from={month_ago}&date_to={today}",
    "sort_deadline": "sort=deadline&order=asc",
}
TARGETS = {"api": "/api/v1/staff/appeals?{query}", "page": "/staff/appeals?{query}"}
WARM_UP = 3


@dataclass(frozen=True)
class Result:
    backend: str
    target: str
    scenario: str
    p50_ms: float
    p95_ms: float
    rounds: int


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@asynccontextmanager
async def _database(url: str | None, data_dir: Path) -> AsyncIterator[tuple[Database, str]]:
    """A fresh database: an SQLite file, or a throw-away schema in the given PostgreSQL."""
    if url is None:
        sqlite = f"sqlite+aiosqlite:///{data_dir / 'bench.db'}"
        await asyncio.to_thread(migrate.upgrade, sqlite)
        db = Database(sqlite)
        try:
            yield db, "sqlite"
        finally:
            await db.close()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = Database(url)
    async with admin.engine.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        await asyncio.to_thread(migrate.upgrade, url, "heads", schema)
        db = Database(url, schema=schema)
        try:
            yield db, "postgresql"
        finally:
            await db.close()
    finally:
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


async def _serve(settings: Settings, db: Database) -> tuple[web.AppRunner, str]:
    app = web.Application(client_max_size=1024**2)
    setup_portal(app, settings, db)
    app[DATABASE] = db
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def run(appeals: int, rounds: int, postgres_url: str | None) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="journal-bench-") as tmp:
        data_dir = Path(tmp)
        settings = with_secrets(
            load_settings(
                environ={}, overrides={"data_dir": str(data_dir), "logging.level": "WARNING"}
            )
        )
        now = datetime.now(UTC)
        async with _database(postgres_url, data_dir) as (db, backend):
            started = time.perf_counter()
            await populate(db, appeals, now)
            spent = time.perf_counter() - started
            print(f"[{backend}] {appeals} appeals inserted in {spent:.1f} s", file=sys.stderr)
            if backend == "postgresql":
                # Steady state: autovacuum has run, so index-only scans are possible.
                async with db.engine.connect() as conn:
                    conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await conn.exec_driver_sql("VACUUM ANALYZE")
            runner, base = await _serve(settings, db)
            try:
                return await _measure(base, backend, appeals, rounds, now)
            finally:
                await runner.cleanup()


async def _measure(
    base: str, backend: str, appeals: int, rounds: int, now: datetime
) -> list[Result]:
    values = {
        "number": f"{now.year}-{appeals // 2:06d}" if appeals > 1 else "1",
        "month_ago": (now - timedelta(days=30)).date().isoformat(),
        "today": now.date().isoformat(),
    }
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=base, cookie_jar=jar) as http:
        csrf = (await (await http.get("/api/v1/session")).json())["csrf_token"]
        login = await http.post(
            "/api/v1/auth/staff-login",
            json={"login": OFFICER_LOGIN, "password": OFFICER_PASSWORD},
            headers={"X-CSRF-Token": csrf},
        )
        if login.status != 200:
            raise RuntimeError(f"bench sign-in failed: {login.status} {await login.text()}")
        urls = {
            (target, scenario): template.format(query=query.format(**values))
            for target, template in TARGETS.items()
            for scenario, query in SCENARIOS.items()
        }
        timings: dict[tuple[str, str], list[float]] = {key: [] for key in urls}
        # Round-robin over every case, so a burst of load on the machine spreads over
        # all of them instead of spoiling one; the first rounds only warm the caches.
        for round_no in range(rounds + WARM_UP):
            for key, url in urls.items():
                spent = await _request(http, url)
                if round_no >= WARM_UP:
                    timings[key].append(spent)
    return [
        Result(backend, target, scenario, statistics.median(ms), _percentile(ms, 0.95), rounds)
        for (target, scenario), ms in timings.items()
    ]


async def _request(http: aiohttp.ClientSession, url: str) -> float:
    started = time.perf_counter()
    async with http.get(url) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {url}: {response.status}")
    return (time.perf_counter() - started) * 1000


def as_dict(result: Result) -> dict[str, Any]:
    return result.__dict__.copy()
