"""Reception pages' latency: the organizer's planning page, the schedule and a reception.

The journal bench's data set (bench.portal.dataset.populate) plus `populate_receptions`:
receptions over two years around now with their seats, attendance and moderation log, and
the history behind each appeal's status. The portal part of a node serves it on loopback
as in bench.portal.journal; the organizer and a citizen with seats sign in once each, then
every case, the journal's too, is requested `rounds` times after a warm-up, round-robin.
Afterwards each case is requested once more with the SQL statements counted.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import event

from bench.portal.dataset import (
    OFFICER_PASSWORD,
    ReceptionsFixture,
    populate,
    populate_receptions,
)
from bench.portal.journal import WARM_UP, Result, _database, _measure, _percentile, _request, _serve
from config import load_settings
from config.secrets import with_secrets
from portal.adapters.db import Database

PLANNING: dict[str, str] = {
    "first_page": "",
    "search_name": "q=иванов",
    "page_10": "page=10",
}
"""«Планирование приемов»: the appeals waiting for a reception and the planned ones."""
SCHEDULE: dict[str, str] = {
    "all": "",
    "month": "category=month",
    "future": "category=future",
}
"""«Расписание приемов» by its tabs «Все», «В этом месяце», «Будущие»."""
STAFF_LOGIN = "/api/v1/auth/staff-login"
CITIZEN_LOGIN = "/api/v1/auth/login"

Case = tuple[str, str]
"""(target, scenario)"""


@dataclass(frozen=True)
class PageResult(Result):
    queries: int = 0
    """SQL statements of one request, the sign-in check and the session's included."""


def page_url(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def cases(fixture: ReceptionsFixture) -> dict[Case, tuple[str, str]]:
    """Each case's URL and who requests it ("organizer" or "citizen")."""
    found: dict[Case, tuple[str, str]] = {}
    for scenario, query in PLANNING.items():
        found[("planning", scenario)] = ("organizer", page_url("/staff/planning", query))
    for scenario, query in SCHEDULE.items():
        found[("schedule", scenario)] = ("organizer", page_url("/receptions", query))
    found[("schedule", "citizen_all")] = ("citizen", "/receptions")
    found[("reception", "ended_15_seats")] = ("organizer", f"/receptions/{fixture.detail_id}")
    return found


async def run(appeals: int, receptions: int, rounds: int, postgres_url: str | None) -> list[Result]:
    """The journal's cases and the reception pages' on one data set of one backend."""
    with tempfile.TemporaryDirectory(prefix="receptions-bench-") as tmp:
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
            fixture = await populate_receptions(db, receptions, now)
            spent = time.perf_counter() - started
            print(
                f"[{backend}] {appeals} appeals and {receptions} receptions inserted "
                f"in {spent:.1f} s",
                file=sys.stderr,
            )
            if backend == "postgresql":
                # Steady state: autovacuum has run, so index-only scans are possible.
                async with db.engine.connect() as conn:
                    conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await conn.exec_driver_sql("VACUUM ANALYZE")
            runner, base = await _serve(settings, db)
            try:
                results = await _measure(base, backend, appeals, rounds, now)
                return results + await measure(base, backend, db, fixture, rounds)
            finally:
                await runner.cleanup()


async def measure(
    base: str, backend: str, db: Database, fixture: ReceptionsFixture, rounds: int
) -> list[Result]:
    """p50/p95 of every reception case, then one more request of each with its SQL
    statements counted (`queries` in the results)."""
    plan = cases(fixture)
    async with AsyncExitStack() as stack:
        http = {
            "organizer": await stack.enter_async_context(
                _signed_in(base, STAFF_LOGIN, fixture.organizer_login)
            ),
            "citizen": await stack.enter_async_context(
                _signed_in(base, CITIZEN_LOGIN, fixture.citizen_email)
            ),
        }
        timings: dict[Case, list[float]] = {case: [] for case in plan}
        # Round-robin, as the journal's cases: a burst of load spreads over all of them.
        for round_no in range(rounds + WARM_UP):
            for case, (who, url) in plan.items():
                spent = await _request(http[who], url)
                if round_no >= WARM_UP:
                    timings[case].append(spent)
        queries: dict[Case, int] = {}
        for case, (who, url) in plan.items():
            with counting(db) as counted:
                await _request(http[who], url)
            queries[case] = counted[0]
    return [
        PageResult(
            backend,
            target,
            scenario,
            statistics.median(ms),
            _percentile(ms, 0.95),
            rounds,
            queries[(target, scenario)],
        )
        for (target, scenario), ms in timings.items()
    ]


@asynccontextmanager
async def _signed_in(base: str, path: str, login: str) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client with a real session of `login` (every bench account shares a password)."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=base, cookie_jar=jar) as http:
        csrf = (await (await http.get("/api/v1/session")).json())["csrf_token"]
        signed = await http.post(
            path,
            json={"login": login, "password": OFFICER_PASSWORD},
            headers={"X-CSRF-Token": csrf},
        )
        if signed.status != 200:
            raise RuntimeError(f"bench sign-in of {login} failed: {signed.status}")
        yield http


@contextmanager
def counting(db: Database) -> Iterator[list[int]]:
    """The SQL statements the engine runs inside the block, in a one-item list."""
    counted = [0]

    def count(*_: Any) -> None:
        counted[0] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
