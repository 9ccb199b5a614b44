"""Signing out everywhere: the citizen's profile and the staff settings end every session
of the account, for when a device was lost or a cookie may have been copied."""

from __future__ import annotations

from aiohttp import web

from portal.domain.roles import STAFF_ROLES, Role
from portal.http.access import allow
from portal.http.auth import SIGN_IN_PATH, STAFF_SIGN_IN_PATH, sign_out_everywhere
from portal.web.forms import flash

SIGNED_OUT_EVERYWHERE = "Вы вышли из личного кабинета на всех устройствах."


async def _everywhere(request: web.Request, sign_in_page: str) -> web.StreamResponse:
    response = web.HTTPSeeOther(sign_in_page)
    await sign_out_everywhere(request, response)
    flash(request, SIGNED_OUT_EVERYWHERE)
    raise response


@allow(Role.CITIZEN)
async def citizen_everywhere(request: web.Request) -> web.StreamResponse:
    return await _everywhere(request, SIGN_IN_PATH)


@allow(*STAFF_ROLES)
async def staff_everywhere(request: web.Request) -> web.StreamResponse:
    return await _everywhere(request, STAFF_SIGN_IN_PATH)


def setup_sign_out(app: web.Application) -> None:
    app.router.add_post("/profile/sign-out-everywhere", citizen_everywhere)
    app.router.add_post("/staff/settings/sign-out-everywhere", staff_everywhere)
