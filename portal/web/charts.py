"""Bar charts drawn on the server as inline SVG, for «Статистика».

No script and no image file: the chart is part of the page, so it prints, works without
JavaScript and follows the page's colours. Bars are filled with `currentColor` (and, from
statistics.css, with `var(--accent)`), text with `currentColor`: the low-vision colour
schemes of a11y.css («Версия для слабовидящих») set those variables and the text colour,
so every scheme keeps bars and numbers in its own contrasting colours.

Sizes are in `em` down the page and in `%` across it: a larger font of the low-vision
settings makes the rows taller, never makes text overlap the bars, and the chart always
fits the width of the page. Each chart is `role="img"` with a title and a description that
lists the numbers; the page puts the same numbers in a table under it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
BAR_SHARE = 80.0
"""Of the width, for the longest bar; the rest is room for its number."""
ROW = 2.6
"""em per row of a horizontal chart: the label line, then the bar."""
PLOT = 10.0
"""em: the height of the tallest column."""
MAX_LABELS = 10
"""Columns labelled under a time chart at most (every k-th one): wider text would overlap."""
MAX_DESCRIBED = 62
"""A description lists every value up to this many bars, then only sums up."""


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    short: str = ""
    """Under a column, where room is scarce (the full label goes to the tooltip)."""


def _num(value: float) -> str:
    """A length without float noise: 12.5, 80, 0.35."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def _frame(chart_id: str, title: str, description: str, height: float, kind: str) -> str:
    ident = escape(chart_id)
    return (
        f'<svg xmlns="{SVG_NS}" class="chart chart-{kind}" id="{ident}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" width="100%" height="{_num(height)}em">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
    )


def describe(bars: Sequence[Bar], summary: str) -> str:
    """ "Новая — 3; В работе — 1." for up to MAX_DESCRIBED bars; beyond that (a screen
    reader would read for minutes) the caller's `summary`, which points to the table."""
    if len(bars) <= MAX_DESCRIBED or not summary:
        return "; ".join(f"{b.label} — {b.value}" for b in bars) + "."
    return summary


def horizontal_bars(
    chart_id: str, title: str, bars: Sequence[Bar], *, empty: str, summary: str = ""
) -> Markup:
    """One row per bar: its label on a line of its own (any length fits), the bar under it
    scaled to the largest value, the number right after the bar."""
    if not bars:
        return _empty(chart_id, title, empty)
    top = max(b.value for b in bars) or 1
    parts = [_frame(chart_id, title, describe(bars, summary), ROW * len(bars) + 0.4, "bars")]
    for index, bar in enumerate(bars):
        y = ROW * index
        width = BAR_SHARE * bar.value / top
        parts.append(
            f'<g class="row"><text class="label" x="0" y="{_num(y + 1.05)}em">'
            f"{escape(bar.label)}</text>"
            f'<rect class="bar" fill="currentColor" x="0" y="{_num(y + 1.35)}em" '
            f'width="{_num(max(width, 0.3))}%" height="1em"><title>'
            f"{escape(bar.label)}: {bar.value}</title></rect>"
            f'<text class="value" x="{_num(width + 1)}%" y="{_num(y + 2.2)}em">'
            f"{bar.value}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(
    chart_id: str, title: str, bars: Sequence[Bar], *, empty: str, summary: str = ""
) -> Markup:
    """Columns left to right (a time series): values above, short labels below, both on
    every k-th column only when there are more than MAX_LABELS (the table lists all)."""
    if not bars:
        return _empty(chart_id, title, empty)
    top = max(b.value for b in bars) or 1
    slot = 100.0 / len(bars)
    every = max(1, math.ceil(len(bars) / MAX_LABELS))
    base = PLOT + 1.6
    parts = [_frame(chart_id, title, describe(bars, summary), base + 2.0, "columns")]
    parts.append(
        f'<line class="axis" x1="0" x2="100%" y1="{_num(base)}em" y2="{_num(base)}em" '
        'stroke="currentColor" stroke-width="1"/>'
    )
    for index, bar in enumerate(bars):
        height = PLOT * bar.value / top
        left = slot * index + slot * 0.15
        middle = slot * (index + 0.5)
        parts.append(
            f'<g class="column"><rect class="bar" fill="currentColor" x="{_num(left)}%" '
            f'y="{_num(base - height)}em" width="{_num(slot * 0.7)}%" '
            f'height="{_num(height)}em"><title>{escape(bar.label)}: {bar.value}</title></rect>'
        )
        if index % every == 0:
            parts.append(
                f'<text class="value" text-anchor="middle" x="{_num(middle)}%" '
                f'y="{_num(base - height - 0.3)}em">{bar.value}</text>'
                f'<text class="label" text-anchor="middle" x="{_num(middle)}%" '
                f'y="{_num(base + 1.3)}em">{escape(bar.short or bar.label)}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _empty(chart_id: str, title: str, empty: str) -> Markup:
    return Markup(
        _frame(chart_id, title, empty, 2.0, "empty")
        + f'<text class="label" x="0" y="1.3em">{escape(empty)}</text></svg>'
    )
