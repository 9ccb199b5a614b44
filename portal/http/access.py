"""Who may use a route, declared once on its handler and enforced by one middleware.

Every portal route says `@allow(PUBLIC)`, `@allow(SIGNED_IN)` or `@allow(Role.X, ...)`;
API routes get the same declaration from `ApiRegistry.route`. The authorization matrix test
reads these declarations for every route of the app, so a new route is checked as soon as
it is mounted (and a route without a declaration fails that test).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from portal.domain.roles import STAFF_ROLES, Role

F = TypeVar("F", bound=Callable[..., Any])
_ATTRIBUTE = "__portal_access__"


class Audience(enum.Enum):
    PUBLIC = "public"
    """Anyone, signed in or not."""
    SIGNED_IN = "signed_in"
    """Any signed-in user, whatever their roles."""


PUBLIC = Audience.PUBLIC
SIGNED_IN = Audience.SIGNED_IN


@dataclass(frozen=True)
class Access:
    public: bool
    roles: frozenset[Role] | None
    """None: any signed-in user; otherwise the user must hold one of these roles."""

    def admits(self, roles: frozenset[Role] | None) -> bool:
        """Would a user with `roles` (None: anonymous) get in?"""
        if self.public:
            return True
        if roles is None:
            return False
        return self.roles is None or bool(self.roles & roles)

    @property
    def staff_only(self) -> bool:
        return self.roles is not None and self.roles <= STAFF_ROLES


def access(*who: Role | Audience) -> Access:
    if not who:
        raise ValueError("say who may use the route")
    if PUBLIC in who:
        return Access(public=True, roles=None)
    if SIGNED_IN in who:
        return Access(public=False, roles=None)
    return Access(public=False, roles=frozenset(r for r in who if isinstance(r, Role)))


def allow(*who: Role | Audience) -> Callable[[F], F]:
    """Declare who may use the decorated handler."""
    declared = access(*who)

    def mark(handler: F) -> F:
        setattr(handler, _ATTRIBUTE, declared)
        return handler

    return mark


def declare(handler: Any, declared: Access) -> None:
    setattr(handler, _ATTRIBUTE, declared)


def access_of(handler: Any) -> Access | None:
    found = getattr(handler, _ATTRIBUTE, None)
    return found if isinstance(found, Access) else None


def access_middleware_factory(
    require: Callable[[web.Request, Access], Awaitable[None]],
) -> Middleware:
    """Build the middleware around `require`, which raises when access is refused."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        info = request.match_info
        declared = access_of(info.handler) if info.http_exception is None else None
        if declared is not None:
            await require(request, declared)
        return await handler(request)

    return middleware
