"""One join per token, and the one way back with a spent token."""

from __future__ import annotations

import pytest

from signaling.protocol import ErrorCode, Role, SignalingError
from signaling.protocol.tokens import JoinClaims
from signaling.spent_tokens import SpentTokens, digest


def claims(user: str = "a", expires_at: int = 1000) -> JoinClaims:
    return JoinClaims("r1", user, "Name", Role.CITIZEN, expires_at)


def refused(spent: SpentTokens, token: str, who: JoinClaims, in_reception: bool) -> str:
    with pytest.raises(SignalingError) as caught:
        spent.spend(token, who, in_reception=in_reception)
    return caught.value.code


def test_a_token_admits_once() -> None:
    spent = SpentTokens()
    spent.spend("t1", claims(), in_reception=False)
    assert refused(spent, "t1", claims(), in_reception=False) == ErrorCode.TOKEN_USED
    spent.spend("t2", claims(), in_reception=False)  # another token of the same person


def test_a_refused_join_leaves_the_token_unspent() -> None:
    spent = SpentTokens()
    undo = spent.spend("t1", claims(), in_reception=False)
    undo()  # e.g. moderator_absent: the page tries again with the same token
    spent.spend("t1", claims(), in_reception=False)


def test_the_last_token_admits_again_while_its_participant_is_in_the_reception() -> None:
    """A reconnect whose join acknowledgement was lost sends the token it sent before."""
    spent = SpentTokens()
    spent.spend("portal", claims(), in_reception=False)
    spent.spend("portal", claims(), in_reception=True)
    spent.spend("session-1", claims(), in_reception=True)
    # Only the last one: the portal's token is dead once the session token was used.
    assert refused(spent, "portal", claims(), in_reception=True) == ErrorCode.TOKEN_USED
    spent.spend("session-1", claims(), in_reception=True)
    # Gone from the reception (left, kicked, timed out): no spent token brings them back.
    assert refused(spent, "session-1", claims(), in_reception=False) == ErrorCode.TOKEN_USED
    # Nor is anyone else's last token theirs.
    assert refused(spent, "session-1", claims("b"), in_reception=True) == ErrorCode.TOKEN_USED


def test_undo_gives_back_the_previous_last_token() -> None:
    spent = SpentTokens()
    spent.spend("t1", claims(), in_reception=False)
    undo = spent.spend("t2", claims(), in_reception=True)
    undo()
    spent.spend("t1", claims(), in_reception=True)


def test_expired_tokens_are_forgotten_first_and_the_record_stays_bounded() -> None:
    now = 500.0
    spent = SpentTokens(capacity=10, clock=lambda: now)
    for i in range(5):
        spent.spend(f"old{i}", claims(f"u{i}", expires_at=100), in_reception=False)
    for i in range(8):
        spent.spend(f"new{i}", claims(f"v{i}"), in_reception=False)
    assert len(spent._expiry) <= 10
    for i in range(8):  # the live ones are all still known
        assert refused(spent, f"new{i}", claims(f"v{i}"), False) == ErrorCode.TOKEN_USED


def test_tokens_are_known_by_a_digest_only() -> None:
    spent = SpentTokens()
    token = "v1.secret-claims.signature"
    spent.spend(token, claims(), in_reception=False)
    assert token not in repr(spent._expiry) + repr(spent._last)
    assert digest(token) in spent._expiry
    assert digest("\ud800") != digest("x")  # a lone surrogate from JSON does not crash it
