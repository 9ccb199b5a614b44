"""Declarative API routes: one declaration gives the route, its access rule, the request
validation and its part of the OpenAPI 3.1 document.

    api = ApiRegistry()

    @api.route("GET", "/api/v1/appeals", summary="My appeals", tags=["appeals"],
               query_model=AppealQuery, response_model=AppealPage, roles=(Role.CITIZEN,))
    async def list_appeals(request: web.Request, query: AppealQuery) -> AppealPage: ...

The handler gets `body=` (validated `request_model`) and `query=` (validated
`query_model`) when declared, and returns a pydantic model (sent as JSON with `status`),
None (204) or any aiohttp response (files). `roles=None` means any signed-in user;
`public=True` lets anonymous callers in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from portal.domain.roles import Role
from portal.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from portal.http.access import PUBLIC, SIGNED_IN, Access, access, declare

ApiHandler = Callable[..., Awaitable[Any]]
H = TypeVar("H", bound=ApiHandler)
API_REGISTRIES = web.AppKey("portal.api_registries", list)
_PARAM = re.compile(r"\{(\w+)(?::([^}]*))?\}")
_REF = "#/components/schemas/{model}"


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None
    """Per-field messages of a rejected form."""


class ErrorResponse(BaseModel):
    """Every API error has this shape."""

    error: ErrorBody


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    handler: ApiHandler
    summary: str
    tags: tuple[str, ...]
    access: Access
    request_model: type[BaseModel] | None = None
    response_model: type[BaseModel] | None = None
    query_model: type[BaseModel] | None = None
    status: int = 200
    request_content: dict[str, Any] | None = None
    """A hand-written request body (e.g. multipart uploads) for the document."""
    response_content: dict[str, Any] | None = None
    """A hand-written success body (e.g. application/pdf) for the document."""
    description: str = ""

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


MAX_JSON_BYTES = 256 * 1024
"""No API body is near this; larger ones are refused before parsing."""
MAX_JSON_DEPTH = 32
_JSON_TYPES = ("application/json", "application/octet-stream")
DB_INT_MAX = 2**31 - 1
"""Integers a client sends end up in INTEGER columns (ids, counts): beyond this they
overflow the database instead of matching nothing."""

_RU_MESSAGES: dict[str, str] = {
    "missing": "обязательное поле",
    "extra_forbidden": "лишнее поле",
    "string_type": "должно быть строкой",
    "string_too_short": "не короче {min_length} симв.",
    "string_too_long": "не длиннее {max_length} симв.",
    "string_pattern_mismatch": "неверный формат",
    "int_type": "должно быть целым числом",
    "int_parsing": "должно быть целым числом",
    "int_from_float": "должно быть целым числом",
    "int_parsing_size": "слишком большое число",
    "float_type": "должно быть числом",
    "float_parsing": "должно быть числом",
    "finite_number": "должно быть конечным числом",
    "bool_type": "должно быть true или false",
    "bool_parsing": "должно быть true или false",
    "greater_than": "должно быть больше {gt}",
    "greater_than_equal": "должно быть не меньше {ge}",
    "less_than": "должно быть меньше {lt}",
    "less_than_equal": "должно быть не больше {le}",
    "literal_error": "допустимые значения: {expected}",
    "enum": "допустимые значения: {expected}",
    "date_type": "должно быть датой ГГГГ-ММ-ДД",
    "date_parsing": "должно быть датой ГГГГ-ММ-ДД",
    "date_from_datetime_parsing": "должно быть датой ГГГГ-ММ-ДД",
    "date_from_datetime_inexact": "должно быть датой ГГГГ-ММ-ДД",
    "datetime_type": "должно быть датой и временем",
    "datetime_parsing": "должно быть датой и временем",
    "datetime_from_date_parsing": "должно быть датой и временем",
    "list_type": "должно быть списком",
    "tuple_type": "должно быть списком",
    "set_type": "должно быть списком",
    "too_short": "не меньше {min_length} элем.",
    "too_long": "не больше {max_length} элем.",
    "dict_type": "должно быть объектом",
    "model_type": "должно быть объектом",
    "model_attributes_type": "должно быть объектом",
    "json_invalid": "неверный JSON",
    "url_parsing": "должно быть адресом (URL)",
    "value_error": "недопустимое значение",
    "assertion_error": "недопустимое значение",
}


def _ru_message(err: Any) -> str:
    """The validator's message in Russian for the common errors, else a general one."""
    template = _RU_MESSAGES.get(err["type"], "недопустимое значение")
    try:
        return template.format(**err.get("ctx", {}))
    except (KeyError, IndexError, ValueError):
        return "недопустимое значение"


