"""Join tokens that have admitted someone: each admits once.

A token leaks with the address it came in (browser history, a forwarded link), so a join
spends it; coming back takes the `session_token` the join returned, itself good for one
join. One exception keeps a reconnect from failing when the acknowledgement of a join was
lost with the connection (the page still holds the token it sent, and the node may not
have noticed the old connection die): a participant's last spent token admits that
participant again while they still hold a place in the reception.

Tokens are known by a digest, never kept or logged themselves; each is forgotten when it
expires. Where the record lives:

- With `redis.url` (`RedisSpentTokens`), in Redis, shared by every node and outliving each:
  a token spent on one node stays spent on a node that restarts or takes the reception
  over, and the last-token exception holds there too. Spending is one script, so two
  connections (on one node or two) racing with one token cannot both spend it.
- Otherwise (`InMemorySpentTokens`, the embedded default) in the process's memory: the one
  process hosts every reception, and a restart forgets what it spent, so each token still
  unexpired then admits once more.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import redis.asyncio as aioredis

from signaling.protocol.errors import ErrorCode, SignalingError
from signaling.protocol.tokens import JoinClaims

CAPACITY = 100_000
"""Spent tokens remembered at most in memory (a few hundred bytes each): joins of a busy day
many times over; beyond it the oldest are forgotten first."""

Undo = Callable[[], Awaitable[None]]
"""Gives a token back: for a join refused after the spend (the token admitted nobody)."""


def digest(token: str) -> str:
    """How a token is known here and named in logs: not the token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _used() -> SignalingError:
    return SignalingError(ErrorCode.TOKEN_USED, "this join link has been used already")


async def _nothing() -> None:
    return None


class SpentTokens(Protocol):
    async def spend(self, token: str, claims: JoinClaims, *, in_reception: bool) -> Undo:
        """Mark the token spent, or refuse it with `token_used` (unless it is the last
        token of its participant, who is `in_reception`); the undo is for a join refused
        after this (the token then never admitted anyone)."""
        ...

    async def close(self) -> None: ...


class InMemorySpentTokens:
    """The embedded default: the record lives as long as the process."""

    def __init__(self, capacity: int = CAPACITY, clock: Callable[[], float] = time.time) -> None:
        self._capacity = capacity
        self._clock = clock
        self._expiry: dict[str, int] = {}
        """Spent token digest -> when the token expires (unix s), oldest spent first."""
        self._last: dict[tuple[str, str], str] = {}
        """(reception, participant) -> the digest of the token it last joined with."""

    async def spend(self, token: str, claims: JoinClaims, *, in_reception: bool) -> Undo:
        key = digest(token)
        who = (claims.reception_id, claims.user_id)
        if key in self._expiry:
            if in_reception and self._last.get(who) == key:
                return _nothing
            raise _used()
        previous = self._last.get(who)
        self._expiry[key] = claims.expires_at
        self._last[who] = key
        self._prune()

        async def undo() -> None:
            self._expiry.pop(key, None)
            if self._last.get(who) == key:
                if previous is None:
                    del self._last[who]
                else:
                    self._last[who] = previous

        return undo

    async def close(self) -> None:
        return None

    def _prune(self) -> None:
        if len(self._expiry) <= self._capacity:
            return
        now = self._clock()
        live = [(k, e) for k, e in self._expiry.items() if e > now]
        self._expiry = dict(live[-int(self._capacity * 0.9) :])
        self._last = {who: k for who, k in self._last.items() if k in self._expiry}


_SPEND = """
local last = redis.call('GET', KEYS[2])
if redis.call('SET', KEYS[1], '1', 'NX', 'EXAT', ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[1] .. ' ' .. ARGV[2], 'EXAT', ARGV[2])
  return {'spent', last or ''}
end
if ARGV[3] == '1' and last and string.match(last, '^%S+') == ARGV[1] then
  return {'again', ''}
end
return {'used', ''}
"""
"""KEYS: the spent key, the participant's last-token key; ARGV: the digest, the token's
expiry (unix s), whether the participant holds a place. Returns what happened and, when
spent, the participant's last token before (`<digest> <expiry>`, or '')."""

_UNDO = """
redis.call('DEL', KEYS[1])
local last = redis.call('GET', KEYS[2])
if last and string.match(last, '^%S+') == ARGV[1] then
  if ARGV[2] == '' then
    redis.call('DEL', KEYS[2])
  else
    redis.call('SET', KEYS[2], ARGV[2], 'EXAT', string.match(ARGV[2], '%S+$'))
  end
end
return 1
"""
"""KEYS as for `_SPEND`; ARGV: the digest, the last token it replaced (or ''), which is the
participant's last again unless another join has made a newer one theirs meanwhile."""


class RedisSpentTokens:
    """Shared by every node: `<prefix>:<reception>:spent:<digest>` for each spent token and
    `<prefix>:<reception>:last-token:<participant>` (`<digest> <expiry>`) for the
    exception, both expiring with their token (`EXAT` its expiry)."""

    def __init__(self, url: str, prefix: str = "reception") -> None:
        self._redis = aioredis.from_url(url, decode_responses=True)
        self._prefix = prefix

    def spent_key(self, reception_id: str, token_digest: str) -> str:
        return f"{self._prefix}:{reception_id}:spent:{token_digest}"

    def last_key(self, reception_id: str, participant_id: str) -> str:
        return f"{self._prefix}:{reception_id}:last-token:{participant_id}"

    async def spend(self, token: str, claims: JoinClaims, *, in_reception: bool) -> Undo:
        key = digest(token)
        keys = (
            self.spent_key(claims.reception_id, key),
            self.last_key(claims.reception_id, claims.user_id),
        )
        outcome, previous = await self._redis.eval(
            _SPEND, 2, *keys, key, claims.expires_at, "1" if in_reception else "0"
        )
        if outcome == "again":
            return _nothing
        if outcome != "spent":
            raise _used()

        async def undo() -> None:
            await self._redis.eval(_UNDO, 2, *keys, key, previous)

        return undo

    async def close(self) -> None:
        await self._redis.aclose()


def spent_tokens_for(redis_url: str | None) -> SpentTokens:
    return RedisSpentTokens(redis_url) if redis_url else InMemorySpentTokens()
