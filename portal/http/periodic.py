"""Background work of the portal that runs at start-up and then on a period for as long as
the application runs (collecting unused files, closing forgotten receptions)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from aiohttp import web

log = logging.getLogger(__name__)

Work = Callable[[web.Application], Awaitable[object]]


def every(
    period: timedelta, work: Work, failure: str
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A `cleanup_ctx` entry running `work`; a failed round is logged as `failure` and the
    next round tries again."""

    async def forever(app: web.Application) -> None:
        while True:
            try:
                await work(app)
            except Exception as error:
                log.warning(failure, extra={"error": type(error).__name__})
            await asyncio.sleep(period.total_seconds())

    async def run(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(forever(app))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return run