def _invalid(exc: ValidationError) -> InvalidInput:
    """What failed validation, field by field: Russian and English wordings."""
    ru, en = [], []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in err["loc"]) or "body"
        ru.append(f"{where}: {_ru_message(err)}")
        en.append(f"{where}: {err['msg']}")
    return InvalidInput(
        f"Неверные данные запроса: {'; '.join(ru)}", en=f"Invalid request: {'; '.join(en)}"
    )


def _out_of_bounds(value: Any, where: str = "") -> str | None:
    """The first place in a parsed request whose value the database cannot hold: an
    integer beyond its column, or a string with NUL or an unpaired surrogate."""
    pending: list[tuple[str, Any]] = [(where, value)]
    while pending:
        place, item = pending.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and not -DB_INT_MAX - 1 <= item <= DB_INT_MAX:
            return place or "body"
        if isinstance(item, str):
            if "\x00" in item or (not item.isascii() and _unencodable(item)):
                return place or "body"
        elif isinstance(item, dict):
            pending.extend((f"{place}.{k}" if place else str(k), v) for k, v in item.items())
        elif isinstance(item, (list, tuple)):
            pending.extend((f"{place}.{i}" if place else str(i), v) for i, v in enumerate(item))
    return None


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_bounds(value: Any) -> None:
    where = _out_of_bounds(value)
    if where is not None:
        raise InvalidInput(
            f"Неверные данные запроса: {where}: недопустимое значение "
            "(слишком большое число или недопустимый символ).",
            en=f"Invalid request: {where}: the value is out of range "
            "(a number too large or a forbidden character).",
        )


def _depth(value: Any) -> int:
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, level + 1) for child in children)
    return deepest


def _not_json() -> InvalidInput:
    return InvalidInput(
        "Тело запроса должно быть JSON-объектом.", en="The request body must be a JSON object."
    )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def read_json(request: web.Request) -> Any:
    """The request's JSON body, or the documented 4xx: 415 for another named content type
    (forms, text) or charset, 413 beyond MAX_JSON_BYTES, 422 for anything but UTF-8 JSON
    nested at most MAX_JSON_DEPTH deep. No body is an empty object."""
    if not request.body_exists:
        return {}
    content_type = request.content_type
    # A client that names no type gets application/octet-stream from aiohttp: read as JSON.
    if content_type not in _JSON_TYPES and not content_type.endswith("+json"):
        raise UnsupportedMediaType(
            "Тело запроса должно быть в формате JSON (Content-Type: application/json).",
            en="The request body must be JSON (Content-Type: application/json).",
        )
    if (request.charset or "utf-8").lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            "Тело запроса должно быть в кодировке UTF-8.", en="The request body must be UTF-8."
        )
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise _too_large()
    raw = await request.read()
    if len(raw) > MAX_JSON_BYTES:
        raise _too_large()
    if not raw.strip():
        return {}
    try:
        parsed = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, big ints
        raise _not_json() from None
    if _depth(parsed) > MAX_JSON_DEPTH:
        raise InvalidInput(
            f"Тело запроса вложено глубже {MAX_JSON_DEPTH} уровней.",
            en=f"The request body is nested deeper than {MAX_JSON_DEPTH} levels.",
        )
    return parsed


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"Тело запроса больше {MAX_JSON_BYTES // 1024} КБ.",
        en=f"The request body is larger than {MAX_JSON_BYTES // 1024} KB.",
    )


async def _read_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    raw = await read_json(request)
    _check_bounds(raw)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise _invalid(exc) from None


