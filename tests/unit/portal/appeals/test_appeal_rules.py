"""Appeal limits, number, deadline and the "time left" text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.appeals import (
    MAX_TEXT,
    AppealDraft,
    TimeLeft,
    appeal_number,
    deadline_for,
    fill_template,
)
from portal.errors import InvalidInput


def draft(text: str = "Прошу отремонтировать дорогу", **kw: object) -> AppealDraft:
    fields: dict[str, object] = {
        "topic_id": 1,
        "municipality_id": 1,
        "title": "Дорога",
        "address": "ул. Ленина, 1",
        "text": text,
        "consent": True,
    }
    fields.update(kw)
    return AppealDraft(**fields)  # type: ignore[arg-type]


def test_text_of_2000_characters_passes_and_2001_is_refused() -> None:
    assert len(draft("я" * MAX_TEXT).validated().text) == 2000
    with pytest.raises(InvalidInput, match="2001"):
        draft("я" * (MAX_TEXT + 1)).validated()


@pytest.mark.parametrize(
    ("change", "russian", "english"),
    [
        ({"text": "   "}, "текст вопроса", "question"),
        ({"title": ""}, "заголовок", "title"),
        ({"consent": False}, "согласие", "consent"),
        ({"address": "д" * 301}, "адрес", "address"),
    ],
)
def test_missing_or_oversized_fields_are_named(
    change: dict[str, object], russian: str, english: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        draft(**change).validated()
    assert russian in caught.value.text.ru.lower()
    assert english in caught.value.text.en.lower()


def test_number_and_deadline() -> None:
    filed = datetime(2025, 1, 1, 10, tzinfo=UTC)
    assert appeal_number(42, filed) == "2025-000042"
    assert deadline_for(filed, extended=False) == filed + timedelta(days=30)
    assert deadline_for(filed, extended=True) == filed + timedelta(days=60)


def test_time_left_reads_like_the_spec() -> None:
    deadline = datetime(2025, 1, 25, 12, tzinfo=UTC)
    now = deadline - timedelta(days=9, hours=14, minutes=5)
    left = TimeLeft.until(deadline, now)
    assert (left.days, left.hours, left.overdue) == (9, 14, False)
    assert left.text() == "9 дней 14 часов / до 25.01.2025"
    assert left.text("en") == "9 d 14 h / by 25.01.2025"
    assert TimeLeft.until(deadline, deadline - timedelta(days=1, hours=2)).text() == (
        "1 день 2 часа / до 25.01.2025"
    )
    late = TimeLeft.until(deadline, deadline + timedelta(days=3, hours=1))
    assert late.overdue
    assert late.text() == "Просрочено на 3 дня 1 час / срок истек 25.01.2025"


def test_template_placeholders_are_filled_and_other_braces_kept() -> None:
    filed = datetime(2025, 3, 4, tzinfo=UTC)
    body = "Уважаемый(ая) {ФИО}! Заявка № {номер} от {дата}. {прочее}"
    assert fill_template(body, "Иванов Иван", "2025-000001", filed) == (
        "Уважаемый(ая) Иванов Иван! Заявка № 2025-000001 от 04.03.2025. {прочее}"
    )
