"""Administration of staff accounts, the mail outbox and the personal-data audit log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from portal.adapters.mail import list_outbox, read_mail
from portal.adapters.orm import User
from portal.domain.roles import STAFF_ROLES, Role
from portal.errors import FieldErrors, FormErrors, NotFound
from portal.http.access import allow
from portal.http.auth import require_user
from portal.http.context import clock_of, database_of, settings_of
from portal.services import reference
from portal.services.audit import recent_accesses
from portal.services.reference import Kind
from portal.services.staff import (
    StaffForm,
    get_staff,
    list_staff,
    parse_roles,
    reset_staff_password,
    save_staff,
    staff_departments,
)
from portal.web.audit_labels import audit_label
from portal.web.forms import FormData, checked, flash, render, text

ROLE_ORDER = [r for r in Role if r in STAFF_ROLES]
STAFF_FIELDS = ("login", "surname", "name", "patronymic", "email")


async def _form_page(
    request: web.Request,
    values: dict[str, Any],
    errors: FieldErrors,
    account_id: int | None,
    status: int = 200,
) -> web.Response:
    departments = await reference.entries(database_of(request), Kind.DEPARTMENTS)
    context = {
        "values": values,
        "errors": errors,
        "account_id": account_id,
        "roles": ROLE_ORDER,
        "departments": departments,
    }
    return render(request, "admin/staff_form.html", context, status)


def _values(user: User, departments: list[int]) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(user, f) or "" for f in STAFF_FIELDS}
    values["roles"] = set(user.roles)
    values["is_active"] = user.is_active
    values["departments"] = set(departments)
    return values


def _ids(form: FormData, name: str) -> frozenset[int]:
    """Checked ids; anything that is not a small positive number is dropped (and a list
    item that does not exist fails validation in the service)."""
    values = (v for v in form.getall(name, []) if isinstance(v, str))
    return frozenset(int(v) for v in values if v.isdecimal() and 0 < int(v) < 2**31)


def _staff_form(form: FormData) -> StaffForm:
    return StaffForm(
        **{f: text(form, f, 254) for f in STAFF_FIELDS},
        roles=parse_roles(v for v in form.getall("roles", []) if isinstance(v, str)),
        is_active=checked(form, "is_active"),
        password=text(form, "password", 200),
        department_ids=_ids(form, "departments"),
    )


@allow(Role.ADMIN)
async def staff_list(request: web.Request) -> web.Response:
    accounts = await list_staff(database_of(request))
    return render(request, "admin/staff_list.html", {"accounts": accounts})


@allow(Role.ADMIN)
async def staff_new(request: web.Request) -> web.Response:
    return await _form_page(
        request, {"roles": set(), "is_active": True, "departments": set()}, {}, None
    )


@allow(Role.ADMIN)
async def staff_edit(request: web.Request) -> web.Response:
    db = database_of(request)
    user = await get_staff(db, int(request.match_info["id"]))
    return await _form_page(
        request, _values(user, await staff_departments(db, user.id)), {}, user.id
    )


async def _save(request: web.Request, account_id: int | None) -> web.StreamResponse:
    actor = await require_user(request)
    form = await request.post()
    parsed = _staff_form(form)
    try:
        await save_staff(database_of(request), parsed, account_id, actor)
    except FormErrors as exc:
        values: dict[str, Any] = {f: getattr(parsed, f) for f in STAFF_FIELDS}
        values |= {
            "roles": {r.value for r in parsed.roles},
            "is_active": parsed.is_active,
            "departments": set(parsed.department_ids),
        }
        return await _form_page(request, values, exc.fields, account_id, 422)
    flash(request, "Учетная запись сотрудника сохранена.")
    raise web.HTTPSeeOther("/admin/staff")


@allow(Role.ADMIN)
async def staff_create(request: web.Request) -> web.StreamResponse:
    return await _save(request, None)


@allow(Role.ADMIN)
async def staff_update(request: web.Request) -> web.StreamResponse:
    return await _save(request, int(request.match_info["id"]))


@allow(Role.ADMIN)
async def staff_password_reset(request: web.Request) -> web.Response:
    """A new temporary password, shown once to the administrator to hand over."""
    actor = await require_user(request)
    account, temporary = await reset_staff_password(
        database_of(request), int(request.match_info["id"]), actor, clock_of(request).now()
    )
    page = render(
        request, "admin/staff_password.html", {"account": account, "temporary": temporary}
    )
    page.headers["Cache-Control"] = "no-store"
    return page


@allow(Role.ADMIN)
async def outbox(request: web.Request) -> web.Response:
    mails = list_outbox(settings_of(request).outbox_dir)
    smtp = bool(settings_of(request).mail.smtp_host)
    return render(request, "admin/outbox.html", {"mails": mails, "smtp": smtp})


@allow(Role.ADMIN)
async def outbox_mail(request: web.Request) -> web.Response:
    mail = read_mail(settings_of(request).outbox_dir, request.match_info["name"])
    if mail is None:
        raise NotFound("Письмо не найдено.", en="Letter not found.")
    return render(request, "admin/outbox_mail.html", {"mail": mail})


@allow(Role.ADMIN)
async def audit_log(request: web.Request) -> web.Response:
    rows = await recent_accesses(database_of(request))
    return render(request, "admin/audit.html", {"rows": rows, "audit_label": audit_label})


def setup_admin_staff(app: web.Application) -> None:
    add = app.router
    add.add_get("/admin/staff", staff_list, name="admin_staff")
    add.add_get("/admin/staff/new", staff_new, name="admin_staff_new")
    add.add_post("/admin/staff/new", staff_create)
    add.add_get(r"/admin/staff/{id:\d+}", staff_edit, name="admin_staff_edit")
    add.add_post(r"/admin/staff/{id:\d+}", staff_update)
    add.add_post(r"/admin/staff/{id:\d+}/password-reset", staff_password_reset)
    add.add_get("/admin/outbox", outbox, name="admin_outbox")
    add.add_get("/admin/outbox/{name}", outbox_mail, name="admin_outbox_mail")
    add.add_get("/admin/audit", audit_log, name="admin_audit")