def _read_query(request: web.Request, model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        data[key] = values if len(values) > 1 else values[0]
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from None
    _check_bounds(parsed.model_dump())
    return parsed


class ApiRegistry:
    """A set of API routes; several registries (one per area) may be mounted on an app."""

    def __init__(self) -> None:
        self.routes: list[ApiRoute] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tags: Sequence[str] = (),
        request_model: type[BaseModel] | None = None,
        response_model: type[BaseModel] | None = None,
        query_model: type[BaseModel] | None = None,
        roles: Sequence[Role] | None = None,
        public: bool = False,
        status: int = 200,
        request_content: dict[str, Any] | None = None,
        response_content: dict[str, Any] | None = None,
    ) -> Callable[[H], H]:
        if public:
            declared = access(PUBLIC)
        elif roles is None:
            declared = access(SIGNED_IN)
        else:
            declared = access(*roles)

        def register(handler: H) -> H:
            self.routes.append(
                ApiRoute(
                    method=method.upper(),
                    path=path,
                    handler=handler,
                    summary=summary,
                    tags=tuple(tags),
                    access=declared,
                    request_model=request_model,
                    response_model=response_model,
                    query_model=query_model,
                    status=status,
                    request_content=request_content,
                    response_content=response_content,
                    description=(handler.__doc__ or "").strip(),
                )
            )
            return handler

        return register

    def mount(self, app: web.Application) -> None:
        """Add the routes to `app` and their description to its OpenAPI document."""
        for route in self.routes:
            app.router.add_route(route.method, route.path, _endpoint(route))
        app.setdefault(API_REGISTRIES, []).append(self)


def _endpoint(route: ApiRoute) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        kwargs: dict[str, Any] = {}
        if route.request_model is not None:
            kwargs["body"] = await _read_body(request, route.request_model)
        if route.query_model is not None:
            kwargs["query"] = _read_query(request, route.query_model)
        result = await route.handler(request, **kwargs)
        if result is None:
            return web.Response(status=204)
        if isinstance(result, BaseModel):
            return web.json_response(result.model_dump(mode="json"), status=route.status)
        if isinstance(result, web.StreamResponse):
            return result
        raise TypeError(f"{route.operation_id} returned {type(result).__name__}")

    endpoint.__name__ = route.operation_id
    endpoint.__doc__ = route.description
    declare(endpoint, route.access)
    return endpoint


def _path_parameters(path: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for name, pattern in _PARAM.findall(path):
        integer = pattern in (r"\d+", "[0-9]+")
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if integer else "string"},
            }
        )
    return _PARAM.sub(lambda m: "{" + m.group(1) + "}", path), params


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
            **({"description": prop["description"]} if "description" in prop else {}),
        }
        for name, prop in properties.items()
    ]


def _json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=model.__name__)}}}


def _operation(route: ApiRoute, query_schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    _, params = _path_parameters(route.path)
    if route.query_model is not None:
        params += _query_parameters(query_schemas[route.query_model.__name__])
    op: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": list(route.tags),
    }
    if route.description:
        op["description"] = route.description
    if params:
        op["parameters"] = params
    if route.request_model is not None:
        op["requestBody"] = {"required": True, "content": _json_content(route.request_model)}
    elif route.request_content is not None:
        op["requestBody"] = {"required": True, "content": route.request_content}
    success: dict[str, Any] = {"description": "OK"}
    if route.response_model is not None:
        success["content"] = _json_content(route.response_model)
    elif route.response_content is not None:
        success["content"] = route.response_content
    status = str(route.status) if route.response_model or route.response_content else "204"
    error = {"description": "Error", "content": _json_content(ErrorResponse)}
    op["responses"] = {status: success, "422": error, "default": error}
    if route.access.public:
        op["security"] = []
    else:
        op["responses"]["401"] = error
        op["security"] = [{"session": [], "csrf": []}]
        if route.access.roles is not None:
            op["responses"]["403"] = error
            op["x-roles"] = sorted(r.value for r in route.access.roles)
    return op


def openapi_document(registries: Sequence[ApiRegistry], title: str, version: str) -> dict[str, Any]:
    routes = [route for registry in registries for route in registry.routes]
    models: set[type[BaseModel]] = {ErrorResponse}
    for route in routes:
        for model in (route.request_model, route.response_model, route.query_model):
            if model is not None:
                models.add(model)
    ordered = sorted(models, key=lambda m: m.__name__)
    _keyed, defs = models_json_schema([(m, "validation") for m in ordered], ref_template=_REF)
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    query_schemas = {m.__name__: schemas.get(m.__name__, {}) for m in ordered}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        doc_path, _params = _path_parameters(route.path)
        paths.setdefault(doc_path, {})[route.method.lower()] = _operation(route, query_schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
        },
    }


def openapi_handler(title: str, version: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Serves the document of every registry mounted on the app, built on first request."""
    cache: dict[str, Any] = {}

    async def openapi_json(request: web.Request) -> web.Response:
        if not cache:
            registries = request.app.get(API_REGISTRIES, [])
            cache.update(openapi_document(registries, title, version))
        return web.json_response(cache)

    declare(openapi_json, access(PUBLIC))
    return openapi_json
