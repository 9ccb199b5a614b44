"""Printable PDFs (an appeal, an answer) with Cyrillic text and embedded files.

fpdf2's core fonts are Latin-1 only; the vendored DejaVu Sans (fonts/LICENSE.txt) carries
Cyrillic, and embedding a TrueType subset keeps the text extractable and searchable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONTS = Path(__file__).with_name("fonts")
_FAMILY = "DejaVu"
_LABEL_WIDTH = 55


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    fields: Sequence[tuple[str, str]] = ()
    """Label and value pairs, one per line."""
    text: str = ""
    """Free text after the fields (the question, the answer)."""


@dataclass(frozen=True, slots=True)
class EmbeddedFile:
    name: str
    data: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    sections: Sequence[Section]
    files: Sequence[EmbeddedFile] = field(default_factory=tuple)
    """Carried inside the PDF, so the answer and its files travel as one document."""
    created: datetime | None = None


def render(document: Document) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creator("Interactive Reception")
    pdf.set_title(document.title)
    if document.created:
        pdf.set_creation_date(document.created)
    pdf.add_font(_FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(_FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(_FAMILY, "B", 15)
    _line(pdf, document.title, 8)
    pdf.ln(2)
    for section in document.sections:
        pdf.set_font(_FAMILY, "B", 12)
        _line(pdf, section.heading, 7)
        for label, value in section.fields:
            pdf.set_font(_FAMILY, "B", 10)
            if pdf.get_string_width(label) < _LABEL_WIDTH - 2:
                pdf.cell(_LABEL_WIDTH, 6, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
            else:
                _line(pdf, label, 6)
            pdf.set_font(_FAMILY, "", 10)
            _line(pdf, value or "—", 6)
        if section.text:
            pdf.set_font(_FAMILY, "", 10)
            _line(pdf, section.text, 5.5)
        pdf.ln(3)
    for item in document.files:
        pdf.embed_file(
            bytes=item.data,
            basename=item.name,
            mime_type=item.content_type.split(";")[0],
            modification_date=document.created,
        )
    return bytes(pdf.output())


def _line(pdf: FPDF, text: str, height: float) -> None:
    pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
