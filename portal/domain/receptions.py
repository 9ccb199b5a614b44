"""Reception rules of SPEC §4 that need no database: the seat states and their labels,
the start window, who may start, end, or join and in which role, and the form's checks."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TypeVar

from portal.domain.roles import Role
from portal.errors import InvalidInput
from signaling.protocol.receptions import MAX_CITIZENS, ReceptionState

T = TypeVar("T")

START_AHEAD = timedelta(hours=1)
"""«Начать прием» is offered from one hour before the planned start (seed 002)."""
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
_MAX_ID = 2**31 - 1
PLAN_AHEAD = timedelta(days=366)
"""A reception is planned at most a year ahead: a date past that is a typo."""


class SeatState(enum.StrEnum):
    """An enrolled appeal's participation in one reception."""

    ENROLLED = "enrolled"
    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    ATTENDED = "attended"
    """The reception took place and the citizen was in it."""
    ABSENT = "absent"
    """The reception took place without the citizen (or before they confirmed)."""


HOLDING = frozenset({SeatState.ENROLLED, SeatState.INVITED, SeatState.CONFIRMED})
"""Seats that take a place in the reception and hold their appeal."""

SEAT_LABELS: dict[SeatState, str] = {
    SeatState.ENROLLED: "Подготовка к участию",
    SeatState.INVITED: "Ожидает подтверждения",
    SeatState.CONFIRMED: "Приглашение подтверждено",
    SeatState.DECLINED: "Отказался",
    SeatState.ATTENDED: "Участвовал в приеме",
    SeatState.ABSENT: "Не участвовал",
}

STATE_LABELS: dict[ReceptionState, str] = {
    ReceptionState.PLANNED: "Запланирован",
    ReceptionState.STARTED: "Начат, ожидает модератора",
    ReceptionState.LIVE: "Идет",
    ReceptionState.ENDED: "Завершен",
    ReceptionState.CANCELLED: "Отменен",
}

OBSERVER_ROLES = frozenset(
    {Role.ORGANIZER, Role.CONTROL, Role.DEPARTMENT, Role.MODERATOR, Role.HOST}
)
"""Staff who may watch any live reception as observers (not an administrator alone)."""


class JoinRole(enum.StrEnum):
    """The conference role the reception gives a person (signaling's roles, by value)."""

    HOST = "host"
    MODERATOR = "moderator"
    CITIZEN = "citizen"
    OBSERVER = "observer"


@dataclass(frozen=True, slots=True)
class Plan:
    """A reception's planned fields, checked (the create and the edit form)."""

    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    host_id: int
    moderator_id: int


def plan_from_form(
    *,
    day: str,
    start: str,
    end: str,
    title: str,
    description: str,
    capacity: str,
    host_id: str,
    moderator_id: str,
    tz: tzinfo,
) -> Plan:
    """The form's fields in the local zone turned into a `Plan` in UTC; a clear error
    names the first field that is wrong."""
    title = title.strip()
    description = description.strip()
    if not title:
        raise _invalid("Укажите тему (название) приема.", "The title is required.")
    if len(title) > MAX_TITLE:
        raise _invalid(f"Тема приема — не более {MAX_TITLE} символов.", "The title is too long.")
    if len(description) > MAX_DESCRIPTION:
        raise _invalid(
            f"Краткое описание — не более {MAX_DESCRIPTION} символов.",
            "The description is too long.",
        )
    on = _parse(date.fromisoformat, day, "Укажите дату приема.", "The date is invalid.")
    begins = _parse(time.fromisoformat, start, "Укажите время начала.", "The start is invalid.")
    finishes = _parse(
        time.fromisoformat, end, "Укажите время завершения.", "The end time is invalid."
    )
    if finishes <= begins:
        raise _invalid(
            "Время завершения должно быть позже времени начала.",
            "The end must be after the start.",
        )
    seats = _parse(int, capacity, "Укажите количество участников.", "The capacity is invalid.")
    if not 1 <= seats <= MAX_CITIZENS:
        raise _invalid(
            f"Количество участников — от 1 до {MAX_CITIZENS}.",
            f"The capacity is 1 to {MAX_CITIZENS}.",
        )
    host = _parse(_row_id, host_id, "Выберите, кто проводит прием.", "Choose the host.")
    moderator = _parse(_row_id, moderator_id, "Выберите модератора.", "Choose the moderator.")
    try:
        starts_at = _utc(datetime.combine(on, begins), tz)
        ends_at = _utc(datetime.combine(on, finishes), tz)
    except OverflowError:  # the first or last day of the calendar
        raise _invalid("Укажите дату приема.", "The date is invalid.") from None
    return Plan(
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=seats,
        host_id=host,
        moderator_id=moderator,
    )


def check_dates(plan: Plan, now: datetime, *, new: bool) -> None:
    """A new reception starts in the future and within a year; an edited one may keep
    its start (it may already be today), but not move past a year either."""
    if new and plan.starts_at <= now:
        raise _invalid("Прием нельзя запланировать на прошедшее время.", "The start has passed.")
    if plan.starts_at > now + PLAN_AHEAD:
        raise _invalid(
            "Прием планируется не более чем на год вперед.", "Plan at most a year ahead."
        )


def may_start(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """From an hour before the start until the planned end."""
    return starts_at - START_AHEAD <= now < ends_at


def _utc(local: datetime, tz: tzinfo) -> datetime:
    return local.replace(tzinfo=tz).astimezone(UTC)


def _parse(parse: Callable[[str], T], value: str, missing: str, en: str) -> T:
    value = value.strip()
    if not value:
        raise _invalid(missing, en)
    try:
        return parse(value)
    except (ValueError, OverflowError):
        raise _invalid(missing, en) from None


def _row_id(value: str) -> int:
    """A user's id: a positive INTEGER (a larger number would overflow the database)."""
    number = int(value)
    if not 0 < number <= _MAX_ID:
        raise ValueError(value)
    return number


def _invalid(text: str, en: str) -> InvalidInput:
    return InvalidInput(text, en=en)
