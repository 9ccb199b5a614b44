"""Roles in a live reception and what each one may do; checked on the server only."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    HOST = "host"
    MODERATOR = "moderator"
    CITIZEN = "citizen"
    OBSERVER = "observer"


class Permission(enum.StrEnum):
    PUBLISH = "publish"
    """Send camera and microphone to the server (forwarded only while on air)."""
    ALWAYS_ON_AIR = "always_on_air"
    """The host is the permanent speaker: on air from joining, never taken off."""
    TAKE_FLOOR = "take_floor"
    """May be given the floor by the moderator («Включить видео и звук»)."""
    MODERATE = "moderate"
    """Every command of the moderator service (SPEC §5)."""
    NEEDS_MODERATOR = "needs_moderator"
    """May join only once the moderator has joined (SPEC §4)."""
    COUNTS_TOWARDS_CAPACITY = "counts_towards_capacity"
    """Takes one of the reception's citizen places (at most 15)."""


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.HOST: frozenset({Permission.PUBLISH, Permission.ALWAYS_ON_AIR}),
    Role.MODERATOR: frozenset({Permission.PUBLISH, Permission.TAKE_FLOOR, Permission.MODERATE}),
    Role.CITIZEN: frozenset(
        {
            Permission.PUBLISH,
            Permission.TAKE_FLOOR,
            Permission.NEEDS_MODERATOR,
            Permission.COUNTS_TOWARDS_CAPACITY,
        }
    ),
    Role.OBSERVER: frozenset({Permission.NEEDS_MODERATOR}),
}


def can(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


MODERATED_ROLES = frozenset({Role.CITIZEN, Role.OBSERVER})
"""Whom the moderator may disconnect, remove or put on hold (never the host or a moderator)."""
