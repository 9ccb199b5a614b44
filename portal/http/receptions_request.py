"""What reception handlers find on the application: the board that feeds the live
conference, and the use cases' dependencies built from the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from portal.http.context import CLOCK, DATABASE, MAILER, SETTINGS, time_zone_of
from portal.services.receptions import ReceptionsDeps
from portal.services.receptions_board import ReceptionBoard
from portal.services.receptions_keeper import PERIOD, sweep

log = logging.getLogger(__name__)

BOARD = web.AppKey("portal.reception_board", ReceptionBoard)


def receptions_deps(app: web.Application) -> ReceptionsDeps:
    """Built per call so a test's clock or mailer swapped on the app is picked up."""
    return ReceptionsDeps(
        app[DATABASE],
        app[CLOCK],
        app[MAILER],
        app[SETTINGS].public_url.rstrip("/"),
        time_zone_of(app),
        app[BOARD],
    )


def deps_of(request: web.Request) -> ReceptionsDeps:
    return receptions_deps(request.app)


def reception_id(request: web.Request) -> int:
    return int(request.match_info["reception_id"])


async def reception_keeper(app: web.Application) -> AsyncIterator[None]:
    """Close receptions nobody closed (`receptions_keeper`): at start-up, then every
    `PERIOD`, for as long as the application runs."""
    task = asyncio.create_task(_keep_forever(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _keep_forever(app: web.Application) -> None:
    while True:
        try:
            await sweep(receptions_deps(app), app[CLOCK].now())
        except Exception as error:  # the next round tries again
            log.warning("receptions not swept", extra={"error": type(error).__name__})
        await asyncio.sleep(PERIOD.total_seconds())
