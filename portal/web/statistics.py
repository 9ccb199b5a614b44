"""«Статистика» for staff (SPEC §3, seed 002 «Работа с отчетами»): four reports, each
with the filters «период» and «МО», drawn as charts with a table under each, every table
downloadable as CSV with the same filters.

    GET /staff/statistics?report=…&date_from=…&date_to=…&mo=…&step=…
    GET /staff/statistics/{report}.csv?date_from=…&date_to=…&mo=…&step=…

Odd filter values never break the page: it falls back to the default (the last 30 days,
all municipalities, the automatic step) and says what it did. A CSV link from the page
always carries valid filters; a hand-made one with bad filters is refused with a clear
message, so a file never silently covers another period than the one asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from portal.domain.roles import STAFF_ROLES
from portal.domain.statistics import (
    MAX_DAYS,
    STEP_LABELS,
    Period,
    Step,
    today_in,
)
from portal.errors import InvalidInput, NotFound
from portal.http.access import allow
from portal.http.context import clock_of, database_of, time_zone_of
from portal.http.i18n import language_of, translator
from portal.services import reference, statistics
from portal.services.reference import Kind
from portal.services.statistics import (
    CrossTable,
    Filters,
    OverdueReport,
    OverdueRow,
    StatusReport,
    TimeReport,
)
from portal.text import Text
from portal.web import charts
from portal.web.charts import Bar
from portal.web.csv_export import csv_bytes
from portal.web.forms import render

REPORTS: dict[str, str] = {
    "statuses": "Статусы заявок",
    "municipalities": "Статистика заявок по МО",
    "counts": "Статистика по количеству заявок",
    "overdue": "Статистика по просроченным заявкам",
}
"""The four reports of seed 002, by their names there; the first is shown by default."""
TABLES: dict[str, str] = {
    "statuses": "statuses",
    "municipalities": "municipalities",
    "counts": "counts",
    "overdue-municipalities": "overdue",
    "overdue-topics": "overdue",
}
"""CSV files: one per table of a report (the overdue report has two)."""
OVERDUE_COLUMNS = (
    "Всего заявок",
    "Просрочено, не закрыто",
    "Закрыто с нарушением срока",
    "Всего просрочено",
    "Доля просроченных",
)
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass
class Query:
    """What the page shows; `problems` says which asked-for values were replaced."""

    report: str
    filters: Filters
    step: Step
    problems: list[Text] = field(default_factory=list)

    def params(self, **changes: str) -> dict[str, str]:
        values = {
            "report": self.report,
            "date_from": self.filters.period.first.isoformat(),
            "date_to": self.filters.period.last.isoformat(),
            "mo": "" if self.filters.municipality_id is None else str(self.filters.municipality_id),
            "step": self.step.value,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v}

    def link(self, **changes: str) -> str:
        return "/staff/statistics?" + urlencode(self.params(**changes))

    def csv_link(self, table: str) -> str:
        params = self.params()
        params.pop("report", None)
        return f"/staff/statistics/{table}.csv?" + urlencode(params)


def _date(value: str) -> date | None:
    """A day as the date field sends it (2025-03-01) or as people type it (01.03.2025)."""
    value = value.strip()
    dotted = _DOTTED.match(value)
    try:
        if dotted:
            day, month, year = (int(g) for g in dotted.groups())
            found = date(year, month, day)
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            found = date.fromisoformat(value)
        else:
            return None
    except ValueError:
        return None
    return found if EARLIEST_YEAR <= found.year <= LATEST_YEAR else None


def _period(params: Mapping[str, str], today: date, problems: list[Text]) -> Period:
    default = Period.default(today)
    raw_from, raw_to = params.get("date_from", "").strip(), params.get("date_to", "").strip()
    first, last = _date(raw_from) if raw_from else None, _date(raw_to) if raw_to else None
    for raw, parsed in ((raw_from, first), (raw_to, last)):
        if raw and parsed is None:
            shown = raw[:40]
            problems.append(
                Text(
                    f"Неверная дата «{shown}»: укажите день в виде ДД.ММ.ГГГГ. "
                    "Показан период по умолчанию.",
                    f"Invalid date “{shown}”: give a day as DD.MM.YYYY. "
                    "The default period is shown.",
                )
            )
            return default
    if first is None and last is None:
        return default
    if last is None:
        last = max(today, first) if first is not None else today
    if first is None:
        first = Period.default(last).first
    if first > last:
        problems.append(
            Text(
                "Начало периода позже его окончания. Показан период по умолчанию.",
                "The period begins after it ends. The default period is shown.",
            )
        )
        return default
    period = Period(first, last)
    if period.days > MAX_DAYS:
        problems.append(
            Text(
                "Период длиннее 10 лет. Показан период по умолчанию.",
                "The period is longer than 10 years. The default period is shown.",
            )
        )
        return default
    return period


def parse_query(params: Mapping[str, str], today: date, municipalities: set[int]) -> Query:
    """The filters from the address; anything odd is replaced by its default and named."""
    problems: list[Text] = []
    report = params.get("report", "")
    if report not in REPORTS:
        report = next(iter(REPORTS))
    period = _period(params, today, problems)
    municipality: int | None = None
    raw_mo = params.get("mo", "").strip()
    if raw_mo:
        if raw_mo.isdigit() and len(raw_mo) < 12 and int(raw_mo) in municipalities:
            municipality = int(raw_mo)
        else:
            problems.append(
                Text(
                    "Такого муниципального образования нет. Показаны все МО.",
                    "No such municipality. All municipalities are shown.",
                )
            )
    raw_step = params.get("step", "").strip()
    try:
        step = Step(raw_step) if raw_step else Step.AUTO
    except ValueError:
        step = Step.AUTO
        problems.append(
            Text(
                "Неизвестный шаг графика. Шаг выбран автоматически.",
                "Unknown chart step. The step is chosen automatically.",
            )
        )
    return Query(report, Filters(period, municipality), step, problems)


# --- the reports as tables and charts --------------------------------------------------------

Translate = Callable[[str], str]


@dataclass
class Table:
    """One table of a report: what the page shows and the CSV file holds."""

    name: str
    """The CSV file's name (statuses, overdue-topics, …)."""
    caption: str
    head: list[str]
    rows: list[list[str | int]]
    total: list[str | int] | None = None

    def csv_rows(self) -> list[Sequence[str | int]]:
        return [self.head, *self.rows, *([self.total] if self.total else [])]


