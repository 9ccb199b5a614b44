"""The one place where portal errors become HTTP answers.

Under /api/ every error is `{"error": {"code", "message"}}` JSON (HTTP errors of the
router too, so an API client never parses an HTML page); elsewhere an error page. A
portal error's message (and its form fields') is worded in the request's language.
"""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from portal.errors import FormErrors, PortalError, TooManyAttempts
from portal.web.auth import is_api
from portal.web.i18n import language_of

log = logging.getLogger(__name__)


def _json_error(
    code: str, message: str, status: int, fields: dict[str, list[str]] | None = None
) -> web.Response:
    error: dict[str, object] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return web.json_response({"error": error}, status=status)


def _page(request: web.Request, status: int, message: str) -> web.Response:
    return aiohttp_jinja2.render_template(
        "error.html", request, {"status": status, "message": message}, status=status
    )


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except PortalError as exc:
        if exc.status >= 500:
            log.error("portal error %s: %s", exc.code, exc)
        lang = language_of(request)
        message = exc.text.in_language(lang)
        response = (
            _json_error(
                exc.code,
                message,
                exc.status,
                exc.fields_in(lang) if isinstance(exc, FormErrors) else None,
            )
            if is_api(request)
            else _page(request, exc.status, message)
        )
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if is_api(request):
            code = exc.reason.lower().replace(" ", "_")
            return _json_error(code, exc.text or exc.reason, exc.status)
        if exc.status in (403, 404, 405):
            return _page(request, exc.status, exc.reason)
        raise
