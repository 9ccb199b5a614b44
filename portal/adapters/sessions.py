"""Signed, time-stamped values: session cookies and e-mailed links.

A value is `base64(json).issued_at.hmac`; the HMAC covers a purpose string too, so a
session cookie can never be replayed as a password-reset token or the other way round.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs JSON objects for one purpose with one key."""

    def __init__(self, key: str, purpose: str) -> None:
        self._key = key.encode("utf-8")
        self._purpose = purpose.encode("utf-8")

    def _mac(self, payload: str) -> str:
        digest = hmac.new(self._key, self._purpose + b"\0" + payload.encode(), hashlib.sha256)
        return _b64(digest.digest())

    def dumps(self, data: dict[str, Any], now: datetime) -> str:
        body = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
        payload = f"{body}.{int(now.timestamp())}"
        return f"{payload}.{self._mac(payload)}"

    def loads(self, token: str, now: datetime, max_age: timedelta) -> dict[str, Any] | None:
        """The data, or None when the token is forged, malformed or older than `max_age`."""
        try:
            body, issued, mac = token.split(".")
            issued_at = int(issued)
        except ValueError:
            return None
        if not hmac.compare_digest(mac, self._mac(f"{body}.{issued}")):
            return None
        age = now.timestamp() - issued_at
        if age < -60 or age > max_age.total_seconds():
            return None
        try:
            data = json.loads(_unb64(body))
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
