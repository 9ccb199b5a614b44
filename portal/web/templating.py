"""What every page template gets: language, the signed-in user, CSRF helpers, accessibility.

aiohttp_jinja2's own context-processor middleware would run wherever `setup` appends it;
this one sits right inside the session middleware (so error pages get it too) and skips
the JSON API, which renders no templates.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from portal.domain.local_time import DEFAULT_ZONE, format_local, zone, zone_label
from portal.http import i18n
from portal.http.auth import current_user, is_api
from portal.http.context import time_zone_of
from portal.http.csrf import csrf_field, csrf_query, csrf_token
from portal.web.a11y import a11y_of
from portal.web.forms import flashed


@jinja2.pass_context
def local_filter(
    context: jinja2.runtime.Context, moment: datetime | None, pattern: str = "%d.%m.%Y %H:%M"
) -> str:
    """`{{ appeal.created_at | local }}`: a stored UTC time on the reception's clock."""
    tz = context.get("time_zone")
    return format_local(moment, tz if isinstance(tz, tzinfo) else zone(DEFAULT_ZONE), pattern)


def install(env: jinja2.Environment) -> None:
    """Register the time filter; the zone itself comes with every page's context."""
    env.filters["local"] = local_filter


async def context_processor(request: web.Request) -> dict[str, Any]:
    tz = time_zone_of(request.app)
    return {
        "time_zone": tz,
        "zone_label": zone_label(tz),
        "user": await current_user(request),
        "csrf_field": lambda: csrf_field(request),
        "csrf_token": lambda: csrf_token(request),
        "csrf_query": lambda: csrf_query(request),
        "a11y": a11y_of(request),
        "path_qs": request.path_qs,
        "flashed": flashed(request),
    }


@web.middleware
async def template_context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_api(request):
        context = await i18n.context_processor(request)
        context.update(await context_processor(request))
        request[aiohttp_jinja2.REQUEST_CONTEXT_KEY] = context
    return await handler(request)
