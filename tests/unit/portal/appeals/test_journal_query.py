"""Journal links: query strings become queries; bad values fall back, never fail."""

from __future__ import annotations

from datetime import date

from portal.domain.status import Status
from portal.services.appeals_journal import JournalQuery, Sort
from portal.web.journal import parse_query


def test_a_full_query_string_is_read() -> None:
    query = parse_query(
        {
            "category": "in_work",
            "q": "  яма ",
            "status": "new",
            "topic": "4",
            "date_from": "2025-01-02",
            "date_to": "2025-02-03",
            "invited": "1",
            "sort": "deadline",
            "order": "asc",
            "page": "3",
            "size": "50",
        }
    )
    assert query == JournalQuery(
        category="in_work",
        search="  яма ",
        status=Status.NEW,
        topic_id=4,
        date_from=date(2025, 1, 2),
        date_to=date(2025, 2, 3),
        invited=True,
        sort=Sort.DEADLINE,
        descending=False,
        page=3,
        per_page=50,
    )


def test_bad_values_fall_back_to_defaults() -> None:
    query = parse_query(
        {
            "status": "nonsense",
            "topic": "x",
            "date_from": "32.13.2025",
            "sort": "id;drop",
            "page": "-4",
            "size": "100000",
        }
    )
    assert query == JournalQuery()


def test_search_is_capped() -> None:
    assert len(parse_query({"q": "я" * 5000}).search) == 200
