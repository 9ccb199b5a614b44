"""Time-limited links sent by e-mail: account activation (3 days), password reset (1 hour).

A link carries the user id and a fingerprint of the password hash, so a reset link stops
working once the password has changed and an activation link once the registration was
repeated with a new password.

Tokens are itsdangerous's URL-safe timed serializations (HMAC-SHA1 over a key derived
with a salt per purpose): a well-kept library rather than our own format, and the salt
keeps an activation token from ever passing as a reset token. The time comes from the
caller's clock, not the library's, so tests can move it.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from portal.adapters.orm import User


class LinkPurpose(enum.StrEnum):
    ACTIVATE = "activate"
    RESET = "reset"


VALIDITY = {LinkPurpose.ACTIVATE: timedelta(days=3), LinkPurpose.RESET: timedelta(hours=1)}


class _SignerAt(TimestampSigner):
    """A timestamp signer that reads the time given to it instead of the system clock."""

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = int(now.timestamp())

    def get_timestamp(self) -> int:
        return self._now


def _serializer(key: str, purpose: LinkPurpose, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        key, salt=f"portal.link.{purpose.value}", signer=_SignerAt, signer_kwargs={"now": now}
    )


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _load(key: str, purpose: LinkPurpose, token: str, now: datetime) -> dict[str, Any] | None:
    """The token's data if it is genuine, of this purpose and not older than allowed."""
    max_age = int(VALIDITY[purpose].total_seconds())
    try:
        data = _serializer(key, purpose, now).loads(token, max_age=max_age)
    except BadData:
        return None
    return data if isinstance(data, dict) else None


def make_link_token(key: str, purpose: LinkPurpose, user: User, now: datetime) -> str:
    token = _serializer(key, purpose, now).dumps({"uid": user.id, "fp": _fingerprint(user)})
    assert isinstance(token, str)
    return token


def link_user_id(key: str, purpose: LinkPurpose, token: str, now: datetime) -> int | None:
    """The user id a valid, unexpired token names (check `matches` once it is loaded)."""
    data = _load(key, purpose, token, now)
    uid = data.get("uid") if data else None
    return uid if isinstance(uid, int) and not isinstance(uid, bool) else None


def link_matches(key: str, purpose: LinkPurpose, token: str, user: User, now: datetime) -> bool:
    data = _load(key, purpose, token, now)
    return data is not None and data.get("fp") == _fingerprint(user)
