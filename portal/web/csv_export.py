"""Tables as CSV files that Excel opens right, and that cannot run as formulas.

- UTF-8 with a byte order mark: without it Excel reads the file in the system's ANSI code
  page and Cyrillic turns into mojibake.
- `;` between cells: Russian Excel (and LibreOffice in a Russian locale) uses the comma as
  the decimal separator and therefore `;` as the list separator, so a double-click opens
  the file already split into columns; the shares in the tables ("57,1 %") keep their
  comma too.
- CSV injection (formula injection): a cell beginning with `=`, `+`, `-` or `@` (or a tab
  or carriage return, which Excel skips before looking) is prefixed with `'`, so a name
  like "=HYPERLINK(…)" is shown as text, never run. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

BOM = "\ufeff"
DELIMITER = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str | int) -> str:
    """A cell's text; text that a spreadsheet would take for a formula gets a leading '."""
    if isinstance(value, int):
        return str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_bytes(rows: Iterable[Sequence[str | int]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return (BOM + buffer.getvalue()).encode("utf-8")
