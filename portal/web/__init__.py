"""Server-rendered pages and the JSON API of the portal."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from portal.web import i18n, pages

TEMPLATES = Path(__file__).with_name("templates")


def setup_portal(app: web.Application) -> None:
    """Mount the portal's routes and template engine on the node's application."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        context_processors=[i18n.context_processor],
    )
    env.globals["languages"] = i18n.LANGUAGES
    app.router.add_get("/", pages.start, name="start")
    app.router.add_get("/lang/{code}", i18n.switch_language, name="lang")
