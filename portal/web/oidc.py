"""Sign-in through an OpenID Connect provider (ESIA is one), mounted only when configured.

The login page asks for the personal-data consent first; the state, nonce and PKCE
verifier wait in the session until the provider sends the browser back.
"""

from __future__ import annotations

import logging

from aiohttp import web

from config.settings import OidcSettings
from portal.adapters.oidc import OidcClient, OidcError
from portal.errors import InvalidInput
from portal.http.access import PUBLIC, allow
from portal.http.auth import sign_in
from portal.http.context import absolute, clock_of, database_of
from portal.http.session import mark_changed, session_of
from portal.services.oidc_accounts import account_for_identity
from portal.web.forms import safe_next

log = logging.getLogger(__name__)
OIDC_CLIENT = web.AppKey("portal.oidc_client", OidcClient)
_PENDING = "oidc"
CALLBACK = "/oidc/callback"


@allow(PUBLIC)
async def start(request: web.Request) -> web.StreamResponse:
    if request.query.get("consent") != "on":
        raise InvalidInput(
            "Для входа через внешнего провайдера необходимо согласие на обработку "
            "персональных данных.",
            en="Signing in through an external provider needs consent to personal data processing.",
        )
    client = request.app[OIDC_CLIENT]
    try:
        auth = await client.authorization_request(absolute(request, CALLBACK))
    except (OidcError, OSError) as exc:
        log.warning("OpenID Connect provider unavailable: %s", exc)
        raise InvalidInput(
            "Сервис входа временно недоступен. Попробуйте позже.",
            en="The sign-in service is unavailable. Try again later.",
        ) from None
    session_of(request)[_PENDING] = {
        "state": auth.state,
        "nonce": auth.nonce,
        "verifier": auth.verifier,
        "next": safe_next(request.query.get("next"), "/appeals"),
    }
    mark_changed(request)
    raise web.HTTPFound(auth.url)


@allow(PUBLIC)
async def callback(request: web.Request) -> web.StreamResponse:
    pending = session_of(request).pop(_PENDING, None)
    mark_changed(request)
    failed = InvalidInput(
        "Вход через внешнего провайдера не удался. Попробуйте еще раз.",
        en="Signing in through the external provider failed. Try again.",
    )
    if not isinstance(pending, dict) or request.query.get("state") != pending.get("state"):
        raise failed
    code = request.query.get("code")
    if not code:
        raise failed
    try:
        claims = await request.app[OIDC_CLIENT].exchange(
            code, absolute(request, CALLBACK), str(pending["verifier"]), str(pending["nonce"])
        )
    except (OidcError, OSError) as exc:
        log.warning("OpenID Connect sign-in refused: %s", exc)
        raise failed from None
    user = await account_for_identity(
        database_of(request), request.app[OIDC_CLIENT].issuer, claims, clock_of(request).now()
    )
    response = web.HTTPSeeOther(safe_next(str(pending.get("next")), "/appeals"))
    await sign_in(request, response, user)
    raise response


def setup_oidc(app: web.Application, settings: OidcSettings) -> None:
    """Mount the sign-in routes when an operator switched them on; otherwise nothing."""
    if not settings.enabled:
        return
    app[OIDC_CLIENT] = OidcClient(settings)
    app.router.add_get("/oidc/login", start, name="oidc_login")
    app.router.add_get(CALLBACK, callback, name="oidc_callback")
