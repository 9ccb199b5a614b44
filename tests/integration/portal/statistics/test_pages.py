"""«Статистика» over HTTP on SQLite and PostgreSQL: every report's tables and charts, every
CSV file, against the counts worked out by hand in conftest.py; odd filters; who gets in."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from config import Settings
from portal.adapters.db import Database
from portal.domain.roles import Role
from portal.http.context import CLOCK
from portal.mount import setup_portal
from tests.integration.portal.appeals.conftest import ClientFactory, add_user, api_sign_in
from tests.integration.portal.conftest import MovableClock
from tests.integration.portal.statistics.conftest import NOW, World, seed

pytestmark = pytest.mark.timeout(120)
PERIOD = "date_from=2025-03-01&date_to=2025-03-10"


class Page(HTMLParser):
    """The tables (by id: rows of cell texts, head and total included), the charts (id,
    role, title, description, the numbers drawn) and the CSV links of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.charts: dict[str, dict[str, Any]] = {}
        self.links: list[str] = []
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._chart: str | None = None
        self._part: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id"):
            self._table = str(a["id"]).removeprefix("table-")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a" and str(a.get("href", "")).startswith("/staff/statistics/"):
            self.links.append(str(a["href"]))
        elif tag == "svg":
            self._chart = str(a.get("id"))
            self.charts[self._chart] = {"attrs": a, "values": [], "labels": []}
        elif self._chart and tag in ("title", "desc") and self._part is None:
            self._part = tag
            self.charts[self._chart].setdefault(tag, "")
        elif self._chart and tag == "text":
            self._part = str(a.get("class"))
        elif self._chart and tag == "rect":
            self._part = "rect"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "svg":
            self._chart = None
        elif tag in ("title", "desc", "text", "rect") and (tag != "title" or self._part != "rect"):
            self._part = None  # a bar's tooltip title ends inside the bar

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._chart and self._part in ("title", "desc"):
            self.charts[self._chart][self._part] += data
        elif self._chart and self._part == "value":
            self.charts[self._chart]["values"].append(int(data))
        elif self._chart and self._part == "label":
            self.charts[self._chart]["labels"].append(data)


