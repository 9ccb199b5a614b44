"""Server-rendered pages of the portal."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from config.settings import Settings
from portal.http import i18n
from portal.http.access import PUBLIC, access, declare
from portal.text import LANGUAGES
from portal.web import pages, templating
from portal.web.a11y import setup_a11y
from portal.web.accounts import setup_accounts
from portal.web.admin_staff import setup_admin_staff
from portal.web.appeals_routes import setup_appeals
from portal.web.labels import role_label
from portal.web.oidc import setup_oidc
from portal.web.planning import setup_planning
from portal.web.profile import setup_profile
from portal.web.receptions import setup_receptions
from portal.web.recordings_archive import setup_recordings_archive
from portal.web.recordings_staff import setup_recordings_staff
from portal.web.sign_out import setup_sign_out
from portal.web.staff import setup_staff
from portal.web.statistics import setup_statistics

TEMPLATES = Path(__file__).with_name("templates")


def setup_web(app: web.Application, settings: Settings) -> None:
    """Mount the pages and the template engine (the kernel's middlewares are already on)."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    env.globals["languages"] = LANGUAGES
    env.globals["role_label"] = role_label
    templating.install(env)
    declare(pages.start, access(PUBLIC))
    declare(i18n.switch_language, access(PUBLIC))
    app.router.add_get("/", pages.start, name="start")
    app.router.add_get("/lang/{code}", i18n.switch_language, name="lang")
    setup_a11y(app)
    setup_accounts(app)
    setup_profile(app)
    setup_sign_out(app)
    setup_staff(app)
    setup_admin_staff(app)
    setup_oidc(app, settings.oidc)
    setup_appeals(app)
    setup_planning(app)
    setup_statistics(app)
    setup_receptions(app)
    setup_recordings_staff(app)
    setup_recordings_archive(app)