def status_table(report: StatusReport, _: Translate) -> Table:
    rows: list[list[str | int]] = [[_(label), n] for label, n in report.labelled()]
    return Table(
        "statuses",
        _("Статусы заявок"),
        [_("Статус"), _("Количество заявок")],
        rows,
        [_("Итого"), report.total],
    )


def municipality_table(report: CrossTable, _: Translate) -> Table:
    head = [_("МО"), *(t.name for t in report.topics), _("Итого")]
    rows: list[list[str | int]] = [
        [
            m.name,
            *(report.cell(m.id, t.id) for t in report.topics),
            report.row_total(m.id),
        ]
        for m in report.municipalities
    ]
    total: list[str | int] = [
        _("Итого"),
        *(report.column_total(t.id) for t in report.topics),
        report.total,
    ]
    return Table("municipalities", _("Статистика заявок по МО"), head, rows, total)


STEP_HEADS = {Step.DAY: "День", Step.WEEK: "Неделя", Step.MONTH: "Месяц", Step.AUTO: "Период"}


def count_table(report: TimeReport, _: Translate) -> Table:
    rows: list[list[str | int]] = [[bucket.label, n] for bucket, n in report.bars]
    head = [_(STEP_HEADS[report.step]), _("Количество заявок")]
    return Table(
        "counts", _("Статистика по количеству заявок"), head, rows, [_("Итого"), report.total]
    )


def _overdue_row(row: OverdueRow) -> list[str | int]:
    return [row.name, row.total, row.open_overdue, row.closed_late, row.overdue, row.share]


def overdue_tables(report: OverdueReport, _: Translate) -> list[Table]:
    columns = [_(c) for c in OVERDUE_COLUMNS]
    total = [_("Итого"), *_overdue_row(report.totals)[1:]]
    return [
        Table(
            "overdue-municipalities",
            _("Просроченные заявки по МО"),
            [_("МО"), *columns],
            [_overdue_row(r) for r in report.by_municipality],
            total,
        ),
        Table(
            "overdue-topics",
            _("Просроченные заявки по тематикам"),
            [_("Тематика"), *columns],
            [_overdue_row(r) for r in report.by_topic],
            total,
        ),
    ]


