"""«Версия для слабовидящих»: font size, colour scheme and letter spacing, kept per browser.

The choice lives in a cookie (no account needed) and becomes classes on <html>, so the
pages work the same without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from portal.http.access import PUBLIC, allow
from portal.web.forms import safe_next

COOKIE = "a11y"
FONT_SIZES = ("normal", "large", "xlarge")
SCHEMES = ("default", "black-on-white", "white-on-black", "blue-on-cyan")
SPACINGS = ("normal", "wide", "wider")
LABELS = {
    "normal": "Обычный",
    "large": "Крупный",
    "xlarge": "Очень крупный",
    "default": "Обычная цветовая схема",
    "black-on-white": "Черным по белому",
    "white-on-black": "Белым по черному",
    "blue-on-cyan": "Темно-синим по голубому",
    "wide": "Увеличенный",
    "wider": "Большой",
}


@dataclass(frozen=True)
class A11y:
    enabled: bool = False
    font: str = "large"
    scheme: str = "black-on-white"
    spacing: str = "normal"

    @property
    def classes(self) -> str:
        if not self.enabled:
            return ""
        return f"a11y font-{self.font} scheme-{self.scheme} spacing-{self.spacing}"

    def cookie(self) -> str:
        return ".".join(("on" if self.enabled else "off", self.font, self.scheme, self.spacing))


def _pick(value: str | None, allowed: tuple[str, ...], default: str) -> str:
    return value if value in allowed else default


def parse(raw: str | None) -> A11y:
    """The cookie `on.large.black-on-white.normal`; anything unknown falls back to defaults."""
    parts = (raw or "").split(".")
    if len(parts) != 4:
        return A11y()
    state, font, scheme, spacing = parts
    return A11y(
        enabled=state == "on",
        font=_pick(font, FONT_SIZES, A11y.font),
        scheme=_pick(scheme, SCHEMES, A11y.scheme),
        spacing=_pick(spacing, SPACINGS, A11y.spacing),
    )


def a11y_of(request: web.Request) -> A11y:
    return parse(request.cookies.get(COOKIE))


@allow(PUBLIC)
@aiohttp_jinja2.template("a11y.html")
async def settings_page(request: web.Request) -> dict[str, Any]:
    return {
        "fonts": FONT_SIZES,
        "schemes": SCHEMES,
        "spacings": SPACINGS,
        "labels": LABELS,
        "next": safe_next(request.query.get("next"), "/"),
    }


@allow(PUBLIC)
async def save_settings(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    current = a11y_of(request)
    action = form.get("action")
    chosen = A11y(
        enabled=action != "off",
        font=_pick(str(form.get("font", current.font)), FONT_SIZES, current.font),
        scheme=_pick(str(form.get("scheme", current.scheme)), SCHEMES, current.scheme),
        spacing=_pick(str(form.get("spacing", current.spacing)), SPACINGS, current.spacing),
    )
    response = web.HTTPSeeOther(safe_next(request.query.get("next"), "/accessibility"))
    response.set_cookie(
        COOKIE, chosen.cookie(), max_age=365 * 24 * 3600, path="/", samesite="Lax", httponly=True
    )
    raise response


def setup_a11y(app: web.Application) -> None:
    app.router.add_get("/accessibility", settings_page, name="a11y")
    app.router.add_post("/accessibility", save_settings)
