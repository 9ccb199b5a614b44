"""The calendar of «Статистика»: local days across the UTC midnight, buckets, steps, the
offset stretches SQL uses, and reading the filters from the address."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.domain.statistics import (
    MAX_BUCKETS,
    Period,
    Step,
    Stretch,
    buckets,
    fold,
    local_day,
    offset_stretches,
    resolve_step,
    share,
    today_in,
)
from portal.web.statistics import parse_query

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def test_a_moscow_day_begins_at_21_utc_the_evening_before() -> None:
    assert local_day(datetime(2025, 3, 1, 20, 59, 59, tzinfo=UTC), MOSCOW) == date(2025, 3, 1)
    assert local_day(datetime(2025, 3, 1, 21, 0, tzinfo=UTC), MOSCOW) == date(2025, 3, 2)
    assert today_in(MOSCOW, datetime(2025, 12, 31, 21, 30, tzinfo=UTC)) == date(2026, 1, 1)
    start, end = Period(date(2025, 3, 1), date(2025, 3, 10)).utc_range(MOSCOW)
    assert start == datetime(2025, 2, 28, 21, tzinfo=UTC)
    assert end == datetime(2025, 3, 10, 21, tzinfo=UTC)  # exclusive: 10.03 is included


def test_buckets_are_clipped_to_the_period() -> None:
    period = Period(date(2025, 3, 1), date(2025, 4, 2))  # Saturday to Wednesday
    weeks = buckets(period, Step.WEEK)
    assert (weeks[0].first, weeks[0].last) == (date(2025, 3, 1), date(2025, 3, 2))
    assert (weeks[1].first, weeks[1].last) == (date(2025, 3, 3), date(2025, 3, 9))
    assert (weeks[-1].first, weeks[-1].last) == (date(2025, 3, 31), date(2025, 4, 2))
    assert [w.label for w in weeks[:2]] == ["01.03–02.03.2025", "03.03–09.03.2025"]
    months = buckets(Period(date(2024, 12, 15), date(2025, 2, 3)), Step.MONTH)
    assert [m.label for m in months] == ["12.2024", "01.2025", "02.2025"]
    assert [m.short_label for m in months] == ["12.24", "01.25", "02.25"]
    assert months[0].first == date(2024, 12, 15)
    assert months[-1].last == date(2025, 2, 3)
    across = buckets(Period(date(2024, 12, 30), date(2025, 1, 5)), Step.WEEK)
    assert [b.label for b in across] == ["30.12.2024–05.01.2025"]
    days = buckets(Period(date(2025, 2, 27), date(2025, 3, 1)), Step.DAY)
    assert [d.label for d in days] == ["27.02.2025", "28.02.2025", "01.03.2025"]
    with pytest.raises(ValueError, match="resolve the step"):
        buckets(Period(date(2025, 1, 1), date(2025, 1, 2)), Step.AUTO)


def test_fold_sums_days_into_bars_and_shows_empty_ones() -> None:
    period = Period(date(2025, 3, 1), date(2025, 3, 16))
    days = {date(2025, 3, 1): 2, date(2025, 3, 3): 1, date(2025, 3, 9): 4, date(2025, 3, 10): 1}
    days[date(2025, 2, 28)] = 99  # outside: ignored
    weekly = fold(days, period, Step.WEEK)
    assert [(b.label, n) for b, n in weekly] == [
        ("01.03–02.03.2025", 2),
        ("03.03–09.03.2025", 5),
        ("10.03–16.03.2025", 1),
    ]
    daily = fold(days, period, Step.DAY)
    assert len(daily) == 16
    assert sum(n for _, n in daily) == 8
    assert daily[1][1] == 0


def test_the_step_follows_the_period() -> None:
    start = date(2025, 1, 1)

    def period(days: int) -> Period:
        return Period(start, start + timedelta(days=days - 1))

    assert resolve_step(Step.AUTO, period(1)) is Step.DAY
    assert resolve_step(Step.AUTO, period(62)) is Step.DAY
    assert resolve_step(Step.AUTO, period(63)) is Step.WEEK
    assert resolve_step(Step.AUTO, period(366)) is Step.WEEK
    assert resolve_step(Step.AUTO, period(367)) is Step.MONTH
    assert resolve_step(Step.MONTH, period(3)) is Step.MONTH
    # Asked by day over three years: too many bars, weeks instead.
    assert resolve_step(Step.DAY, period(3 * 365)) is Step.WEEK
    assert len(buckets(period(3 * 365), Step.WEEK)) <= MAX_BUCKETS
    assert resolve_step(Step.DAY, period(3660)) is Step.MONTH


def test_offset_stretches() -> None:
    year = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    assert offset_stretches(*year, MOSCOW) == [Stretch(None, timedelta(hours=3))]
    berlin = offset_stretches(*year, BERLIN)
    assert berlin == [
        Stretch(datetime(2025, 3, 30, 1, tzinfo=UTC), timedelta(hours=1)),
        Stretch(datetime(2025, 10, 26, 1, tzinfo=UTC), timedelta(hours=2)),
        Stretch(None, timedelta(hours=1)),
    ]
    # Moscow's last change: from +4 to +3 on 26.10.2014 at 02:00 local (22:00 UTC before).
    moscow_2014 = offset_stretches(
        datetime(2014, 10, 1, tzinfo=UTC), datetime(2014, 11, 1, tzinfo=UTC), MOSCOW
    )
    assert moscow_2014 == [
        Stretch(datetime(2014, 10, 25, 22, tzinfo=UTC), timedelta(hours=4)),
        Stretch(None, timedelta(hours=3)),
    ]
    assert offset_stretches(None, None, ZoneInfo("UTC")) == [Stretch(None, timedelta())]


def test_share() -> None:
    assert share(4, 7) == "57,1 %"
    assert share(0, 3) == "0,0 %"
    assert share(0, 0) == "—"


# --- the filters of the page -----------------------------------------------------------------

TODAY = date(2025, 3, 20)


def test_defaults() -> None:
    query = parse_query({}, TODAY, {1, 2})
    assert query.report == "statuses"
    assert query.filters.period == Period(date(2025, 2, 19), TODAY)  # the last 30 days
    assert query.filters.municipality_id is None
    assert query.step is Step.AUTO
    assert query.problems == []


def test_good_filters() -> None:
    query = parse_query(
        {
            "report": "counts",
            "date_from": "01.03.2025",
            "date_to": "2025-03-10",
            "mo": "2",
            "step": "week",
        },
        TODAY,
        {1, 2},
    )
    assert (query.report, query.filters.municipality_id, query.step) == ("counts", 2, Step.WEEK)
    assert query.filters.period == Period(date(2025, 3, 1), date(2025, 3, 10))
    assert not query.problems
    assert query.link(report="overdue") == (
        "/staff/statistics?report=overdue&date_from=2025-03-01&date_to=2025-03-10&mo=2&step=week"
    )
    assert query.csv_link("overdue-topics") == (
        "/staff/statistics/overdue-topics.csv?date_from=2025-03-01&date_to=2025-03-10&mo=2"
        "&step=week"
    )
    only_from = parse_query({"date_from": "2025-03-01"}, TODAY, set()).filters.period
    assert only_from == Period(date(2025, 3, 1), TODAY)
    only_to = parse_query({"date_to": "2025-03-10"}, TODAY, set()).filters.period
    assert only_to == Period(date(2025, 2, 9), date(2025, 3, 10))
    future = parse_query({"date_from": "2025-04-01"}, TODAY, set()).filters.period
    assert future == Period(date(2025, 4, 1), date(2025, 4, 1))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2025-02-30"}, "Неверная дата «2025-02-30»"),
        ({"date_to": "вчера"}, "Неверная дата «вчера»"),
        ({"date_from": "0001-01-01"}, "Неверная дата"),
        ({"date_from": "9999-12-31"}, "Неверная дата"),
        ({"date_from": "2025-03-10", "date_to": "2025-03-01"}, "Начало периода позже"),
        ({"date_from": "2001-01-01", "date_to": "2025-01-01"}, "Период длиннее 10 лет"),
        ({"mo": "7"}, "Такого муниципального образования нет"),
        ({"mo": "1" * 40}, "Такого муниципального образования нет"),
        ({"mo": "-1"}, "Такого муниципального образования нет"),
        ({"step": "hour"}, "Неизвестный шаг графика"),
    ],
)
def test_odd_filters_fall_back_with_a_message(params: dict[str, str], message: str) -> None:
    query = parse_query(params, TODAY, {1, 2})
    assert len(query.problems) == 1
    assert query.problems[0].ru.startswith(message)
    assert query.problems[0].en
    assert query.problems[0].en != query.problems[0].ru
    default = parse_query({}, TODAY, {1, 2})
    if "date_from" in params or "date_to" in params:
        assert query.filters.period == default.filters.period
    assert query.filters.municipality_id is None or "mo" not in params


def test_unknown_report_is_the_first_tab() -> None:
    assert parse_query({"report": "<script>"}, TODAY, set()).report == "statuses"
