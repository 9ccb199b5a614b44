"""The citizen's profile: personal data, completeness, notification settings, password,
and a download of everything the portal keeps about them (152-FZ)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from portal.adapters.orm import User
from portal.domain.profile import missing_fields
from portal.domain.roles import Role
from portal.errors import FieldErrors, FormErrors
from portal.http.access import allow
from portal.http.auth import require_user, sign_in
from portal.http.context import clock_of, database_of
from portal.services.accounts import ProfileForm, update_notifications, update_profile
from portal.services.auth import change_password
from portal.web.forms import FormData, checked, flash, render, text

PROFILE_FIELDS = tuple(ProfileForm.__dataclass_fields__)


def profile_values(user: User) -> dict[str, str]:
    values = {field: str(getattr(user, field) or "") for field in PROFILE_FIELDS}
    values["birth_date"] = user.birth_date.isoformat() if user.birth_date else ""
    return values


def _page(
    request: web.Request,
    user: User,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    status: int = 200,
) -> web.Response:
    context: dict[str, Any] = {
        "values": values or profile_values(user),
        "errors": errors or {},
        "missing": missing_fields(user),
        "account": user,
    }
    return render(request, "accounts/profile.html", context, status)


@allow(Role.CITIZEN)
async def profile_page(request: web.Request) -> web.Response:
    return _page(request, await require_user(request))


def profile_form(form: FormData) -> ProfileForm:
    return ProfileForm(**{field: text(form, field, 300) for field in PROFILE_FIELDS})


@allow(Role.CITIZEN)
async def save_profile(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    form = await request.post()
    parsed = profile_form(form)
    today = clock_of(request).now().date()
    try:
        await update_profile(database_of(request), user.id, parsed, today)
    except FormErrors as exc:
        return _page(
            request, user, {f: getattr(parsed, f) for f in PROFILE_FIELDS}, exc.fields, 422
        )
    flash(request, "Профиль сохранен.")
    raise web.HTTPSeeOther("/profile")


@allow(Role.CITIZEN)
async def save_notifications(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    form = await request.post()
    await update_notifications(
        database_of(request),
        user.id,
        status=checked(form, "notify_status"),
        invitation=checked(form, "notify_invitation"),
    )
    flash(request, "Настройки уведомлений сохранены.")
    raise web.HTTPSeeOther("/profile#notifications")


async def password_change(request: web.Request, back: str) -> web.StreamResponse:
    user = await require_user(request)
    form = await request.post()
    try:
        changed = await change_password(
            database_of(request),
            user.id,
            text(form, "current_password", 200),
            text(form, "password", 200),
            text(form, "password_again", 200),
        )
    except FormErrors as exc:
        for messages in exc.fields.values():
            for message in messages:
                flash(request, message)
        raise web.HTTPSeeOther(back) from None
    response = web.HTTPSeeOther(back)
    await sign_in(request, response, changed)
    flash(request, "Пароль изменен.")
    raise response


@allow(Role.CITIZEN)
async def citizen_password(request: web.Request) -> web.StreamResponse:
    return await password_change(request, "/profile#password")


@allow(Role.CITIZEN)
async def my_data(request: web.Request) -> web.Response:
    """Everything of the profile as JSON, downloadable by the citizen."""
    user = await require_user(request)
    data = profile_values(user) | {
        "email": user.email or "",
        "consent_at": user.consent_at.isoformat() if user.consent_at else None,
        "registered_at": user.created_at.isoformat(),
        "notify_status": user.notify_status,
        "notify_invitation": user.notify_invitation,
    }
    return web.Response(
        text=json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
    )


def setup_profile(app: web.Application) -> None:
    app.router.add_get("/profile", profile_page, name="profile")
    app.router.add_post("/profile", save_profile)
    app.router.add_post("/profile/notifications", save_notifications)
    app.router.add_post("/profile/password", citizen_password)
    app.router.add_get("/profile/data", my_data, name="my_data")
