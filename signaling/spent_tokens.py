"""Join tokens that have admitted someone: each admits once.

A token leaks with the address it came in (browser history, a forwarded link), so a join
spends it; coming back takes the `session_token` the join returned, itself good for one
join. One exception keeps a reconnect from failing when the acknowledgement of a join was
lost with the connection (the page still holds the token it sent, and the node may not
have noticed the old connection die): a participant's last spent token admits that
participant again while they still hold a place in the reception.

Tokens are known by a digest, never kept or logged themselves; each is forgotten when it
expires. The record lives in the node's memory: a node hosts each reception alone, and a
node that restarts lets its participants back with the tokens they hold.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from signaling.protocol.errors import ErrorCode, SignalingError
from signaling.protocol.tokens import JoinClaims

CAPACITY = 100_000
"""Spent tokens remembered at most (a few hundred bytes each): joins of a busy day many times
over; beyond it the oldest are forgotten first."""

Undo = Callable[[], None]


def digest(token: str) -> str:
    """How a token is known here and named in logs: not the token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class SpentTokens:
    def __init__(self, capacity: int = CAPACITY, clock: Callable[[], float] = time.time) -> None:
        self._capacity = capacity
        self._clock = clock
        self._expiry: dict[str, int] = {}
        """Spent token digest -> when the token expires (unix s), oldest spent first."""
        self._last: dict[tuple[str, str], str] = {}
        """(reception, participant) -> the digest of the token it last joined with."""

    def spend(self, token: str, claims: JoinClaims, *, in_reception: bool) -> Undo:
        """Mark the token spent, or refuse it with `token_used`; the undo is for a join
        refused after this (the token then never admitted anyone)."""
        key = digest(token)
        who = (claims.reception_id, claims.user_id)
        if key in self._expiry:
            if in_reception and self._last.get(who) == key:
                return lambda: None
            raise SignalingError(ErrorCode.TOKEN_USED, "this join link has been used already")
        previous = self._last.get(who)
        self._expiry[key] = claims.expires_at
        self._last[who] = key
        self._prune()

        def undo() -> None:
            self._expiry.pop(key, None)
            if self._last.get(who) == key:
                if previous is None:
                    del self._last[who]
                else:
                    self._last[who] = previous

        return undo

    def _prune(self) -> None:
        if len(self._expiry) <= self._capacity:
            return
        now = self._clock()
        live = [(k, e) for k, e in self._expiry.items() if e > now]
        self._expiry = dict(live[-int(self._capacity * 0.9) :])
        self._last = {who: k for who, k in self._last.items() if k in self._expiry}
