"""The calendar of «Статистика»: the period of a report in local days, the step of the
«Статистика по количеству заявок» chart (day, week, month) and the buckets it draws, and
the stretches of constant UTC offset that let SQL turn a stored UTC moment into the local
day it belongs to.

Appeals are stored in UTC; people count by the days on their wall. A Moscow day begins at
21:00 UTC the evening before, so an appeal filed at 22:30 UTC on 1 March is counted on
2 March. SQL gets the offset as a constant per stretch (`offset_stretches`), which works the
same on SQLite and PostgreSQL and follows a zone with summer time exactly.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from portal.domain.local_time import day_end, day_start, to_local

DEFAULT_DAYS = 30
"""The period shown when none is asked for: the last 30 days, today included."""
MAX_DAYS = 3660
"""The longest period: ten years (120 monthly bars)."""
MAX_BUCKETS = 400
"""More bars than this are unreadable: a too fine step is made coarser."""
DAILY_UP_TO = 62
"""Automatic step: days up to two months, weeks up to a year, months beyond."""
WEEKLY_UP_TO = 366


class Step(enum.StrEnum):
    AUTO = "auto"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


STEP_LABELS: dict[Step, str] = {
    Step.AUTO: "Автоматически",
    Step.DAY: "По дням",
    Step.WEEK: "По неделям",
    Step.MONTH: "По месяцам",
}


@dataclass(frozen=True, slots=True)
class Period:
    """Local days `first`..`last`, both included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def utc_range(self, tz: tzinfo) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC: from the first day's local midnight to the one after the
        last day (None where the calendar ends: no bound)."""
        return day_start(self.first, tz), day_end(self.last, tz)

    @classmethod
    def default(cls, today: date) -> Period:
        return cls(today - timedelta(days=DEFAULT_DAYS - 1), today)


def today_in(tz: tzinfo, now: datetime) -> date:
    return to_local(now, tz).date()


def resolve_step(step: Step, period: Period) -> Step:
    """The step the chart uses: AUTO by the period's length; a step giving more than
    MAX_BUCKETS bars is replaced by the next coarser one."""
    if step is Step.AUTO:
        if period.days <= DAILY_UP_TO:
            return Step.DAY
        return Step.WEEK if period.days <= WEEKLY_UP_TO else Step.MONTH
    order = [Step.DAY, Step.WEEK, Step.MONTH]
    for candidate in order[order.index(step) :]:
        if len(buckets(period, candidate)) <= MAX_BUCKETS or candidate is Step.MONTH:
            return candidate
    return Step.MONTH  # pragma: no cover - the loop ends on MONTH


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bar of the time chart: local days `first`..`last` (clipped to the period)."""

    first: date
    last: date
    step: Step

    @property
    def label(self) -> str:
        """ "05.03.2025" for a day, "03.03–09.03.2025" for a week, "03.2025" for a month."""
        if self.step is Step.MONTH:
            return self.first.strftime("%m.%Y")
        if self.first == self.last:
            return self.first.strftime("%d.%m.%Y")
        head = "%d.%m" if self.first.year == self.last.year else "%d.%m.%Y"
        return f"{self.first.strftime(head)}–{self.last.strftime('%d.%m.%Y')}"

    @property
    def short_label(self) -> str:
        """Under a bar, where room is scarce: "05.03" (a day, a week's first day), "03.25"."""
        if self.step is Step.MONTH:
            return self.first.strftime("%m.%y")
        return self.first.strftime("%d.%m")


def _bucket_start(day: date, step: Step) -> date:
    if step is Step.WEEK:
        return day - timedelta(days=day.weekday())  # ISO weeks begin on Monday
    if step is Step.MONTH:
        return day.replace(day=1)
    return day


def _next_start(start: date, step: Step) -> date:
    if step is Step.WEEK:
        return start + timedelta(days=7)
    if step is Step.MONTH:
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def buckets(period: Period, step: Step) -> list[Bucket]:
    """The bars of `period` at `step` (not AUTO), in order; the first and the last are
    clipped to the period (a week that began before it counts only the period's days)."""
    if step is Step.AUTO:
        raise ValueError("resolve the step first")
    found: list[Bucket] = []
    start = _bucket_start(period.first, step)
    while start <= period.last:
        try:
            following: date | None = _next_start(start, step)
        except (OverflowError, ValueError):  # the calendar's last bar
            following = None
        last = period.last if following is None else min(following - timedelta(days=1), period.last)
        found.append(Bucket(max(start, period.first), last, step))
        if following is None:
            break
        start = following
    return found


def fold(days: dict[date, int], period: Period, step: Step) -> list[tuple[Bucket, int]]:
    """Counts per local day (as SQL grouped them) summed into the bars; days outside the
    period are ignored, bars without appeals show 0."""
    bars = buckets(period, step)
    totals = [0] * len(bars)
    starts = [b.first for b in bars]
    for day, count in days.items():
        if not period.first <= day <= period.last:
            continue
        index = _position(starts, day)
        totals[index] += count
    return list(zip(bars, totals, strict=True))


def _position(starts: list[date], day: date) -> int:
    """Index of the last bar starting on or before `day` (binary search)."""
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= day:
            low = middle
        else:
            high = middle - 1
    return low


@dataclass(frozen=True, slots=True)
class Stretch:
    """Moments before `until` (UTC; None: no end) are `offset` ahead of UTC locally."""

    until: datetime | None
    offset: timedelta


def offset_stretches(start: datetime | None, end: datetime | None, tz: tzinfo) -> list[Stretch]:
    """The UTC offsets of `tz` over [start, end), as stretches of one offset each: one for
    Moscow (no summer time since 2014), a few for a zone that moves its clocks. Found by
    walking day by day and halving the day where the offset changed, to the second."""
    low = start or datetime(1970, 1, 1, tzinfo=UTC)
    high = end or datetime(2100, 1, 1, tzinfo=UTC)
    stretches: list[Stretch] = []
    moment = low
    current = _offset(moment, tz)
    day = timedelta(days=1)
    while moment < high:
        following = min(moment + day, high)
        if _offset(following, tz) != current:
            change = _first_change(moment, following, current, tz)
            stretches.append(Stretch(change, current))
            current = _offset(change, tz)
            moment = change
            continue
        moment = following
    stretches.append(Stretch(None, current))
    return stretches


def _offset(moment: datetime, tz: tzinfo) -> timedelta:
    return moment.astimezone(tz).utcoffset() or timedelta()


def _first_change(before: datetime, after: datetime, offset: timedelta, tz: tzinfo) -> datetime:
    """The first second in (before, after] whose offset is no longer `offset`."""
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        middle = middle.replace(microsecond=0)
        if middle <= before:
            middle = before + timedelta(seconds=1)
        if _offset(middle, tz) == offset:
            before = middle
        else:
            after = middle
    return after


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The local day of a stored moment (what SQL computes with the stretches)."""
    return to_local(moment, tz).date()


def share(part: int, whole: int) -> str:
    """ "12,5 %": a share with one decimal, Russian comma; "—" of nothing."""
    if whole <= 0:
        return "—"
    return f"{part * 100 / whole:.1f}".replace(".", ",") + " %"
