"""`python -m bench.portal.statistics --appeals 100000 [--postgres URL]`: «Статистика».

The same data set and serving as the journal bench (bench.portal.journal): the portal runs
in this process on loopback, the officer signs in once, then each report page and its CSV
file is requested `rounds` times after a warm-up, round-robin, for the default period (the
last 30 days), the whole two years of the data set and one municipality over two years.
Prints p50/p95 in milliseconds per backend, report and scenario.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench.portal.dataset import OFFICER_LOGIN, OFFICER_PASSWORD, populate
from bench.portal.journal import _database, _percentile, _request, _serve
from config import load_settings
from config.secrets import with_secrets

REPORTS = {
    "statuses": "statuses",
    "municipalities": "municipalities",
    "counts": "counts",
    "overdue": "overdue-municipalities",
}
"""Page report -> one of its CSV tables."""
WARM_UP = 2


def _scenarios(now: datetime) -> dict[str, str]:
    today = now.date()
    two_years = (today - timedelta(days=731)).isoformat()
    return {
        "last_30_days": "",
        "two_years": f"date_from={two_years}&date_to={today.isoformat()}",
        "two_years_one_mo": f"date_from={two_years}&date_to={today.isoformat()}&mo=7",
    }


async def run(appeals: int, rounds: int, postgres_url: str | None) -> list[tuple[str, ...]]:
    with tempfile.TemporaryDirectory(prefix="statistics-bench-") as tmp:
        settings = with_secrets(
            load_settings(environ={}, overrides={"data_dir": tmp, "logging.level": "WARNING"})
        )
        now = datetime.now(UTC)
        async with _database(postgres_url, Path(tmp)) as (db, backend):
            started = time.perf_counter()
            await populate(db, appeals, now)
            print(
                f"[{backend}] {appeals} appeals in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            if backend == "postgresql":
                async with db.engine.connect() as conn:
                    conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await conn.exec_driver_sql("VACUUM ANALYZE")
            runner, base = await _serve(settings, db)
            try:
                return await _measure(base, backend, rounds, now)
            finally:
                await runner.cleanup()


async def _measure(base: str, backend: str, rounds: int, now: datetime) -> list[tuple[str, ...]]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=base, cookie_jar=jar) as http:
        csrf = (await (await http.get("/api/v1/session")).json())["csrf_token"]
        login = await http.post(
            "/api/v1/auth/staff-login",
            json={"login": OFFICER_LOGIN, "password": OFFICER_PASSWORD},
            headers={"X-CSRF-Token": csrf},
        )
        if login.status != 200:
            raise RuntimeError(f"bench sign-in failed: {login.status}")
        urls: dict[tuple[str, str, str], str] = {}
        for scenario, query in _scenarios(now).items():
            for report, table in REPORTS.items():
                urls[(report, "page", scenario)] = f"/staff/statistics?report={report}&{query}"
                urls[(report, "csv", scenario)] = f"/staff/statistics/{table}.csv?{query}"
        timings: dict[tuple[str, str, str], list[float]] = {key: [] for key in urls}
        for round_no in range(rounds + WARM_UP):
            for key, url in urls.items():
                spent = await _request(http, url)
                if round_no >= WARM_UP:
                    timings[key].append(spent)
    return [
        (
            backend,
            *key,
            f"{statistics.median(ms):.1f}",
            f"{_percentile(ms, 0.95):.1f}",
        )
        for key, ms in timings.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.portal.statistics", description=__doc__)
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20, help="requests per case")
    parser.add_argument("--postgres", metavar="URL", help="postgresql+asyncpg://… to bench too")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows: list[tuple[str, ...]] = []
    if not args.no_sqlite:
        rows += asyncio.run(run(args.appeals, args.rounds, None))
    if args.postgres:
        rows += asyncio.run(run(args.appeals, args.rounds, args.postgres))
    print(f"{'backend':<11}{'report':<16}{'what':<6}{'scenario':<18}{'p50 ms':>9}{'p95 ms':>9}")
    for backend, report, what, scenario, p50, p95 in rows:
        print(f"{backend:<11}{report:<16}{what:<6}{scenario:<18}{p50:>9}{p95:>9}")


if __name__ == "__main__":
    main()
