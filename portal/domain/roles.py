"""Roles of SPEC §1. A staff account may hold several."""

import enum


class Role(enum.StrEnum):
    CITIZEN = "citizen"
    DEPARTMENT = "department"
    ORGANIZER = "organizer"
    MODERATOR = "moderator"
    HOST = "host"
    CONTROL = "control"
    ADMIN = "admin"


STAFF_ROLES = frozenset(Role) - {Role.CITIZEN}
