"""CSRF protection: every POST/PUT/PATCH/DELETE carries the session's token.

Forms send it as the hidden field `_csrf`; scripts and API clients as the `X-CSRF-Token`
header. Multipart uploads are streamed by their handlers, so the middleware must not read
their body: for them the token travels in the header or in the action URL's `_csrf`
query parameter (see `csrf_query()`).
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web
from aiohttp.typedefs import Handler
from markupsafe import Markup, escape

from portal.errors import CsrfRejected
from portal.http.session import mark_changed, session_of

FIELD = "_csrf"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT_PREFIXES = ("/socket.io/",)
"""The conference's Socket.IO long polling (signaling/server.py) POSTs its messages: they
carry no authority from the session cookie (a join token inside does), and another site
cannot read the connection id a POST must name, so there is nothing to forge."""
_FORM_TYPES = ("application/x-www-form-urlencoded",)


def csrf_token(request: web.Request) -> str:
    """The session's token, created on first use."""
    session = session_of(request)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
        mark_changed(request)
    return token


def csrf_field(request: web.Request) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, escape(csrf_token(request))
    )


def csrf_query(request: web.Request) -> str:
    """`_csrf=<token>` for the action URL of a multipart form."""
    return f"{FIELD}={csrf_token(request)}"


async def _presented(request: web.Request) -> str:
    header = request.headers.get(HEADER)
    if header:
        return header
    if request.content_type.startswith("multipart/"):
        return request.query.get(FIELD, "")
    if request.content_type in _FORM_TYPES:
        value = (await request.post()).get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in SAFE_METHODS and not request.path.startswith(EXEMPT_PREFIXES):
        expected = session_of(request).get("csrf")
        presented = await _presented(request)
        if not (
            isinstance(expected, str)
            and presented
            and hmac.compare_digest(expected.encode(), presented.encode())
        ):
            raise CsrfRejected(
                "Форма устарела или отправлена с другого сайта. Обновите страницу и повторите.",
                en="The form has expired or was sent from another site. "
                "Reload the page and try again.",
            )
    return await handler(request)
