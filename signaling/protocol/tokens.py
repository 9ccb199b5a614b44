"""Short-lived signed join tokens: the portal mints them, the signaling node checks them.

Format: ``v1.<base64url(compact JSON claims)>.<base64url(HMAC-SHA256(key, "v1." + claims))>``.
Each token is unique (a random `j` claim), because a node lets each admit only once.
Standard library only, so the portal can import this module without media packages.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from signaling.protocol.errors import ErrorCode, SignalingError
from signaling.protocol.roles import Role

VERSION = "v1"
MAX_TOKEN_LENGTH = 2048
MAX_NAME_LENGTH = 200
MAX_ID_LENGTH = 64


@dataclass(frozen=True, slots=True)
class JoinClaims:
    reception_id: str
    user_id: str
    display_name: str
    role: Role
    expires_at: int
    """Unix time in seconds."""
    appeal_id: str | None = None
    """The appeal a citizen came with, written into the reception's timeline."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key_bytes(key: str | bytes) -> bytes:
    raw = key.encode("utf-8") if isinstance(key, str) else key
    if len(raw) < 32:
        raise ValueError("the token key must be at least 32 bytes long")
    return raw


def _signature(key: bytes, signed: str) -> str:
    return _b64(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest())


def mint_join_token(
    key: str | bytes,
    reception_id: int | str,
    user_id: int | str,
    display_name: str,
    role: Role | str,
    ttl_s: float,
    *,
    now: float | None = None,
    appeal_id: int | str | None = None,
) -> str:
    """A token that lets `user_id` join `reception_id` as `role` for `ttl_s` seconds."""
    if ttl_s <= 0:
        raise ValueError("ttl_s must be positive")
    claims = {
        "r": str(reception_id),
        "u": str(user_id),
        "n": display_name[:MAX_NAME_LENGTH],
        "o": Role(role).value,
        "e": int((time.time() if now is None else now) + ttl_s),
        "j": _b64(secrets.token_bytes(9)),
    }
    if appeal_id is not None:
        claims["a"] = str(appeal_id)
    for field in claims.keys() & {"r", "u", "a"}:
        if not claims[field] or len(str(claims[field])) > MAX_ID_LENGTH:
            raise ValueError(f"ids must be 1..{MAX_ID_LENGTH} characters long")
    body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    signed = f"{VERSION}.{body}"
    return f"{signed}.{_signature(_key_bytes(key), signed)}"


def verify_join_token(key: str | bytes, token: str, *, now: float | None = None) -> JoinClaims:
    """The claims of a genuine, unexpired token; `SignalingError` otherwise."""
    invalid = SignalingError(ErrorCode.INVALID_TOKEN, "the join token is not valid")
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise invalid
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise invalid
    signed = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_signature(_key_bytes(key), signed), parts[2]):
        raise invalid
    try:
        data = json.loads(_unb64(parts[1]))
        claims = JoinClaims(
            reception_id=_text(data["r"]),
            user_id=_text(data["u"]),
            display_name=_text(data["n"], allow_empty=True),
            role=Role(data["o"]),
            expires_at=int(data["e"]),
            appeal_id=_text(data["a"]) if "a" in data else None,
        )
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise invalid from exc
    if claims.expires_at <= (time.time() if now is None else now):
        raise SignalingError(ErrorCode.TOKEN_EXPIRED, "the join token has expired")
    return claims


def _text(value: object, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ValueError("expected a string")
    return value
