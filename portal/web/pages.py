"""Public pages."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web


@aiohttp_jinja2.template("start.html")
async def start(request: web.Request) -> dict[str, Any]:
    return {}
