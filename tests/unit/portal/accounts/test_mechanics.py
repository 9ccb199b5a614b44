"""Sign-in delays, accessibility cookies, route declarations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.roles import Role
from portal.http.access import PUBLIC, SIGNED_IN, access
from portal.services.throttle import Policy
from portal.web.a11y import A11y, parse
from portal.web.forms import safe_next

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def test_delays_grow_after_the_free_failures_up_to_a_ceiling() -> None:
    policy = Policy(
        free_failures=3, base_delay=timedelta(seconds=5), max_delay=timedelta(minutes=1)
    )
    delays = [policy.delay_after(n).total_seconds() for n in range(1, 10)]
    assert delays == [0, 0, 0, 5, 10, 20, 40, 60, 60]


def test_accessibility_cookie_round_trip_and_garbage() -> None:
    chosen = A11y(enabled=True, font="xlarge", scheme="white-on-black", spacing="wide")
    assert parse(chosen.cookie()) == chosen
    assert "scheme-white-on-black" in chosen.classes
    assert parse("on.huge.pink.x") == A11y(enabled=True)
    assert parse("nonsense") == A11y()
    assert A11y().classes == ""


def test_access_declarations() -> None:
    assert access(PUBLIC).admits(None)
    assert not access(SIGNED_IN).admits(None)
    assert access(SIGNED_IN).admits(frozenset({Role.HOST}))
    admin_only = access(Role.ADMIN)
    assert admin_only.admits(frozenset({Role.ADMIN, Role.CONTROL}))
    assert not admin_only.admits(frozenset({Role.CITIZEN}))
    assert admin_only.staff_only
    with pytest.raises(ValueError, match="who may use"):
        access()


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/profile", "/profile"),
        ("/staff/appeals?page=2", "/staff/appeals?page=2"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        (None, "/"),
        ("", "/"),
    ],
)
def test_redirects_after_sign_in_stay_on_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
