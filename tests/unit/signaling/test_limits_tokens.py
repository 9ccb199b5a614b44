"""One join per token, and the one way back with a spent token: the in-memory record of the
embedded default (the Redis one: tests/integration/signaling/test_abuse_tokens_redis.py)."""

from __future__ import annotations

import pytest

from signaling.protocol import ErrorCode, Role, SignalingError
from signaling.protocol.tokens import JoinClaims
from signaling.spent_tokens import InMemorySpentTokens, SpentTokens, digest

pytestmark = pytest.mark.timeout(10)


def claims(user: str = "a", expires_at: int = 1000) -> JoinClaims:
    return JoinClaims("r1", user, "Name", Role.CITIZEN, expires_at)


async def refused(spent: SpentTokens, token: str, who: JoinClaims, in_reception: bool) -> str:
    with pytest.raises(SignalingError) as caught:
        await spent.spend(token, who, in_reception=in_reception)
    return caught.value.code


async def test_a_token_admits_once() -> None:
    spent = InMemorySpentTokens()
    await spent.spend("t1", claims(), in_reception=False)
    assert await refused(spent, "t1", claims(), in_reception=False) == ErrorCode.TOKEN_USED
    await spent.spend("t2", claims(), in_reception=False)  # another token of the same person


async def test_a_refused_join_leaves_the_token_unspent() -> None:
    spent = InMemorySpentTokens()
    undo = await spent.spend("t1", claims(), in_reception=False)
    await undo()  # e.g. moderator_absent: the page tries again with the same token
    await spent.spend("t1", claims(), in_reception=False)


async def test_the_last_token_admits_again_while_its_participant_is_in_the_reception() -> None:
    """A reconnect whose join acknowledgement was lost sends the token it sent before."""
    spent = InMemorySpentTokens()
    await spent.spend("portal", claims(), in_reception=False)
    await spent.spend("portal", claims(), in_reception=True)
    await spent.spend("session-1", claims(), in_reception=True)
    # Only the last one: the portal's token is dead once the session token was used.
    assert await refused(spent, "portal", claims(), in_reception=True) == ErrorCode.TOKEN_USED
    await spent.spend("session-1", claims(), in_reception=True)
    # Gone from the reception (left, kicked, timed out): no spent token brings them back.
    assert await refused(spent, "session-1", claims(), in_reception=False) == ErrorCode.TOKEN_USED
    # Nor is anyone else's last token theirs.
    assert await refused(spent, "session-1", claims("b"), in_reception=True) == ErrorCode.TOKEN_USED


async def test_undo_gives_back_the_previous_last_token() -> None:
    spent = InMemorySpentTokens()
    await spent.spend("t1", claims(), in_reception=False)
    undo = await spent.spend("t2", claims(), in_reception=True)
    await undo()
    await spent.spend("t1", claims(), in_reception=True)


async def test_expired_tokens_are_forgotten_first_and_the_record_stays_bounded() -> None:
    now = 500.0
    spent = InMemorySpentTokens(capacity=10, clock=lambda: now)
    for i in range(5):
        await spent.spend(f"old{i}", claims(f"u{i}", expires_at=100), in_reception=False)
    for i in range(8):
        await spent.spend(f"new{i}", claims(f"v{i}"), in_reception=False)
    assert len(spent._expiry) <= 10
    for i in range(8):  # the live ones are all still known
        assert await refused(spent, f"new{i}", claims(f"v{i}"), False) == ErrorCode.TOKEN_USED


async def test_tokens_are_known_by_a_digest_only() -> None:
    spent = InMemorySpentTokens()
    token = "v1.secret-claims.signature"
    await spent.spend(token, claims(), in_reception=False)
    assert token not in repr(spent._expiry) + repr(spent._last)
    assert digest(token) in spent._expiry
    assert digest("\ud800") != digest("x")  # a lone surrogate from JSON does not crash it
