"""A small OpenID Connect relying party: discovery, the authorization-code flow with PKCE,
and id_token verification (RS256 against the provider's JWKS).

Only what the sign-in needs; every claim the portal relies on (issuer, audience, expiry,
nonce) is checked here, so the rest of the portal sees verified claims or an error.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from config.settings import OidcSettings

TIMEOUT = aiohttp.ClientTimeout(total=10)
CLOCK_SKEW_S = 60


class OidcError(Exception):
    """The provider answered something the portal cannot accept."""


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int(value: str) -> int:
    return int.from_bytes(_b64decode(value), "big")


@dataclass(frozen=True)
class AuthRequest:
    """What the portal keeps between the redirect to the provider and the callback."""

    url: str
    state: str
    nonce: str
    verifier: str


class OidcClient:
    def __init__(self, settings: OidcSettings) -> None:
        if not (settings.issuer and settings.client_id and settings.client_secret):
            raise OidcError("issuer, client_id and client_secret are required")
        self.settings = settings
        self.issuer = settings.issuer
        self._metadata: dict[str, Any] | None = None

    async def _get_json(self, session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
        async with session.get(url) as response:
            if response.status != 200:
                raise OidcError(f"{url} answered HTTP {response.status}")
            data = await response.json(content_type=None)
        if not isinstance(data, dict):
            raise OidcError(f"{url} did not return a JSON object")
        return data

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
                meta = await self._get_json(
                    session, f"{self.issuer}/.well-known/openid-configuration"
                )
            if meta.get("issuer", "").rstrip("/") != self.issuer:
                raise OidcError("discovery names another issuer")
            self._metadata = meta
        return self._metadata

    async def authorization_request(self, redirect_uri: str) -> AuthRequest:
        meta = await self.metadata()
        state, nonce, verifier = (secrets.token_urlsafe(24) for _ in range(3))
        challenge = _b64encode(hashlib.sha256(verifier.encode()).digest())
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(self.settings.scopes),
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return AuthRequest(f"{meta['authorization_endpoint']}?{query}", state, nonce, verifier)

    async def exchange(
        self, code: str, redirect_uri: str, verifier: str, nonce: str
    ) -> dict[str, Any]:
        """Trade the code for tokens and return the verified id_token claims."""
        meta = await self.metadata()
        assert self.settings.client_secret is not None
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": self.settings.client_id or "",
            "client_secret": self.settings.client_secret.get_secret_value(),
        }
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            async with session.post(meta["token_endpoint"], data=form) as response:
                if response.status != 200:
                    raise OidcError(f"the token endpoint answered HTTP {response.status}")
                tokens = await response.json(content_type=None)
            jwks = await self._get_json(session, meta["jwks_uri"])
        id_token = tokens.get("id_token") if isinstance(tokens, dict) else None
        if not isinstance(id_token, str):
            raise OidcError("no id_token in the token response")
        return self.verify_id_token(id_token, jwks, nonce)

    def verify_id_token(
        self, token: str, jwks: dict[str, Any], nonce: str, now: float | None = None
    ) -> dict[str, Any]:
        try:
            header_b64, payload_b64, signature_b64 = token.split(".")
            header = json.loads(_b64decode(header_b64))
            claims = json.loads(_b64decode(payload_b64))
        except ValueError:
            raise OidcError("the id_token is malformed") from None
        if header.get("alg") != "RS256":
            raise OidcError(f"unsupported id_token algorithm {header.get('alg')!r}")
        key = self._key(jwks, header.get("kid"))
        try:
            key.verify(
                _b64decode(signature_b64),
                f"{header_b64}.{payload_b64}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            raise OidcError("the id_token signature is invalid") from None
        self._check_claims(claims, nonce, time.time() if now is None else now)
        return dict(claims)

    def _key(self, jwks: dict[str, Any], kid: str | None) -> rsa.RSAPublicKey:
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "RSA" and (kid is None or jwk.get("kid") == kid):
                return rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"])).public_key()
        raise OidcError("no provider key matches the id_token")

    def _check_claims(self, claims: dict[str, Any], nonce: str, now: float) -> None:
        if str(claims.get("iss", "")).rstrip("/") != self.issuer:
            raise OidcError("the id_token comes from another issuer")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.settings.client_id not in audiences:
            raise OidcError("the id_token is meant for another client")
        if not isinstance(claims.get("exp"), int | float) or claims["exp"] < now - CLOCK_SKEW_S:
            raise OidcError("the id_token has expired")
        if claims.get("nonce") != nonce:
            raise OidcError("the id_token nonce does not match this sign-in")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise OidcError("the id_token names no subject")
