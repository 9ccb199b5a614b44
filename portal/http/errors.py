"""The one place where portal errors become HTTP answers.

Under /api/ every error is `{"error": {"code", "message"}}` JSON (HTTP errors of the
router too, so an API client never parses an HTML page); elsewhere the error page. A
portal error's message (and its form fields'), and aiohttp's own errors ("Not Found",
"Method Not Allowed", "Request Entity Too Large"), are worded in the request's language.
"""

from __future__ import annotations

import logging
import re

import aiohttp_jinja2
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler

from portal.errors import FormErrors, InvalidInput, NotFound, PortalError, TooManyAttempts
from portal.http.auth import is_api
from portal.http.i18n import language_of
from portal.text import Text

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


_HTTP_TEXTS = {
    400: Text("Неверный запрос.", "Bad request."),
    401: Text("Нужно войти в систему.", "Sign in first."),
    403: Text("Доступ запрещен.", "Access denied."),
    404: Text("Страница не найдена.", "Page not found."),
    405: Text("Этот адрес не принимает такой запрос.", "This address does not accept this method."),
    406: Text("Ответ в запрошенном формате недоступен.", "No answer in the requested format."),
    408: Text("Запрос не был получен вовремя.", "The request did not arrive in time."),
    409: Text("Конфликт с текущим состоянием.", "Conflict with the current state."),
    411: Text("Не указана длина запроса.", "The request length is missing."),
    413: Text(
        "Слишком большой запрос. Уменьшите размер файлов или текста.",
        "The request is too large. Send smaller files or less text.",
    ),
    414: Text("Слишком длинный адрес.", "The address is too long."),
    415: Text("Неподдерживаемый тип содержимого.", "Unsupported content type."),
    422: Text("Неверные данные запроса.", "Invalid request data."),
    429: Text("Слишком много запросов. Попробуйте позже.", "Too many requests. Try again later."),
    431: Text("Слишком большие заголовки запроса.", "The request headers are too large."),
    500: Text(
        "Внутренняя ошибка сервера. Попробуйте позже.",
        "Internal server error. Try again later.",
    ),
}
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def http_text(status: int) -> Text:
    """The product's wording of an HTTP error status, never aiohttp's English default."""
    if status in _HTTP_TEXTS:
        return _HTTP_TEXTS[status]
    return _HTTP_TEXTS[500] if status >= 500 else _HTTP_TEXTS[400]


def _http_error(request: web.Request, exc: web.HTTPException) -> web.Response:
    """aiohttp's own errors (no route, wrong method, body over the limit, a handler's
    HTTPBadRequest) answered like the portal's: a page or the documented JSON."""
    message = http_text(exc.status).in_language(language_of(request))
    if is_api(request):
        code = exc.reason.lower().replace(" ", "_").replace("-", "_") or "http_error"
        response = _json_error(code, message, exc.status)
    else:
        response = _page(request, exc.status, message)
    for name in _KEPT_HEADERS:
        if name in exc.headers:
            response.headers[name] = exc.headers[name]
    return response


DB_INT_MAX = 2**31 - 1
"""The largest id a row can have (PostgreSQL INTEGER); larger ones name nothing."""
_INTEGER_PARAM = re.compile(r"\(\?P<(\w+)>(?:\\d\+|\[0-9\]\+)\)")


def _check_path_ids(request: web.Request) -> None:
    """An id in the path beyond any row's id (`/appeals/99999999999999999999`) is simply
    not found; without this check it overflows the database's integer and fails."""
    resource = request.match_info.route.resource
    if resource is None or not request.match_info:
        return
    pattern = resource.get_info().get("pattern")
    if pattern is None:
        return
    for name in _INTEGER_PARAM.findall(pattern.pattern):
        value = request.match_info.get(name, "")
        if value.isdigit() and int(value) > DB_INT_MAX:
            raise NotFound("Не найдено.", en="Not found.")


_FORM_TYPES = ("application/x-www-form-urlencoded",)


def nul_refused() -> InvalidInput:
    return InvalidInput(
        "Запрос содержит недопустимый символ (NUL).",
        en="The request contains a character that is not allowed (NUL).",
    )


async def _check_no_nul(request: web.Request) -> None:
    """No text a client sends may hold a NUL: PostgreSQL refuses it in any string (even a
    search condition), so it would fail deep in a query. Query strings and urlencoded
    forms are checked here, once for every route; multipart fields where they are read,
    and the API's JSON in its parser."""
    if "%00" in request.query_string or "\x00" in request.query_string:
        raise nul_refused()
    if request.method in ("POST", "PUT", "PATCH") and request.content_type in _FORM_TYPES:
        form = await request.post()
        if any(isinstance(v, str) and "\x00" in v for v in form.values()):
            raise nul_refused()
        if any("\x00" in k for k in form):
            raise nul_refused()


_BODY_READERS = ("aiohttp.web_request", "aiohttp.multipart", "aiohttp.helpers")


def _raised_reading_the_body(exc: BaseException) -> bool:
    """Whether aiohttp itself gave up on the body a client sent (an unknown charset, a
    multipart body without its boundary): the client's mistake, a 400, not the portal's."""
    tb = exc.__traceback__
    module = ""
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        tb = tb.tb_next
    return module.startswith(_BODY_READERS)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        _check_path_ids(request)
        await _check_no_nul(request)
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
        return _http_error(request, exc)
    except HttpProcessingError as exc:
        # aiohttp's parser refused a part of the body (a NUL in a multipart header).
        log.info("malformed request body on %s %s: %s", request.method, request.path, exc)
        return _http_error(request, web.HTTPBadRequest())
    except (ValueError, LookupError) as exc:
        if not _raised_reading_the_body(exc):
            log.exception("unhandled error on %s %s", request.method, request.path)
            return _http_error(request, web.HTTPInternalServerError())
        return _http_error(request, web.HTTPBadRequest())
    except Exception:
        # Still a bug to fix, but the visitor gets the product's page, not a stack trace.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _http_error(request, web.HTTPInternalServerError())
