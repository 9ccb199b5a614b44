from __future__ import annotations

from signaling.protocol import Permission, Role, can


def test_only_the_moderator_moderates() -> None:
    assert [role for role in Role if can(role, Permission.MODERATE)] == [Role.MODERATOR]


def test_host_is_always_on_air_and_observer_sends_nothing() -> None:
    assert can(Role.HOST, Permission.ALWAYS_ON_AIR)
    assert not can(Role.HOST, Permission.TAKE_FLOOR)
    assert not can(Role.OBSERVER, Permission.PUBLISH)


def test_citizens_wait_for_the_moderator_and_fill_places() -> None:
    assert can(Role.CITIZEN, Permission.NEEDS_MODERATOR)
    assert can(Role.CITIZEN, Permission.COUNTS_TOWARDS_CAPACITY)
    assert not can(Role.HOST, Permission.NEEDS_MODERATOR)
    assert not can(Role.MODERATOR, Permission.COUNTS_TOWARDS_CAPACITY)
