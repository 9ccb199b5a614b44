"""The one place that turns stored UTC times into the reception's local time and local
days into UTC ranges. Everything is stored in UTC; people read and filter by the clock on
their wall (SPEC: a Russian region, Europe/Moscow unless configured otherwise)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Moscow"

_SHORT_NAMES = {"Europe/Moscow": "МСК"}
"""How Russian pages name a zone; others use the zone's own abbreviation."""


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; a clear error for a typo in the settings."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def to_local(moment: datetime, tz: tzinfo) -> datetime:
    """`moment` on the local clock; a naive value is UTC (how SQLite hands times back)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz)


def zone_label(tz: tzinfo, at: datetime | None = None) -> str:
    """ "МСК" for Moscow; otherwise the abbreviation in force at `at` (e.g. "CET"), or the
    offset ("UTC+05") where the zone has no letters for it."""
    key = getattr(tz, "key", None)
    if key in _SHORT_NAMES:
        return _SHORT_NAMES[key]
    moment = to_local(at or datetime.now(UTC), tz)
    name = moment.tzname() or ""
    if name and not name.lstrip("+-").isdigit():
        return name
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")


def day_start(day: date, tz: tzinfo) -> datetime | None:
    """The UTC moment the local `day` begins. At the ends of the calendar, where that is
    outside what a datetime holds, a day before any appeal gives None (no bound) and a
    day after every appeal the largest moment there is."""
    try:
        return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
    except OverflowError:
        return None if day.year < 5000 else datetime.max.replace(tzinfo=UTC)


def day_end(day: date, tz: tzinfo) -> datetime | None:
    """The UTC moment the local `day` ends (the next day's start, exclusive); None past
    the last representable day (year 9999): such a bound excludes nothing."""
    if day == date.max:
        return None
    return day_start(day + timedelta(days=1), tz)


def format_local(moment: datetime | None, tz: tzinfo, pattern: str = "%d.%m.%Y %H:%M") -> str:
    return "" if moment is None else to_local(moment, tz).strftime(pattern)
