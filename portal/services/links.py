"""Time-limited links sent by e-mail: account activation (3 days), password reset (1 hour).

A link carries the user id and a fingerprint of the password hash, so a reset link stops
working once the password has changed and an activation link once the registration was
repeated with a new password.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime, timedelta

from portal.adapters.orm import User
from portal.adapters.sessions import Signer


class LinkPurpose(enum.StrEnum):
    ACTIVATE = "activate"
    RESET = "reset"


VALIDITY = {LinkPurpose.ACTIVATE: timedelta(days=3), LinkPurpose.RESET: timedelta(hours=1)}


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_link_token(key: str, purpose: LinkPurpose, user: User, now: datetime) -> str:
    return Signer(key, purpose.value).dumps({"uid": user.id, "fp": _fingerprint(user)}, now)


def link_user_id(key: str, purpose: LinkPurpose, token: str, now: datetime) -> int | None:
    """The user id a valid, unexpired token names (check `matches` once it is loaded)."""
    data = Signer(key, purpose.value).loads(token, now, VALIDITY[purpose])
    uid = data.get("uid") if data else None
    return uid if isinstance(uid, int) else None


def link_matches(key: str, purpose: LinkPurpose, token: str, user: User, now: datetime) -> bool:
    data = Signer(key, purpose.value).loads(token, now, VALIDITY[purpose])
    return bool(data) and data is not None and data.get("fp") == _fingerprint(user)