@pytest.fixture
async def stat_client(
    any_db: Database,
    settings: Settings,
    clock: MovableClock,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> tuple[TestClient[Any, Any], World]:
    """The portal on SQLite or PostgreSQL, «now» at NOW, the world seeded, and an
    organizer signed in."""
    clock.freeze()
    clock.offset = NOW - clock.now()
    app = web.Application()
    setup_portal(app, settings, any_db)
    app[CLOCK] = clock
    world = await seed(any_db)
    await add_user(any_db, email="org@example.ru", login="organizer", roles=[Role.ORGANIZER])
    client = await aiohttp_client(app)
    await api_sign_in(client, "organizer", staff=True)
    return client, world


async def _page(client: TestClient[Any, Any], query: str) -> Page:
    response = await client.get(f"/staff/statistics?{query}")
    assert response.status == 200, await response.text()
    return Page(await response.text())


async def _csv(client: TestClient[Any, Any], link: str) -> list[list[str]]:
    response = await client.get(link)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/csv"
    assert response.charset == "utf-8"
    assert re.fullmatch(
        r'attachment; filename="statistics-[a-z-]+-2025-03-01-2025-03-10(-mo\d+)?\.csv"',
        response.headers["Content-Disposition"],
    )
    body = await response.read()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8")), delimiter=";"))


async def _check(
    client: TestClient[Any, Any], query: str, expected: dict[str, list[list[str]]]
) -> Page:
    """The page's tables are `expected` and so is each table's CSV file."""
    page = await _page(client, query)
    assert page.tables == expected
    names = {link.split("?")[0].rsplit("/", 1)[1].removesuffix(".csv") for link in page.links}
    assert names == set(expected)
    assert all(PERIOD in link for link in page.links)  # the page's filters go along
    for link in page.links:
        name = link.split("?")[0].rsplit("/", 1)[1].removesuffix(".csv")
        assert await _csv(client, link) == expected[name], name
    return page


STATUS_ROWS = [
    ["Статус", "Количество заявок"],
    ["Новая", "1"],  # 2
    ["В работе", "1"],  # 3
    ["Рекомендована", "0"],
    ["Подготовка к участию", "0"],
    ["Приглашен на прием", "0"],
    ["Приглашение подтверждено", "0"],
    ["На приеме", "0"],
    ["Прием прошел", "1"],  # 7
    ["На контроле", "0"],
    ["Решена", "1"],  # 8
    ["Рассмотрена", "0"],
    ["Дан ответ", "2"],  # 4, 5
    ["Отозвана", "1"],  # 6
    ["Итого", "7"],
]


async def test_statuses(stat_client: tuple[TestClient[Any, Any], World]) -> None:
    client, _ = stat_client
    page = await _check(client, f"report=statuses&{PERIOD}", {"statuses": STATUS_ROWS})
    chart = page.charts["chart-statuses"]
    assert chart["attrs"]["role"] == "img"
    assert chart["attrs"]["aria-labelledby"] == "chart-statuses-title chart-statuses-desc"
    assert chart["title"] == "Заявки по статусам"
    assert "Дан ответ — 2" in chart["desc"]
    assert chart["values"] == [int(r[1]) for r in STATUS_ROWS[1:-1]]


async def test_municipalities_by_topic(stat_client: tuple[TestClient[Any, Any], World]) -> None:
    client, world = stat_client
    expected = [
        ["МО", "Дороги", "ЖКХ", "Образование", "Итого"],
        ["г. Екатеринбург", "2", "1", "1", "4"],  # 2, 7 | 3 | 8
        ["г. Нижний Тагил", "2", "1", "0", "3"],  # 4, 5 | 6
        ["Итого", "4", "2", "1", "7"],
    ]
    page = await _check(client, f"report=municipalities&{PERIOD}", {"municipalities": expected})
    assert page.charts["chart-municipalities"]["values"] == [4, 3]
    assert page.charts["chart-topics"]["values"] == [4, 2, 1]

    one = [
        ["МО", "Дороги", "ЖКХ", "Итого"],
        ["г. Нижний Тагил", "2", "1", "3"],
        ["Итого", "2", "1", "3"],
    ]
    await _check(
        client, f"report=municipalities&{PERIOD}&mo={world.tagil}", {"municipalities": one}
    )


async def test_counts_over_time(stat_client: tuple[TestClient[Any, Any], World]) -> None:
    client, _ = stat_client
    days = [2, 0, 0, 1, 2, 0, 0, 0, 1, 1]  # 01.03 … 10.03 in Moscow
    expected = [
        ["День", "Количество заявок"],
        *([f"{d:02d}.03.2025", str(n)] for d, n in zip(range(1, 11), days, strict=True)),
        ["Итого", "7"],
    ]
    page = await _check(client, f"report=counts&{PERIOD}", {"counts": expected})
    chart = page.charts["chart-counts"]
    assert chart["values"] == days  # ten columns: every one labelled
    assert chart["labels"][:2] == ["01.03", "02.03"]

    weeks = [
        ["Неделя", "Количество заявок"],
        ["01.03–02.03.2025", "2"],
        ["03.03–09.03.2025", "4"],
        ["10.03.2025", "1"],
        ["Итого", "7"],
    ]
    page = await _page(client, f"report=counts&{PERIOD}&step=week")
    assert page.tables == {"counts": weeks}
    link = next(link for link in page.links if "counts.csv" in link)
    assert "step=week" in link
    assert await _csv(client, link) == weeks


async def test_overdue(stat_client: tuple[TestClient[Any, Any], World]) -> None:
    client, _ = stat_client
    head = [
        "Всего заявок",
        "Просрочено, не закрыто",
        "Закрыто с нарушением срока",
        "Всего просрочено",
        "Доля просроченных",
    ]
    total = ["Итого", "7", "2", "2", "4", "57,1 %"]
    expected = {
        "overdue-municipalities": [
            ["МО", *head],
            ["г. Екатеринбург", "4", "2", "0", "2", "50,0 %"],  # 3 and 7 open past the term
            ["г. Нижний Тагил", "3", "0", "2", "2", "66,7 %"],  # 5 and 6 closed late
            total,
        ],
        "overdue-topics": [
            ["Тематика", *head],
            ["Дороги", "4", "1", "1", "2", "50,0 %"],
            ["ЖКХ", "2", "1", "1", "2", "100,0 %"],
            ["Образование", "1", "0", "0", "0", "0,0 %"],
            total,
        ],
    }
    page = await _check(client, f"report=overdue&{PERIOD}", expected)
    assert page.charts["chart-overdue-municipalities"]["values"] == [2, 2]
    assert page.charts["chart-overdue-topics"]["values"] == [2, 2, 0]


async def test_empty_period_and_odd_filters(
    stat_client: tuple[TestClient[Any, Any], World],
) -> None:
    client, _ = stat_client
    empty = await _page(client, "report=statuses&date_from=2024-01-01&date_to=2024-01-31")
    assert empty.tables["statuses"][-1] == ["Итого", "0"]
    response = await client.get(
        "/staff/statistics?report=municipalities&date_from=2024-01-01&date_to=2024-01-31"
    )
    assert "За период заявок нет." in await response.text()

    odd = {
        "date_from=31.02.2025": "Неверная дата «31.02.2025»",
        "date_from=2025-03-10&date_to=2025-03-01": "Начало периода позже его окончания",
        "date_from=1990-01-01&date_to=2025-01-01": "Период длиннее 10 лет",
        "mo=999999": "Такого муниципального образования нет",
        "mo=abc": "Такого муниципального образования нет",
        "step=year": "Неизвестный шаг графика",
        "date_from=2025-3-1x&mo=-1&report=<x>": "Неверная дата",
    }
    for query, message in odd.items():
        for report in ("statuses", "counts", "overdue", "municipalities"):
            response = await client.get(f"/staff/statistics?report={report}&{query}")
            text = await response.text()
            assert response.status == 200, (query, text[-500:])
            assert message in text, query
    # The default period: the last 30 days up to today (20.03.2025 in Moscow).
    page = await _page(client, "report=counts&date_from=bad")
    days = page.tables["counts"]
    assert days[1][0] == "19.02.2025"
    assert days[-2][0] == "20.03.2025"

    # A hand-made CSV link with bad filters is refused clearly, never a file of another period.
    refused = await client.get("/staff/statistics/statuses.csv?date_from=2025-13-01")
    assert refused.status == 422
    assert "Неверная дата" in await refused.text()
    assert (await client.get("/staff/statistics/nothing.csv")).status == 404


async def test_csv_cells_cannot_run_as_formulas(
    stat_client: tuple[TestClient[Any, Any], World], any_db: Database
) -> None:
    from sqlalchemy import update

    from portal.adapters.appeals_orm import Municipality

    client, world = stat_client
    async with any_db.session() as session, session.begin():
        await session.execute(
            update(Municipality)
            .where(Municipality.id == world.ekb)
            .values(name='=HYPERLINK("http://evil.example","x")')
        )
    rows = await _csv(client, f"/staff/statistics/municipalities.csv?{PERIOD}")
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","x")'
    page = await _page(client, f"report=municipalities&{PERIOD}")
    assert page.tables["municipalities"][1][0] == '=HYPERLINK("http://evil.example","x")'


async def test_english(stat_client: tuple[TestClient[Any, Any], World]) -> None:
    client, _ = stat_client
    client.session.cookie_jar.update_cookies({"lang": "en"})
    page = await _page(client, f"report=overdue&{PERIOD}")
    assert page.tables["overdue-topics"][0][:2] == ["Topic", "Appeals in total"]
    rows = await _csv(client, f"/staff/statistics/statuses.csv?{PERIOD}")
    assert rows[1] == ["New", "1"]
    assert rows[-1] == ["Total", "7"]


async def test_who_gets_in(new_client: ClientFactory, people: dict[str, Any]) -> None:
    """Every staff role reads the statistics; a citizen gets 403; anonymous is sent to
    the staff sign-in."""
    routes = ["/staff/statistics", "/staff/statistics/statuses.csv"]
    anonymous = await new_client()
    for route in routes:
        response = await anonymous.get(route, allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"].startswith("/staff/login?next=")
    citizen = await new_client()
    await api_sign_in(citizen, "maria@example.ru")
    for route in routes:
        assert (await citizen.get(route, allow_redirects=False)).status == 403
    for login in ("officer", "organizer", "admin"):
        staff = await new_client()
        await api_sign_in(staff, login, staff=True)
        for route in routes:
            assert (await staff.get(route, allow_redirects=False)).status == 200, (login, route)
