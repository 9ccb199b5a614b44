"""The inline SVG charts and the CSV files of «Статистика»."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from portal.http.i18n import EN
from portal.web import charts
from portal.web.charts import Bar
from portal.web.csv_export import csv_bytes, safe_cell

NS = {"svg": charts.SVG_NS}
ROOT = Path(__file__).resolve().parents[4]


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # well-formed XML, or this raises


def test_horizontal_bars() -> None:
    bars = [Bar("Новая", 3), Bar("В работе", 0), Bar('<b>"Дан" & ответ</b>', 6)]
    svg = _svg(charts.horizontal_bars("c1", "Заявки по статусам", bars, empty="Нет"))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find("svg:title", NS).text == "Заявки по статусам"  # type: ignore[union-attr]
    desc = svg.find("svg:desc", NS).text  # type: ignore[union-attr]
    assert desc == 'Новая — 3; В работе — 0; <b>"Дан" & ответ</b> — 6.'
    labels = [t.text for t in svg.iterfind(".//svg:text[@class='label']", NS)]
    values = [t.text for t in svg.iterfind(".//svg:text[@class='value']", NS)]
    assert labels == ["Новая", "В работе", '<b>"Дан" & ответ</b>']  # escaped, shown as text
    assert values == ["3", "0", "6"]
    widths = [r.get("width") for r in svg.iterfind(".//svg:rect", NS)]
    assert widths == ["40%", "0.3%", "80%"]  # scaled to the largest; a zero still visible
    # Colours come from the page: currentColor (var(--accent) from the stylesheet).
    assert {r.get("fill") for r in svg.iterfind(".//svg:rect", NS)} == {"currentColor"}
    # Heights in em: a larger font of the low-vision version makes rows taller.
    assert svg.get("height", "").endswith("em")
    assert svg.get("width") == "100%"


def test_columns_thin_out_their_labels() -> None:
    bars = [Bar(f"{d:02d}.03.2025", d % 4, f"{d:02d}.03") for d in range(1, 31)]
    svg = _svg(charts.columns("c2", "Количество", bars, empty="Нет"))
    assert len(svg.findall(".//svg:rect", NS)) == 30
    labels = [t.text for t in svg.iterfind(".//svg:text[@class='label']", NS)]
    assert labels == [
        "01.03",
        "04.03",
        "07.03",
        "10.03",
        "13.03",
        "16.03",
        "19.03",
        "22.03",
        "25.03",
        "28.03",
    ]  # every third of 30: at most ten
    tooltips = [t.text for t in svg.iterfind(".//svg:rect/svg:title", NS)]
    assert tooltips[0] == "01.03.2025: 1"  # every column names its exact number
    desc = svg.find("svg:desc", NS).text  # type: ignore[union-attr]
    assert desc is not None
    assert desc.startswith("01.03.2025 — 1; 02.03.2025 — 2;")


def test_long_series_are_summed_up_in_the_description() -> None:
    bars = [Bar(str(n), n) for n in range(100)]
    svg = _svg(charts.columns("c3", "Т", bars, empty="Нет", summary="Смотрите таблицу."))
    assert svg.find("svg:desc", NS).text == "Смотрите таблицу."  # type: ignore[union-attr]


def test_an_empty_chart_says_so() -> None:
    svg = _svg(charts.horizontal_bars("c4", "Заявки", [], empty="За период заявок нет."))
    assert svg.get("role") == "img"
    assert svg.find("svg:desc", NS).text == "За период заявок нет."  # type: ignore[union-attr]
    all_zero = _svg(charts.columns("c5", "Т", [Bar("a", 0), Bar("b", 0)], empty="-"))
    assert [r.get("height") for r in all_zero.iterfind(".//svg:rect", NS)] == ["0em", "0em"]


def test_the_stylesheet_colours_charts_from_the_scheme() -> None:
    css = (ROOT / "static" / "css" / "statistics.css").read_text(encoding="utf-8")
    assert re.search(r"svg\.chart \.bar \{ fill: var\(--accent\); \}", css)
    assert re.search(r"svg\.chart text \{ fill: currentColor;", css)
    a11y = (ROOT / "static" / "css" / "a11y.css").read_text(encoding="utf-8")
    for scheme in ("black-on-white", "white-on-black", "blue-on-cyan"):
        assert re.search(rf"scheme-{scheme} \{{[^}}]*--accent:", a11y), scheme


def test_csv_is_excel_friendly_and_formula_safe() -> None:
    data = csv_bytes(
        [
            ["МО", "Итого"],
            ["=1+1", 3],
            ["+7 912", 0],
            ["-x", 1],
            ["@SUM(A1)", 2],
            ["\tTAB", 4],
            ['Кавычки "да"; точка с запятой', 5],
            ["57,1 %", 6],
        ]
    )
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [
        ["МО", "Итого"],
        ["'=1+1", "3"],
        ["'+7 912", "0"],
        ["'-x", "1"],
        ["'@SUM(A1)", "2"],
        ["'\tTAB", "4"],
        ['Кавычки "да"; точка с запятой', "5"],
        ["57,1 %", "6"],
    ]
    assert safe_cell(-5) == "-5"  # numbers stay numbers
    assert safe_cell("Итого") == "Итого"


def test_every_statistics_string_is_translated() -> None:
    from portal.domain.statistics import STEP_LABELS
    from portal.web.statistics import OVERDUE_COLUMNS, REPORTS, STEP_HEADS

    template = (ROOT / "portal" / "web" / "templates" / "statistics" / "page.html").read_text(
        encoding="utf-8"
    )
    source = (ROOT / "portal" / "web" / "statistics.py").read_text(encoding="utf-8")
    found = re.findall(r'_\("([^"]+)"\)', template + source)
    found += re.findall(r"_\('([^']+)'\)", template)
    found += [*REPORTS.values(), *STEP_LABELS.values(), *OVERDUE_COLUMNS, *STEP_HEADS.values()]
    assert len(found) > 40
    missing = sorted({s for s in found if s not in EN})
    assert not missing, missing
