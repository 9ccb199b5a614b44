"""The API's own routes: the OpenAPI document and the session (who am I, CSRF token)."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from portal.api.registry import ApiRegistry, openapi_handler
from portal.http.auth import current_user
from portal.http.csrf import csrf_token

API_TITLE = "Interactive Reception API"
API_VERSION = "1.0.0"
api = ApiRegistry()


class SessionUser(BaseModel):
    id: int
    display_name: str
    roles: list[str]


class SessionInfo(BaseModel):
    """Send `csrf_token` as the X-CSRF-Token header with every POST, PUT, PATCH, DELETE."""

    csrf_token: str
    user: SessionUser | None


@api.route(
    "GET",
    "/api/v1/session",
    summary="The current session: the signed-in user (if any) and the CSRF token",
    tags=["session"],
    response_model=SessionInfo,
    public=True,
)
async def get_session(request: web.Request) -> SessionInfo:
    user = await current_user(request)
    return SessionInfo(
        csrf_token=csrf_token(request),
        user=SessionUser(id=user.id, display_name=user.display_name, roles=list(user.roles))
        if user
        else None,
    )


def setup_api(app: web.Application) -> None:
    app.router.add_get("/api/v1/openapi.json", openapi_handler(API_TITLE, API_VERSION))
    api.mount(app)
