"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.typedefs import Handler

from config.settings import Settings
from portal.adapters.db import Database

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 2.0


async def healthz(request: web.Request) -> web.Response:
    """The process answers: nothing else is checked (a restart would not help a dead DB)."""
    return web.json_response({"status": "ok"})


def readyz(settings: Settings, db: Database) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(db.ping(), PROBE_TIMEOUT_S)
            checks["database"] = "ok"
        except Exception as exc:
            log.warning("readiness: database unavailable: %s", exc)
            checks["database"] = "unavailable"
        if settings.redis.url:
            client = aioredis.from_url(settings.redis.url)
            try:
                await asyncio.wait_for(client.ping(), PROBE_TIMEOUT_S)
                checks["redis"] = "ok"
            except Exception as exc:
                log.warning("readiness: redis unavailable: %s", exc)
                checks["redis"] = "unavailable"
            finally:
                await client.aclose()
        ready = all(value == "ok" for value in checks.values())
        return web.json_response(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status=200 if ready else 503,
        )

    return handler