@dataclass
class Shown:
    """A report ready for the page: its tables, the charts above them, the step drawn."""

    tables: list[Table]
    charts: list[tuple[str, Markup]] = field(default_factory=list)
    """(visible caption, chart)."""
    step: Step | None = None


def _chart(
    chart_id: str, title: str, bars: list[Bar], _: Translate, *, time: bool = False
) -> tuple[str, Markup]:
    empty = _("За период заявок нет.")
    summary = _("Значений много: все они — в таблице под диаграммой.")
    draw = charts.columns if time else charts.horizontal_bars
    return title, draw(chart_id, title, bars, empty=empty, summary=summary)


async def build(request: web.Request, query: Query, _: Translate) -> Shown:
    """Run the report of `query` and lay it out as tables and charts."""
    db, tz, filters = database_of(request), time_zone_of(request.app), query.filters
    if query.report == "statuses":
        statuses = await statistics.status_report(db, tz, filters)
        bars = [Bar(_(label), n) for label, n in statuses.labelled()]
        chart = _chart("chart-statuses", _("Заявки по статусам"), bars, _)
        return Shown([status_table(statuses, _)], [chart])
    if query.report == "municipalities":
        cross = await statistics.municipality_report(db, tz, filters)
        by_place = [Bar(name, n) for name, n in cross.by_municipality()]
        by_topic = [Bar(name, n) for name, n in cross.by_topic()]
        return Shown(
            [municipality_table(cross, _)],
            [
                _chart("chart-municipalities", _("Заявки по МО"), by_place, _),
                _chart("chart-topics", _("Заявки по тематикам"), by_topic, _),
            ],
        )
    if query.report == "counts":
        counts = await statistics.count_report(db, tz, filters, query.step)
        bars = [Bar(bucket.label, n, bucket.short_label) for bucket, n in counts.bars]
        title = _("Количество поданных заявок")
        chart = _chart("chart-counts", title, bars, _, time=True)
        return Shown([count_table(counts, _)], [chart], counts.step)
    now = clock_of(request).now()
    overdue = await statistics.overdue_report(db, tz, filters, now)
    tables = overdue_tables(overdue, _)
    rows = (overdue.by_municipality, overdue.by_topic)
    drawn = [
        _chart(f"chart-{t.name}", t.caption, [Bar(r.name, r.overdue) for r in found], _)
        for t, found in zip(tables, rows, strict=True)
    ]
    return Shown(tables, drawn)


def _today(request: web.Request) -> date:
    return today_in(time_zone_of(request.app), clock_of(request).now())


async def _municipalities(request: web.Request) -> list[reference.Entry]:
    return await reference.entries(database_of(request), Kind.MUNICIPALITIES)


@allow(*STAFF_ROLES)
async def statistics_page(request: web.Request) -> web.Response:
    places = await _municipalities(request)
    query = parse_query(request.query, _today(request), {p.id for p in places})
    shown = await build(request, query, translator(language_of(request)))
    context: dict[str, Any] = {
        "query": query,
        "reports": REPORTS,
        "shown": shown,
        "municipalities": places,
        "steps": STEP_LABELS,
    }
    return render(request, "statistics/page.html", context)


@allow(*STAFF_ROLES)
async def statistics_csv(request: web.Request) -> web.Response:
    name = request.match_info["report"]
    if name not in TABLES:
        raise NotFound("Такого отчета нет.", en="No such report.")
    places = await _municipalities(request)
    params = {**request.query, "report": TABLES[name]}
    query = parse_query(params, _today(request), {p.id for p in places})
    lang = language_of(request)
    if query.problems:
        raise InvalidInput(
            " ".join(p.ru for p in query.problems), en=" ".join(p.en for p in query.problems)
        )
    _ = translator(lang)
    shown = await build(request, query, _)
    table = next(t for t in shown.tables if t.name == name)
    period = query.filters.period
    filename = f"statistics-{name}-{period.first.isoformat()}-{period.last.isoformat()}"
    if query.filters.municipality_id is not None:
        filename += f"-mo{query.filters.municipality_id}"
    return web.Response(
        body=csv_bytes(table.csv_rows()),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


def setup_statistics(app: web.Application) -> None:
    app.router.add_get("/staff/statistics", statistics_page, name="staff_statistics")
    # Any name reaches the handler, so a wrong one is refused by role first, then 404.
    app.router.add_get("/staff/statistics/{report}.csv", statistics_csv)
