"""Security headers on every answer: no framing by other sites (clickjacking of forms),
no content sniffing, and no Referer to other sites (multipart forms carry the CSRF token
in their action URL)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _apply(response: web.StreamResponse) -> None:
    if not response.prepared:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _apply(exc)
        raise
    _apply(response)
    return response
