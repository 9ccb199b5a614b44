"""`python -m bench.portal --appeals 100000 [--postgres URL] [--json]`: journal latency.

Runs on SQLite always, and on PostgreSQL when a URL is given (a throw-away schema is
created and dropped). Prints p50/p95 per backend, target (API list, journal page) and
scenario (list, search, filter); the target is p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging

from bench.portal.journal import Result, as_dict, run

TARGET_MS = 100.0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.portal", description=__doc__)
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40, help="requests per scenario")
    parser.add_argument("--postgres", metavar="URL", help="postgresql+asyncpg://… to bench too")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results: list[Result] = []
    if not args.no_sqlite:
        results += asyncio.run(run(args.appeals, args.rounds, None))
    if args.postgres:
        results += asyncio.run(run(args.appeals, args.rounds, args.postgres))
    if args.json:
        print(json.dumps([as_dict(r) for r in results], ensure_ascii=False, indent=2))
        return
    print(f"{'backend':<11}{'target':<7}{'scenario':<22}{'p50 ms':>9}{'p95 ms':>9}")
    for r in results:
        mark = "" if r.p95_ms < TARGET_MS else "  over target"
        print(f"{r.backend:<11}{r.target:<7}{r.scenario:<22}{r.p50_ms:>9.1f}{r.p95_ms:>9.1f}{mark}")


if __name__ == "__main__":
    main()
