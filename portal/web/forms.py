"""Small helpers the form pages share: rendering, reading fields, safe redirects, flash
messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from portal.http.i18n import language_of
from portal.http.redirects import local_target
from portal.http.session import mark_changed, session_of
from portal.text import Text

FormData = MultiDictProxy[str | bytes | bytearray | web.FileField]
_FLASH = "flash"


def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, context, status=status)


def text(form: FormData, name: str, limit: int = 1000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def checked(form: FormData, name: str) -> bool:
    return form.get(name) in ("on", "1", "true", "yes")


def safe_next(value: str | None, fallback: str = "/") -> str:
    """Only a local path: never an open redirect to another site (portal.http.redirects)."""
    return local_target(value, fallback)


def flash(request: web.Request, message: str | Text) -> None:
    """A message shown once on the next page: a Russian string the page translates, or a
    bilingual Text worded now in this request's language."""
    if isinstance(message, Text):
        message = message.in_language(language_of(request))
    session = session_of(request)
    session[_FLASH] = [*session.get(_FLASH, []), message][-5:]
    mark_changed(request)


def flashed(request: web.Request) -> Callable[[], list[str]]:
    """For templates: pops the messages only when the page actually shows them."""

    def take() -> list[str]:
        messages = session_of(request).pop(_FLASH, [])
        if messages:
            mark_changed(request)
        return [m for m in messages if isinstance(m, str)]

    return take
