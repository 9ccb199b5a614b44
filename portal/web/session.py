"""The browser session: a signed cookie holding the user id and per-session secrets.

Nothing personal is kept in it. The user's `session_epoch` is stored alongside the id so
that a password change ends every session issued before it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from portal.adapters.sessions import Signer
from portal.web.context import clock_of, settings_of

COOKIE = "session"
MAX_AGE = timedelta(days=7)
SESSION_KEY = web.RequestKey("portal.session", dict)
_CHANGED = web.RequestKey("portal.session_changed", bool)


def _signer(request: web.Request) -> Signer:
    key = settings_of(request).secrets.session_key
    assert key is not None, "secrets are filled in before the app is built"
    return Signer(key.get_secret_value(), "session")


def session_of(request: web.Request) -> dict[str, Any]:
    return request[SESSION_KEY]


def mark_changed(request: web.Request) -> None:
    request[_CHANGED] = True


def replace_session(request: web.Request, data: dict[str, Any]) -> None:
    """Start a fresh session (on sign-in/out): nothing from before carries over."""
    session = request[SESSION_KEY]
    session.clear()
    session.update(data)
    session["csrf"] = secrets.token_urlsafe(32)
    mark_changed(request)


def store(request: web.Request, response: web.StreamResponse) -> None:
    """Write the session cookie onto `response` if the session changed."""
    if not request.get(_CHANGED) or response.prepared:
        return
    session = request[SESSION_KEY]
    secure = settings_of(request).public_url.startswith("https://")
    if not session:
        response.del_cookie(COOKIE, path="/")
        return
    value = _signer(request).dumps(session, clock_of(request).now())
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(MAX_AGE.total_seconds()),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    raw = request.cookies.get(COOKIE)
    data = _signer(request).loads(raw, clock_of(request).now(), MAX_AGE) if raw else None
    request[SESSION_KEY] = data or {}
    request[_CHANGED] = False
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        store(request, exc)
        raise
    store(request, response)
    return response
