"""Journal pages: reading the list's query string and what the templates need to draw
categories, filters, sorting links and paging. Bad values fall back to defaults: a
journal link never ends in an error page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from portal.domain.roles import Role
from portal.domain.status import CITIZEN_LABELS, STAFF_LABELS, Status, citizen_status
from portal.http.access import allow
from portal.http.auth import require_user
from portal.http.context import CLOCK, database_of, time_zone_of
from portal.http.i18n import language_of
from portal.services import reference
from portal.services.appeals_journal import (
    CATEGORIES,
    MAX_PAGE,
    PAGE_SIZES,
    STAFF_JOURNALS,
    Journal,
    JournalPage,
    JournalQuery,
    Sort,
    chosen_journal,
    journals_of,
    load_journal,
)
from portal.services.reference import Entry, Kind
from portal.web.labels import role_label

_PARAMS = (
    "journal",
    "category",
    "q",
    "status",
    "topic",
    "date_from",
    "date_to",
    "invited",
    "sort",
    "order",
    "size",
)


_INT64 = 2**63
"""Database integers stop here; a number past it names no row and fits no column."""


def _int(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:  # also a number too long to parse
        return None
    return number if number is not None and -_INT64 < number < _INT64 else None


def _page(value: str | None) -> int:
    """Page 1 for junk and for zero or less; any large page is kept large (the journal
    clamps it to its last possible page) so "far past the end" stays "past the end"."""
    try:
        number = int(value) if value else 1
    except ValueError:
        return 1 if not (value or "").strip().isdigit() else MAX_PAGE
    return max(1, min(number, MAX_PAGE))


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_query(params: Mapping[str, str]) -> JournalQuery:
    status = params.get("status", "")
    sort = params.get("sort", "")
    size = _int(params.get("size")) or PAGE_SIZES[0]
    return JournalQuery(
        category=params.get("category", "all"),
        search=params.get("q", "")[:200],
        status=Status(status) if status in Status.__members__.values() else None,
        topic_id=_int(params.get("topic")),
        date_from=_date(params.get("date_from")),
        date_to=_date(params.get("date_to")),
        invited=params.get("invited") in ("1", "on", "true"),
        sort=Sort(sort) if sort in Sort.__members__.values() else Sort.CREATED,
        descending=params.get("order", "desc") != "asc",
        page=_page(params.get("page")),
        per_page=size if size in PAGE_SIZES else PAGE_SIZES[0],
    )


def _link(params: Mapping[str, str], **changes: str | int) -> str:
    kept = {k: v for k, v in params.items() if k in _PARAMS and v}
    kept.update({k: str(v) for k, v in changes.items()})
    return "?" + urlencode(kept)


def journal_context(
    request: web.Request,
    journal: Journal,
    page: JournalPage,
    topics: Sequence[Entry],
    journals: Sequence[Journal] = (),
) -> dict[str, Any]:
    params = {k: request.query.get(k, "") for k in _PARAMS}
    query = page.query
    labels = CITIZEN_LABELS if journal is Journal.CITIZEN else STAFF_LABELS
    shown = [s for s in Status if journal is not Journal.CITIZEN or citizen_status(s) is s]
    sort_links = {
        sort.value: _link(
            params,
            sort=sort.value,
            order="asc" if query.sort is sort and query.descending else "desc",
        )
        for sort in Sort
    }
    return {
        "page": page,
        "query": query,
        "params": params,
        "labels": labels,
        "lang": language_of(request),
        "categories": [
            (name, label, page.counts[name], _link(params, category=name, page=1))
            for name, label in CATEGORIES[journal].items()
        ],
        "status_choices": [(s.value, labels[s]) for s in shown],
        "topics": topics,
        "sort_links": sort_links,
        "page_link": lambda n: _link(params, page=n),
        "page_sizes": PAGE_SIZES,
        "journal_code": journal.value,
        # Tabs of a user with several staff journals; a tab opens the journal afresh
        # (its categories are its own).
        "journals": [
            (j.value, role_label(STAFF_JOURNALS[j]), "?" + urlencode({"journal": j.value}))
            for j in journals
        ]
        if len(journals) > 1
        else [],
    }


async def journal_page(
    request: web.Request,
    journal: Journal,
    template: str,
    journals: Sequence[Journal] = (),
) -> web.Response:
    """A journal page: the signed-in user's view of `journal`, filtered by the query;
    `journals`: the staff journals the user may switch between."""
    user = await require_user(request)
    page = await load_journal(
        database_of(request),
        journal,
        user,
        parse_query(request.query),
        request.app[CLOCK].now(),
        tz=time_zone_of(request.app),
    )
    topics = await reference.entries(database_of(request), Kind.TOPICS)
    context = journal_context(request, journal, page, topics, journals)
    return aiohttp_jinja2.render_template(template, request, context)


@allow(Role.DEPARTMENT, Role.ORGANIZER, Role.CONTROL)
async def staff_journal(request: web.Request) -> web.Response:
    """«Журнал заявок»: the journal of the user's staff role (seed 002 gives each role its
    categories); a user with several roles switches with `?journal=`."""
    user = await require_user(request)
    journals = journals_of(user)
    # A journal that is not theirs (or junk) falls back to their first: a link never fails.
    journal = chosen_journal(user, request.query.get("journal")) or chosen_journal(user, None)
    return await journal_page(
        request, journal or Journal.DEPARTMENT, "appeals/journal.html", journals
    )
