"""Staff pages of the accounts area: the staff home, own settings (the "new appeal"
subscription, password) and a citizen's profile as staff see it (audited)."""

from __future__ import annotations

from aiohttp import web

from portal.domain.profile import missing_fields
from portal.domain.roles import STAFF_ROLES
from portal.errors import NotFound
from portal.http.access import allow
from portal.http.auth import require_user
from portal.http.context import database_of
from portal.services.accounts import update_notifications
from portal.services.appeals import APPEAL_STAFF, open_citizen_profile
from portal.web.forms import checked, flash, render
from portal.web.profile import password_change, profile_values

CITIZEN_VIEWERS = tuple(sorted(APPEAL_STAFF))
"""Staff whose work needs a citizen's contact details (SPEC §7: only what the role needs),
and then only for a citizen one of whose appeals is theirs to work on. An administrator
manages accounts of staff, not citizens: no appeal role, no citizen's profile."""


@allow(*STAFF_ROLES)
async def staff_home(request: web.Request) -> web.Response:
    return render(request, "staff/home.html", {"account": await require_user(request)})


@allow(*STAFF_ROLES)
async def settings_page(request: web.Request) -> web.Response:
    return render(request, "staff/settings.html", {"account": await require_user(request)})


@allow(*STAFF_ROLES)
async def save_settings(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    form = await request.post()
    await update_notifications(
        database_of(request),
        user.id,
        status=user.notify_status,
        invitation=user.notify_invitation,
        new_appeals=checked(form, "notify_new_appeals"),
    )
    flash(request, "Настройки сохранены.")
    raise web.HTTPSeeOther("/staff/settings")


@allow(*STAFF_ROLES)
async def staff_password(request: web.Request) -> web.StreamResponse:
    return await password_change(request, "/staff/settings")


@allow(*CITIZEN_VIEWERS)
async def citizen_profile(request: web.Request) -> web.Response:
    actor = await require_user(request)
    try:
        citizen_id = int(request.match_info["id"])
    except ValueError:
        raise NotFound("Гражданин не найден.", en="Citizen not found.") from None
    citizen = await open_citizen_profile(database_of(request), actor, citizen_id)
    if citizen is None:
        # Out of scope reads like a missing citizen: ids cannot be probed.
        raise NotFound("Гражданин не найден.", en="Citizen not found.")
    context = {
        "citizen": citizen,
        "values": profile_values(citizen),
        "missing": missing_fields(citizen),
    }
    return render(request, "staff/citizen.html", context)


def setup_staff(app: web.Application) -> None:
    app.router.add_get("/staff", staff_home, name="staff_home")
    app.router.add_get("/staff/settings", settings_page, name="staff_settings")
    app.router.add_post("/staff/settings", save_settings)
    app.router.add_post("/staff/settings/password", staff_password)
    app.router.add_get(r"/staff/citizens/{id:\d+}", citizen_profile, name="staff_citizen")
