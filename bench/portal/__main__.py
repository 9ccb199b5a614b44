"""`python -m bench.portal --appeals 100000 [--receptions 1000] [--postgres URL] [--json]`.

Journal latency, and with `--receptions` the reception pages' too (the planning page, the
schedule, an ended reception's page) on the same data set with that many receptions.

Runs on SQLite always, and on PostgreSQL when a URL is given (a throw-away schema is
created and dropped). Prints p50/p95 per backend, target (API list, journal page, planning,
schedule, reception) and scenario (list, search, filter, tab, page); the target is p95
under 100 ms. The reception cases also show the SQL statements one request runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging

from bench.portal import receptions
from bench.portal.journal import Result, as_dict, run

TARGET_MS = 100.0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.portal", description=__doc__)
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument(
        "--receptions", type=int, default=0, help="receptions to add and bench their pages"
    )
    parser.add_argument("--rounds", type=int, default=40, help="requests per scenario")
    parser.add_argument("--postgres", metavar="URL", help="postgresql+asyncpg://… to bench too")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    backends = ([] if args.no_sqlite else [None]) + ([args.postgres] if args.postgres else [])
    results: list[Result] = []
    for url in backends:
        if args.receptions:
            results += asyncio.run(receptions.run(args.appeals, args.receptions, args.rounds, url))
        else:
            results += asyncio.run(run(args.appeals, args.rounds, url))
    if args.json:
        print(json.dumps([as_dict(r) for r in results], ensure_ascii=False, indent=2))
        return
    print(table(results))


def table(results: list[Result]) -> str:
    """One line per case; a p95 at or over the target is marked, and the reception cases
    show their SQL statement count."""
    counted = any(isinstance(r, receptions.PageResult) for r in results)
    target = max([7, *(len(r.target) + 1 for r in results)])
    scenario = max([22, *(len(r.scenario) + 1 for r in results)])
    head = f"{'backend':<11}{'target':<{target}}{'scenario':<{scenario}}{'p50 ms':>9}{'p95 ms':>9}"
    lines = [head + (f"{'queries':>9}" if counted else "")]
    for r in results:
        line = f"{r.backend:<11}{r.target:<{target}}{r.scenario:<{scenario}}"
        line += f"{r.p50_ms:>9.1f}{r.p95_ms:>9.1f}"
        if counted:
            line += f"{r.queries:>9}" if isinstance(r, receptions.PageResult) else " " * 9
        lines.append(line + ("" if r.p95_ms < TARGET_MS else "  over target"))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
