"""Who is signed in, and the checks every handler builds on.

Pages send an anonymous visitor to the sign-in page; the API answers 401 JSON. A user
without the needed role gets 403 either way.

Ending sessions: signing out deletes this browser's stored session, "sign out everywhere"
deletes every stored session of the user. A password change or reset (and an
administrator's change to a staff account) bumps the user's `session_epoch` instead, which
every session carries and `current_user` compares: the services that change credentials
then need to know nothing about where sessions are stored (database or Redis), and the
stale sessions expire on their own.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from portal.adapters.orm import User
from portal.domain.roles import Role
from portal.errors import Forbidden, Unauthorized
from portal.http.access import Access
from portal.http.context import database_of
from portal.http.session import replace_session, session_of, store_of
from portal.services.auth import session_user

_USER = web.RequestKey("portal.user", object)
API_PREFIX = "/api/"
SIGN_IN_PATH = "/login"
STAFF_SIGN_IN_PATH = "/staff/login"


def is_api(request: web.Request) -> bool:
    return request.path.startswith(API_PREFIX)


async def current_user(request: web.Request) -> User | None:
    """The signed-in, active user whose session is still valid; loaded once per request."""
    if _USER in request:
        cached = request[_USER]
        return cached if isinstance(cached, User) else None
    user: User | None = None
    session = session_of(request)
    uid, epoch = session.get("uid"), session.get("epoch")
    if isinstance(uid, int):
        user = await session_user(database_of(request), uid, epoch)
    request[_USER] = user
    return user


def _sign_in_redirect(request: web.Request, staff: bool) -> web.HTTPSeeOther:
    target = STAFF_SIGN_IN_PATH if staff else SIGN_IN_PATH
    return web.HTTPSeeOther(f"{target}?next={quote(request.path_qs, safe='')}")


async def require_user(request: web.Request, *, staff: bool = False) -> User:
    user = await current_user(request)
    if user is None:
        if is_api(request):
            raise Unauthorized("Требуется вход в систему.", en="Please sign in.")
        raise _sign_in_redirect(request, staff)
    return user


async def require_roles(request: web.Request, *roles: Role) -> User:
    user = await require_user(request, staff=Role.CITIZEN not in roles)
    if not user.has_role(*roles):
        raise Forbidden(
            "Недостаточно прав для этого действия.", en="You are not allowed to do this."
        )
    return user


async def require_access(request: web.Request, declared: Access) -> None:
    """What the access middleware runs for a route's declaration."""
    if declared.public:
        return
    if declared.roles is None:
        await require_user(request)
    else:
        await require_roles(request, *declared.roles)


async def sign_in(request: web.Request, response: web.StreamResponse, user: User) -> None:
    """Start a new session for `user` under a new id, with a fresh CSRF token (no
    fixation). The session middleware writes it and its cookie onto whatever response
    the handler ends with; `response` is kept for the callers' sake."""
    replace_session(request, {"uid": user.id, "epoch": user.session_epoch})
    request[_USER] = user


async def sign_out(request: web.Request, response: web.StreamResponse) -> None:
    """End this browser's session on the server: every copy of its cookie stops working."""
    replace_session(request, {})
    request[_USER] = None


async def sign_out_everywhere(request: web.Request, response: web.StreamResponse) -> None:
    """End every session of the signed-in user, this one included."""
    user = await current_user(request)
    if user is not None:
        await store_of(request).delete_user(user.id)
    await sign_out(request, response)
