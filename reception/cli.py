"""The `reception` command: run, transcoder, migrate, create-admin, check-config."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import signal
import sys
from pathlib import Path
from typing import Any

import uvloop
from aiohttp import web
from prometheus_client import start_http_server

from config import ConfigError, Settings, load_settings
from config.logs import setup_logging
from config.secrets import with_secrets
from config.settings import Mode
from portal import migrate
from portal.adapters.db import Database
from portal.errors import PortalError
from portal.services.accounts import create_admin
from reception.app import create_app
from reception.jobs import node_jobs


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reception", description=__doc__)
    _common_options(parser, None)
    # The same options after the command; SUPPRESS keeps a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    _common_options(common, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", parents=[common], help="start the all-in-one server")
    run.add_argument("--host", help="override server.host")
    run.add_argument("--port", type=int, help="override server.port")

    sub.add_parser(
        "transcoder",
        parents=[common],
        help="run only a transcoder worker: take jobs from Redis (redis.url) and run them",
    )

    sub.add_parser("migrate", parents=[common], help="bring the database schema up to date")

    admin = sub.add_parser("create-admin", parents=[common], help="create an administrator account")
    admin.add_argument("--login", required=True)
    admin.add_argument("--email")
    admin.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    sub.add_parser(
        "check-config",
        parents=[common],
        help="validate the settings and print them (secrets hidden)",
    )
    return parser


def _common_options(parser: argparse.ArgumentParser, default: object) -> None:
    """`--config` and `--data-dir`, accepted before and after the command."""
    parser.add_argument(
        "--config",
        type=Path,
        default=default,
        help="YAML settings file (default: $RECEPTION_CONFIG)",
    )
    parser.add_argument("--data-dir", type=Path, default=default, help="override data_dir")


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "data_dir": args.data_dir,
        "server.host": getattr(args, "host", None),
        "server.port": getattr(args, "port", None),
    }
    return load_settings(config_file=args.config, overrides=overrides)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
        setup_logging(settings.logging)
        if args.command == "check-config":
            return _check_config(settings)
        settings = with_secrets(settings)
        if args.command == "migrate":
            migrate.upgrade(settings.database_url)
            print("database schema is up to date")
            return 0
        if args.command == "create-admin":
            return _create_admin(settings, args)
        if args.command == "transcoder":
            return _transcoder(settings)
        return _run(settings)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except PortalError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1


def _check_config(settings: Settings) -> int:
    print(settings.model_dump_json(indent=2))
    if settings.mode is Mode.PRODUCTION:
        with_secrets(settings)
    print("configuration is valid", file=sys.stderr)
    return 0


def _create_admin(settings: Settings, args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 1
    migrate.upgrade(settings.database_url)

    async def go() -> None:
        db = Database(settings.database_url)
        try:
            await create_admin(db, args.login, password, args.email)
        finally:
            await db.close()

    asyncio.run(go())
    print(f"administrator {args.login!r} created")
    return 0


def _transcoder(settings: Settings) -> int:
    """A worker with nothing else: it takes compositions and conversions from the Redis
    stream until SIGTERM or SIGINT, then gives its running jobs back and exits."""
    if settings.redis.url is None:
        print(
            "error: `reception transcoder` takes jobs from Redis and redis.url is not set "
            "(RECEPTION_REDIS__URL). Without Redis, `reception run` runs the jobs itself.",
            file=sys.stderr,
        )
        return 2
    if settings.metrics.listen:
        host, _, port = settings.metrics.listen.rpartition(":")
        start_http_server(int(port), addr=host.strip("[]") or "0.0.0.0")

    async def work() -> None:
        jobs = node_jobs(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await jobs.start(worker=True)
        print("transcoder worker started", file=sys.stderr, flush=True)
        try:
            await stop.wait()
        finally:
            await jobs.close()

    uvloop.run(work())
    return 0


def _run(settings: Settings) -> int:
    if settings.mode is Mode.EMBEDDED:
        # The embedded default must start with one command: keep the schema current.
        migrate.upgrade(settings.database_url)
    app = create_app(settings)
    print(f"Interactive Reception on {settings.public_url}", file=sys.stderr, flush=True)
    web.run_app(
        app,
        loop=uvloop.new_event_loop(),  # the SFU's fixed cost is the loop's (sfu/README.md)
        host=settings.server.host,
        port=settings.server.port,
        shutdown_timeout=settings.server.shutdown_timeout_s,
        print=None,
        access_log=None,
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
