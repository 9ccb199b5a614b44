"""Prometheus metrics: one registry per application so several apps can live in a process.

/metrics names routes, rooms and load: by default (production) it is not on the public
application. An operator serves it on its own address (`metrics.listen`), behind a bearer
token (`metrics.token`), or, in the embedded mode, openly on the node's own address.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.registry import Collector

from config.settings import Mode, Settings

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4"


class Metrics:
    """The HTTP metrics every node exports, plus a place for component collectors."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.http_requests = Counter(
            "reception_http_requests",
            "HTTP requests handled, by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "reception_http_request_duration_seconds",
            "Time to handle an HTTP request, by route.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
            registry=self.registry,
        )

    def register(self, collector: Collector) -> None:
        """Add a component's collector (media, jobs) to this node's /metrics."""
        self.registry.register(collector)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _handler(
    metrics: Metrics, token: str | None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    expected = f"Bearer {token}".encode() if token else None

    async def metrics_handler(request: web.Request) -> web.Response:
        if expected is not None:
            given = request.headers.get("Authorization", "").encode("utf-8", "replace")
            if not hmac.compare_digest(given, expected):
                raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    return metrics_handler


def expose_metrics(app: web.Application, metrics: Metrics, settings: Settings) -> None:
    """Mount /metrics where the settings say: its own address, the public app behind a
    token, openly in the embedded mode, or nowhere public."""
    config = settings.metrics
    address = config.address
    token = config.token.get_secret_value() if config.token else None
    if address is None:
        if token is not None or settings.mode is Mode.EMBEDDED:
            app.router.add_get("/metrics", _handler(metrics, token), name="metrics")
        else:
            log.info("/metrics is not served: set metrics.listen or metrics.token")
        return
    host, port = address

    async def metrics_site(_app: web.Application) -> AsyncIterator[None]:
        own = web.Application()
        own.router.add_get("/metrics", _handler(metrics, token))
        runner = web.AppRunner(own, handle_signals=False, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        log.info("metrics on %s:%d", host, port)
        yield
        await runner.cleanup()

    app.cleanup_ctx.append(metrics_site)
