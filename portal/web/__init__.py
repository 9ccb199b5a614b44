"""Server-rendered pages and the JSON API of the portal."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from config.settings import Settings
from portal.adapters.clock import Clock
from portal.adapters.db import Database
from portal.adapters.mail import Mailer
from portal.api import accounts as accounts_api
from portal.api.kernel import setup_api
from portal.text import LANGUAGES
from portal.web import i18n, pages, templating
from portal.web.a11y import setup_a11y
from portal.web.access import PUBLIC, access, access_middleware_factory, declare
from portal.web.accounts import setup_accounts
from portal.web.admin_staff import setup_admin_staff
from portal.web.appeals_routes import setup_appeals
from portal.web.auth import require_access
from portal.web.context import CLOCK, DATABASE, MAILER, SETTINGS
from portal.web.csrf import csrf_middleware
from portal.web.errors import errors_middleware
from portal.web.labels import role_label
from portal.web.oidc import setup_oidc
from portal.web.profile import setup_profile
from portal.web.session import session_middleware, setup_sessions
from portal.web.sign_out import setup_sign_out
from portal.web.staff import setup_staff

TEMPLATES = Path(__file__).with_name("templates")


def setup_portal(app: web.Application, settings: Settings, db: Database) -> None:
    """Mount the portal's routes, middlewares and template engine on the node's application."""
    app[SETTINGS] = settings
    app[DATABASE] = db
    app[MAILER] = Mailer(settings.mail, settings.outbox_dir)
    app[CLOCK] = Clock()
    setup_sessions(app, settings)
    # Order matters: the session wraps everything (error pages may issue a CSRF token),
    # then the template context, then errors turn what the inner ones raise into pages
    # or JSON.
    app.middlewares.extend(
        [
            session_middleware,
            templating.template_context_middleware,
            errors_middleware,
            csrf_middleware,
            access_middleware_factory(require_access),
        ]
    )
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
    setup_api(app)
    accounts_api.api.mount(app)
