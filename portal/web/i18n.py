"""Russian by default, English on request; the choice is kept in a cookie."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from aiohttp import web

from portal.web import locale

LANGUAGES = ("ru", "en")
COOKIE = "lang"


def _catalog() -> dict[str, str]:
    """English strings from every module of portal.web.locale, one module per area."""
    merged: dict[str, str] = {}
    for info in pkgutil.iter_modules(locale.__path__):
        module = importlib.import_module(f"{locale.__name__}.{info.name}")
        merged.update(module.EN)
    return merged


EN = _catalog()


def language_of(request: web.Request) -> str:
    lang = request.cookies.get(COOKIE, "ru")
    return lang if lang in LANGUAGES else "ru"


def translator(lang: str) -> Callable[[str], str]:
    if lang == "en":
        return lambda text: EN.get(text, text)
    return lambda text: text


async def context_processor(request: web.Request) -> dict[str, Any]:
    lang = language_of(request)
    return {"_": translator(lang), "lang": lang}


async def switch_language(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    if code not in LANGUAGES:
        raise web.HTTPNotFound(text="unknown language")
    back = request.headers.get("Referer", "/")
    if not back.startswith(("/", str(request.url.origin()))):
        back = "/"
    response = web.HTTPSeeOther(back)
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    raise response
