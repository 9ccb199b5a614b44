"""Russian by default, English on request; the choice is kept in a cookie.

Pages follow the cookie alone; API clients may also ask with `Accept-Language`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from aiohttp import web

from portal.http import locale
from portal.http.auth import is_api
from portal.http.redirects import local_referer
from portal.text import DEFAULT_LANGUAGE, LANGUAGES, Text

COOKIE = "lang"


def _catalog() -> dict[str, str]:
    """English strings from every module of portal.http.locale, one module per area."""
    merged: dict[str, str] = {}
    for info in pkgutil.iter_modules(locale.__path__):
        module = importlib.import_module(f"{locale.__name__}.{info.name}")
        merged.update(module.EN)
    return merged


EN = _catalog()


def _chosen(request: web.Request) -> str | None:
    lang = request.cookies.get(COOKIE)
    return lang if lang in LANGUAGES else None


def _accepted(header: str) -> str | None:
    """The supported language an `Accept-Language` header prefers most, if any.

    Weights are honoured ("en;q=0.9, ru" is Russian); among equal weights the first
    listed wins; "en-GB" counts as English; a malformed weight counts as zero."""
    best: tuple[float, str] | None = None
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-", 1)[0]
        if lang not in LANGUAGES:
            continue
        weight = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        if weight > 0 and (best is None or weight > best[0]):
            best = (weight, lang)
    return best[1] if best else None


def language_of(request: web.Request) -> str:
    """The language of this request's answer: the cookie; for the API also Accept-Language."""
    chosen = _chosen(request)
    if chosen is None and is_api(request):
        chosen = _accepted(request.headers.get("Accept-Language", ""))
    return chosen or DEFAULT_LANGUAGE


def translator(lang: str) -> Callable[[str | Text], str]:
    """For templates: a bilingual Text in `lang`; a Russian string through the catalog."""

    def translate(text: str | Text) -> str:
        if isinstance(text, Text):
            return text.in_language(lang)
        return EN.get(text, text) if lang == "en" else text

    return translate


async def context_processor(request: web.Request) -> dict[str, Any]:
    lang = language_of(request)
    return {"_": translator(lang), "lang": lang}


async def switch_language(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    if code not in LANGUAGES:
        raise web.HTTPNotFound(text="unknown language")
    response = web.HTTPSeeOther(local_referer(request.headers.get("Referer"), request.host))
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    raise response
