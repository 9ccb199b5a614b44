"""OpenID Connect sign-in against a tiny real provider on 127.0.0.1.

The provider serves discovery, authorize (it consents at once and sends the browser back),
token (checking the client secret and the PKCE verifier) and JWKS, and signs id_tokens with
its own RSA key, so the portal's whole relying-party side runs for real.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import func, select

from config import Settings
from portal import migrate
from portal.adapters.orm import User
from portal.http.context import DATABASE
from reception.app import create_app

CLIENT_ID, CLIENT_SECRET = "reception-portal", "provider-issued-secret"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class Provider:
    """The identity provider's side of the authorization-code flow."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.signing_key = self.key
        self.url = ""
        self.codes: dict[str, dict[str, str]] = {}
        self.claims: dict[str, Any] = {
            "sub": "esia-1000001",
            "email": "esia.user@example.ru",
            "email_verified": True,
            "family_name": "Федорова",
            "given_name": "Ольга",
        }

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/token", self.token)
        app.router.add_get("/jwks", self.jwks)
        return app

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        assert q["client_id"] == CLIENT_ID
        assert q["code_challenge_method"] == "S256"
        assert "openid" in q["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": q["nonce"],
            "challenge": q["code_challenge"],
            "redirect_uri": q["redirect_uri"],
        }
        target = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        raise web.HTTPFound(target)

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        grant = self.codes.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier", ""))
        if (
            grant is None
            or form.get("client_secret") != CLIENT_SECRET
            or form.get("redirect_uri") != grant["redirect_uri"]
            or _b64(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]
        ):
            return web.json_response({"error": "invalid_grant"}, status=400)
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **self.claims,
        }
        return web.json_response({"id_token": self.sign(claims), "token_type": "Bearer"})

    def sign(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "RS256", "kid": "k1", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims).encode())
        signature = self.signing_key.sign(
            f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{header}.{payload}.{_b64(signature)}"

    async def jwks(self, request: web.Request) -> web.Response:
        numbers = self.key.public_key().public_numbers()
        key = {
            "kty": "RSA",
            "kid": "k1",
            "use": "sig",
            "alg": "RS256",
            "n": _uint(numbers.n),
            "e": _uint(numbers.e),
        }
        return web.json_response({"keys": [key]})


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    provider = Provider()
    runner = web.AppRunner(provider.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    provider.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield provider
    await runner.cleanup()


@pytest.fixture
async def portal(
    provider: Provider, make_settings: Callable[..., Settings], aiohttp_client: Any
) -> TestClient[Any, Any]:
    settings = make_settings(
        **{
            "oidc.enabled": True,
            "oidc.issuer": provider.url,
            "oidc.client_id": CLIENT_ID,
            "oidc.client_secret": CLIENT_SECRET,
        }
    )
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    client: TestClient[Any, Any] = await aiohttp_client(create_app(settings))
    return client


async def _through_provider(portal: TestClient[Any, Any], query: str = "consent=on") -> Any:
    """Start at the portal, let the provider answer, come back to the callback."""
    start = await portal.get(f"/oidc/login?{query}", allow_redirects=False)
    assert start.status == 302, await start.text()
    async with aiohttp.ClientSession() as browser:
        authorize = await browser.get(start.headers["Location"], allow_redirects=False)
    callback = urlsplit(authorize.headers["Location"])
    return await portal.get(f"{callback.path}?{callback.query}", allow_redirects=False)


async def _signed_in_user(portal: TestClient[Any, Any]) -> Any:
    return (await (await portal.get("/api/v1/session")).json())["user"]


async def test_sign_in_creates_then_finds_the_citizen_account(
    portal: TestClient[Any, Any], provider: Provider
) -> None:
    page = await (await portal.get("/login")).text()
    assert "Войти через Госуслуги" in page

    back = await _through_provider(portal, "consent=on&next=%2Fprofile")
    assert back.status == 303
    assert back.headers["Location"] == "/profile"
    user = await _signed_in_user(portal)
    assert user["display_name"] == "Федорова Ольга"
    assert user["roles"] == ["citizen"]

    portal.session.cookie_jar.clear()
    assert (await _through_provider(portal)).status == 303
    assert (await _signed_in_user(portal))["id"] == user["id"]
    async with portal.app[DATABASE].session() as session:
        count = await session.scalar(select(func.count()).select_from(User))
        account = await session.get(User, user["id"])
    assert count == 1
    assert account is not None
    assert account.consent_at is not None
    assert account.oidc_subject == f"{provider.url}|esia-1000001"


async def test_a_token_signed_with_another_key_is_refused(
    portal: TestClient[Any, Any], provider: Provider
) -> None:
    provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    back = await _through_provider(portal)
    assert back.status == 422
    assert "не удался" in await back.text()
    assert await _signed_in_user(portal) is None


async def test_a_callback_with_a_foreign_state_is_refused(
    portal: TestClient[Any, Any],
) -> None:
    start = await portal.get("/oidc/login?consent=on", allow_redirects=False)
    assert parse_qs(urlsplit(start.headers["Location"]).query)["state"]
    forged = await portal.get("/oidc/callback?code=abc&state=forged")
    assert forged.status == 422
    assert await _signed_in_user(portal) is None


async def test_consent_is_required_before_leaving_for_the_provider(
    portal: TestClient[Any, Any],
) -> None:
    response = await portal.get("/oidc/login", allow_redirects=False)
    assert response.status == 422
    assert "согласие" in await response.text()


async def test_off_by_default(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/oidc/login?consent=on")).status == 404
    assert "Войти через Госуслуги" not in await (await client.get("/login")).text()
