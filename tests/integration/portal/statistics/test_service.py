"""The four reports on SQLite and PostgreSQL against counts worked out by hand from the
world of conftest.py (period 01.03–10.03.2025 in Moscow, «now» 20.03.2025)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from portal.adapters.db import Database
from portal.domain.statistics import Period, Step
from portal.domain.status import Status
from portal.services import statistics
from portal.services.statistics import Filters
from tests.integration.portal.statistics.conftest import NOW, PERIOD, seed

pytestmark = pytest.mark.timeout(60)
MOSCOW = ZoneInfo("Europe/Moscow")


async def test_statuses(any_db: Database) -> None:
    world = await seed(any_db)
    report = await statistics.status_report(any_db, MOSCOW, Filters(PERIOD))
    counts = dict(report.rows)
    assert list(counts) == list(Status)  # every status, in the table's order
    # Appeals 2–8 are in the period: 1 and 9 lie a minute across its local midnights.
    assert {k: v for k, v in counts.items() if v} == {
        Status.NEW: 1,
        Status.IN_WORK: 1,
        Status.ANSWERED: 2,
        Status.WITHDRAWN: 1,
        Status.HELD: 1,
        Status.RESOLVED: 1,
    }
    assert report.total == 7
    assert report.labelled()[0] == ("Новая", 1)

    tagil = await statistics.status_report(any_db, MOSCOW, Filters(PERIOD, world.tagil))
    assert {k: v for k, v in tagil.rows if v} == {Status.ANSWERED: 2, Status.WITHDRAWN: 1}
    kamensk = await statistics.status_report(any_db, MOSCOW, Filters(PERIOD, world.kamensk))
    assert kamensk.total == 0


async def test_municipality_by_topic(any_db: Database) -> None:
    world = await seed(any_db)
    table = await statistics.municipality_report(any_db, MOSCOW, Filters(PERIOD))
    assert [m.name for m in table.municipalities] == ["г. Екатеринбург", "г. Нижний Тагил"]
    assert [t.name for t in table.topics] == ["Дороги", "ЖКХ", "Образование"]
    ekb, tagil = world.ekb, world.tagil
    assert table.cells == {
        (ekb, world.roads): 2,  # 2, 7
        (ekb, world.housing): 1,  # 3
        (ekb, world.schools): 1,  # 8
        (tagil, world.roads): 2,  # 4, 5
        (tagil, world.housing): 1,  # 6
    }
    assert table.by_municipality() == [("г. Екатеринбург", 4), ("г. Нижний Тагил", 3)]
    assert table.by_topic() == [("Дороги", 4), ("ЖКХ", 2), ("Образование", 1)]
    assert table.total == 7
    assert table.cell(tagil, world.schools) == 0

    only = await statistics.municipality_report(any_db, MOSCOW, Filters(PERIOD, tagil))
    assert [m.name for m in only.municipalities] == ["г. Нижний Тагил"]
    assert only.by_topic() == [("Дороги", 2), ("ЖКХ", 1)]


async def test_counts_over_time(any_db: Database) -> None:
    await seed(any_db)
    daily = await statistics.count_report(any_db, MOSCOW, Filters(PERIOD))
    assert daily.step is Step.DAY  # ten days: by day
    by_day = {bar.first: n for bar, n in daily.bars}
    assert len(by_day) == 10
    assert {d: n for d, n in by_day.items() if n} == {
        date(2025, 3, 1): 2,  # 2 (21:00 UTC the day before), 3
        date(2025, 3, 4): 1,  # 4: 22:30 UTC on the 3rd
        date(2025, 3, 5): 2,
        date(2025, 3, 9): 1,
        date(2025, 3, 10): 1,  # 8: 20:59 UTC, a minute before the local midnight
    }
    assert daily.total == 7

    weekly = await statistics.count_report(any_db, MOSCOW, Filters(PERIOD), Step.WEEK)
    assert [(bar.label, n) for bar, n in weekly.bars] == [
        ("01.03–02.03.2025", 2),  # a week begun on Monday 24.02, clipped to the period
        ("03.03–09.03.2025", 4),
        ("10.03.2025", 1),
    ]
    monthly = await statistics.count_report(any_db, MOSCOW, Filters(PERIOD), Step.MONTH)
    assert [(bar.label, n) for bar, n in monthly.bars] == [("03.2025", 7)]

    # The same moments in UTC days: 1 March gets appeal 3 only, 28 Feb appeals 1 and 2.
    utc_days = await statistics.count_report(
        any_db, ZoneInfo("UTC"), Filters(Period(date(2025, 2, 28), date(2025, 3, 1)))
    )
    assert [n for _, n in utc_days.bars] == [2, 1]


async def test_counts_in_a_zone_with_summer_time(any_db: Database) -> None:
    """Berlin moves its clocks on 30.03.2025: the day is found with the offset in force."""
    await seed(any_db)
    berlin = ZoneInfo("Europe/Berlin")
    report = await statistics.count_report(
        any_db, berlin, Filters(Period(date(2025, 1, 1), date(2025, 4, 30))), Step.DAY
    )
    days = {bar.first: n for bar, n in report.bars if n}
    # 2 at 21:00 UTC = 22:00 CET still 28.02; 8 at 20:59 UTC = 21:59 on 10.03;
    # 9 at 21:00 UTC = 22:00 on 10.03; 4 at 22:30 UTC = 23:30 on 03.03.
    assert days == {
        date(2025, 1, 15): 1,
        date(2025, 2, 28): 2,
        date(2025, 3, 1): 1,
        date(2025, 3, 3): 1,
        date(2025, 3, 5): 2,
        date(2025, 3, 9): 1,
        date(2025, 3, 10): 2,
    }


async def test_overdue(any_db: Database) -> None:
    world = await seed(any_db)
    report = await statistics.overdue_report(any_db, MOSCOW, Filters(PERIOD), NOW)
    got = [
        (r.name, r.total, r.open_overdue, r.closed_late, r.overdue) for r in report.by_municipality
    ]
    assert got == [
        ("г. Екатеринбург", 4, 2, 0, 2),  # 3 in work and 7 held, both past the deadline
        ("г. Нижний Тагил", 3, 0, 2, 2),  # 5 answered and 6 withdrawn after the deadline
    ]
    topics = [(r.name, r.total, r.open_overdue, r.closed_late) for r in report.by_topic]
    assert topics == [("Дороги", 4, 1, 1), ("ЖКХ", 2, 1, 1), ("Образование", 1, 0, 0)]
    totals = report.totals
    assert (totals.total, totals.open_overdue, totals.closed_late, totals.overdue) == (7, 2, 2, 4)
    assert totals.share == "57,1 %"

    # A day earlier appeal 7 (deadline 19.03) was not yet late.
    earlier = await statistics.overdue_report(
        any_db, MOSCOW, Filters(PERIOD, world.ekb), NOW.replace(day=18)
    )
    assert [(r.name, r.open_overdue) for r in earlier.by_municipality] == [("г. Екатеринбург", 1)]
