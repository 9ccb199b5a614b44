"""The human-check code of the registration and reset forms: a small sum to solve.

A challenge is single-use: checking it, right or wrong, removes it from the session, and
the session lives on the server (portal/http/session.py), so resending an old copy of the
cookie finds no challenge to pass. The stored value is an HMAC of the answer, not the
answer, so a look into the session store does not solve it either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from aiohttp import web

from portal.http.context import settings_of
from portal.http.session import mark_changed, session_of
from portal.text import Text

_SESSION_FIELD = "hc"
HUMAN_CHECK_ERROR = Text(
    "Неверный проверочный код: решите пример ещё раз.", "Wrong check code: solve the sum again."
)


def _digest(request: web.Request, nonce: str, answer: str) -> str:
    key = settings_of(request).secrets.session_key
    assert key is not None
    message = f"{nonce}:{answer.strip()}".encode()
    return hmac.new(key.get_secret_value().encode(), message, hashlib.sha256).hexdigest()


def new_challenge(request: web.Request) -> str:
    """A fresh question (e.g. "7 + 12"), replacing any earlier one of this session."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(19) + 1
    nonce = secrets.token_hex(8)
    session_of(request)[_SESSION_FIELD] = [nonce, _digest(request, nonce, str(a + b))]
    mark_changed(request)
    return f"{a} + {b}"


def passes(request: web.Request, answer: str) -> bool:
    """Check the answer; the challenge is spent either way."""
    stored = session_of(request).pop(_SESSION_FIELD, None)
    mark_changed(request)
    if not (isinstance(stored, list) and len(stored) == 2):
        return False
    nonce, expected = stored
    return hmac.compare_digest(str(expected), _digest(request, str(nonce), answer))
