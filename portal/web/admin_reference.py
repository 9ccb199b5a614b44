"""Administration of reference data: departments, topics, municipalities, answer templates."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from portal.domain.appeals import PLACEHOLDERS
from portal.domain.roles import Role
from portal.errors import NotFound, PortalError
from portal.http.access import allow
from portal.http.context import database_of
from portal.services import reference
from portal.services.reference import TITLES, Kind
from portal.web.forms import flash


def _kind(request: web.Request) -> Kind:
    try:
        return Kind(request.match_info["kind"])
    except ValueError:
        raise NotFound("Справочник не найден.", en="No such list.") from None


@allow(Role.ADMIN)
async def list_page(request: web.Request) -> web.Response:
    kind = _kind(request)
    context: dict[str, Any] = {
        "kind": kind,
        "title": TITLES[kind],
        "entries": await reference.entries(database_of(request), kind),
        "kinds": TITLES,
    }
    return aiohttp_jinja2.render_template("reference/list.html", request, context)


@allow(Role.ADMIN)
async def save_entry(request: web.Request) -> web.StreamResponse:
    kind = _kind(request)
    form = await request.post()
    raw_id = request.match_info.get("entry_id")
    name = form.get("name")
    try:
        await reference.save_entry(
            database_of(request),
            kind,
            name if isinstance(name, str) else "",
            entry_id=int(raw_id) if raw_id else None,
            active=raw_id is None or form.get("is_active") == "on",
        )
        flash(request, "Сохранено.")
    except PortalError as error:
        flash(request, error.text)
    raise web.HTTPSeeOther(f"/admin/reference/{kind.value}")


@allow(Role.ADMIN)
async def templates_page(request: web.Request) -> web.Response:
    context: dict[str, Any] = {
        "templates": await reference.templates(database_of(request)),
        "placeholders": ["{" + p + "}" for p in PLACEHOLDERS],
        "kinds": TITLES,
    }
    return aiohttp_jinja2.render_template("reference/templates.html", request, context)


@allow(Role.ADMIN)
async def save_template(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    raw_id = request.match_info.get("template_id")
    title, body = form.get("title"), form.get("body")
    try:
        await reference.save_template(
            database_of(request),
            title if isinstance(title, str) else "",
            body.replace("\r\n", "\n") if isinstance(body, str) else "",
            template_id=int(raw_id) if raw_id else None,
            active=raw_id is None or form.get("is_active") == "on",
        )
        flash(request, "Сохранено.")
    except PortalError as error:
        flash(request, error.text)
    raise web.HTTPSeeOther("/admin/templates")


def mount(app: web.Application) -> None:
    r = app.router
    r.add_get("/admin/reference/{kind}", list_page, name="admin_reference")
    r.add_post("/admin/reference/{kind}", save_entry)
    r.add_post(r"/admin/reference/{kind}/{entry_id:\d+}", save_entry)
    r.add_get("/admin/templates", templates_page, name="admin_templates")
    r.add_post("/admin/templates", save_template)
    r.add_post(r"/admin/templates/{template_id:\d+}", save_template)
