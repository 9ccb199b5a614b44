"""E-mailed link tokens (itsdangerous): bound to key, purpose, time and password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itsdangerous import URLSafeTimedSerializer

from portal.adapters.orm import User
from portal.services.links import LinkPurpose, link_matches, link_user_id, make_link_token

KEY = "k" * 32
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
RESET, ACTIVATE = LinkPurpose.RESET, LinkPurpose.ACTIVATE


def user(password_hash: str = "hash-1") -> User:
    return User(id=7, password_hash=password_hash)


def test_a_token_names_its_user_until_it_expires() -> None:
    token = make_link_token(KEY, RESET, user(), NOW)
    assert link_user_id(KEY, RESET, token, NOW + timedelta(minutes=59)) == 7
    assert link_matches(KEY, RESET, token, user(), NOW + timedelta(minutes=59))
    assert link_user_id(KEY, RESET, token, NOW + timedelta(minutes=61)) is None
    assert not link_matches(KEY, RESET, token, user(), NOW + timedelta(minutes=61))
    activation = make_link_token(KEY, ACTIVATE, user(), NOW)
    assert link_user_id(KEY, ACTIVATE, activation, NOW + timedelta(days=2, hours=23)) == 7
    assert link_user_id(KEY, ACTIVATE, activation, NOW + timedelta(days=3, minutes=1)) is None


def test_a_token_from_the_future_is_refused() -> None:
    token = make_link_token(KEY, RESET, user(), NOW + timedelta(hours=2))
    assert link_user_id(KEY, RESET, token, NOW) is None


def test_a_token_serves_only_its_purpose_and_key() -> None:
    activation = make_link_token(KEY, ACTIVATE, user(), NOW)
    assert link_user_id(KEY, RESET, activation, NOW) is None
    assert not link_matches(KEY, RESET, activation, user(), NOW)
    assert link_user_id("j" * 32, ACTIVATE, activation, NOW) is None


def test_a_tampered_token_is_refused() -> None:
    token = make_link_token(KEY, RESET, user(), NOW)
    _, _, rest = token.partition(".")
    other = make_link_token(KEY, RESET, User(id=8, password_hash="hash-1"), NOW)
    forged = other.partition(".")[0] + "." + rest
    assert link_user_id(KEY, RESET, forged, NOW) is None
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert link_user_id(KEY, RESET, flipped, NOW) is None
    for garbage in ("", "garbage", "a.b.c", token + "x", "." * 10, "é" * 50):
        assert link_user_id(KEY, RESET, garbage, NOW) is None
        assert not link_matches(KEY, RESET, garbage, user(), NOW)


def test_a_token_signed_without_a_purpose_salt_is_refused() -> None:
    """Another component signing the same data with the same key cannot mint links."""
    unsalted = URLSafeTimedSerializer(KEY).dumps({"uid": 7, "fp": "x"})
    assert link_user_id(KEY, RESET, unsalted, datetime.now(UTC)) is None


def test_a_token_stops_matching_once_the_password_changed() -> None:
    token = make_link_token(KEY, RESET, user("hash-1"), NOW)
    assert link_user_id(KEY, RESET, token, NOW) == 7
    assert not link_matches(KEY, RESET, token, user("hash-2"), NOW)


def test_a_valid_signature_over_a_non_integer_user_is_refused() -> None:
    from portal.services.links import _serializer

    for uid in ("7", True, None, 7.0):
        token = _serializer(KEY, RESET, NOW).dumps({"uid": uid, "fp": "x"})
        assert link_user_id(KEY, RESET, token, NOW) is None
