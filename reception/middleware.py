"""Request id, access log and HTTP metrics for every request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from config.logs import request_id
from reception.metrics import Metrics

log = logging.getLogger("reception.http")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_ID_HEADER = "X-Request-Id"


def _route_name(request: web.Request) -> str:
    """The route template, never the raw path: ids in paths must not explode label sets."""
    info = request.match_info
    if info.http_exception is not None:
        return "unmatched"
    resource = info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def observe(metrics: Metrics) -> web.middleware:  # type: ignore[valid-type]
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        rid = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            if not response.prepared:
                response.headers[REQUEST_ID_HEADER] = rid
            return response
        except web.HTTPException as exc:
            status = exc.status
            exc.headers[REQUEST_ID_HEADER] = rid
            raise
        finally:
            elapsed = time.perf_counter() - started
            route = _route_name(request)
            metrics.http_requests.labels(request.method, route, str(status)).inc()
            metrics.http_duration.labels(request.method, route).observe(elapsed)
            log.info(
                "%s %s -> %d",
                request.method,
                route,
                status,
                extra={"status": status, "duration_ms": round(elapsed * 1000, 2)},
            )
            request_id.reset(token)

    return middleware
