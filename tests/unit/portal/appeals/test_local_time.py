"""Local time, deadline wording, greetings and template fill (issue 13, items 10 and 11)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from portal.domain.appeals import TimeLeft, fill_template, full_name
from portal.domain.local_time import day_end, day_start, format_local, zone, zone_label
from portal.services.appeals_notify import greeting

MSK = ZoneInfo("Europe/Moscow")


def person(**fields: str) -> Any:
    values = {"surname": "", "name": "", "patronymic": ""}
    values.update(fields)
    return SimpleNamespace(**values)


def test_times_show_on_the_local_clock_and_name_the_zone() -> None:
    moment = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)
    assert format_local(moment, MSK) == "30.11.2026 01:30"
    assert format_local(moment.replace(tzinfo=None), MSK) == "30.11.2026 01:30"  # SQLite
    assert zone_label(MSK) == "МСК"
    assert zone_label(ZoneInfo("Europe/Berlin"), moment) == "CET"
    assert zone_label(ZoneInfo("Asia/Yekaterinburg"), moment) == "UTC+05"
    with pytest.raises(ValueError, match="unknown time zone"):
        zone("Europe/Atlantis")


def test_a_local_day_is_a_utc_range_and_the_calendar_ends_do_not_overflow() -> None:
    day = date(2026, 11, 30)
    assert day_start(day, MSK) == datetime(2026, 11, 29, 21, tzinfo=UTC)
    assert day_end(day, MSK) == datetime(2026, 11, 30, 21, tzinfo=UTC)
    assert day_start(date.min, MSK) is None  # before any appeal: no bound
    assert day_end(date.max, MSK) is None
    late = day_start(date.max, ZoneInfo("America/New_York"))
    assert late is not None  # after every appeal: excludes all
    assert late.year == 9999


def test_overdue_reads_once_and_names_the_local_day_the_term_ran_out() -> None:
    deadline = datetime(2025, 1, 25, 22, tzinfo=UTC)  # 26.01 01:00 in Moscow
    late = TimeLeft.until(deadline, deadline + timedelta(days=2, hours=3))
    assert late.text("ru", MSK) == "Просрочено на 2 дня 3 часа / срок истек 26.01.2025"
    assert late.text("en", MSK) == "Overdue by 2 d 3 h / was due 26.01.2025"
    early = TimeLeft.until(deadline, deadline - timedelta(days=9, hours=14))
    assert early.text("ru", MSK) == "9 дней 14 часов / до 26.01.2025"


def test_letters_never_greet_an_empty_name() -> None:
    assert greeting(person(surname="Иванова", name="Мария")) == "Здравствуйте, Иванова Мария!"
    assert greeting(person()) == "Здравствуйте!"
    assert greeting(person(surname="  ", name=" ")) == "Здравствуйте!"
    assert full_name(person(surname=" Петров ", patronymic="")) == "Петров"


def test_template_fill_has_a_name_even_without_one_and_the_local_filing_day() -> None:
    body = "Уважаемый(ая) {ФИО}! Ваша заявка № {номер} от {дата} рассмотрена."
    filed = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)
    assert fill_template(body, "", "2026-000007", filed, MSK) == (
        "Уважаемый(ая) заявитель! Ваша заявка № 2026-000007 от 30.11.2026 рассмотрена."
    )
    assert "Уважаемый(ая) Иванов Иван!" in fill_template(body, "Иванов Иван", "n", filed, MSK)
