"""Server-rendered pages and the JSON API of the portal."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from config.settings import Settings
from portal.adapters.db import Database
from portal.web import i18n, pages
from portal.web.context import DATABASE, SETTINGS

TEMPLATES = Path(__file__).with_name("templates")


def setup_portal(app: web.Application, settings: Settings, db: Database) -> None:
    """Mount the portal's routes and template engine on the node's application."""
    app[SETTINGS] = settings
    app[DATABASE] = db
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        context_processors=[i18n.context_processor],
    )
    env.globals["languages"] = i18n.LANGUAGES
    app.router.add_get("/", pages.start, name="start")
    app.router.add_get("/lang/{code}", i18n.switch_language, name="lang")
