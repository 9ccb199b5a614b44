"""PDFs keep Cyrillic text extractable and carry embedded files."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from portal.adapters import pdf


def test_cyrillic_survives_and_files_are_embedded() -> None:
    body = pdf.render(
        pdf.Document(
            "Ответ на заявку № 2025-000007",
            [
                pdf.Section("Заявка", [("Заявитель", "Щукина Ёлка Юрьевна")]),
                pdf.Section(
                    "Ответ",
                    text="Уважаемая Ёлка Юрьевна! Ваш вопрос о ремонте подъезда решён. " * 80,
                ),
                pdf.Section(
                    "Очень длинное название ведомства-исполнителя по вопросам ЖКХ",
                    [("Министерство строительства и жилищно-коммунального хозяйства", "№ 15")],
                ),
            ],
            files=[pdf.EmbeddedFile("справка.txt", "Справка".encode(), "text/plain")],
            created=datetime(2025, 1, 2, tzinfo=UTC),
        )
    )
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2
    assert "Ответ на заявку № 2025-000007" in text
    assert "Щукина Ёлка Юрьевна" in text
    assert "ремонте подъезда решён" in text
    assert "Министерство строительства" in text
    assert reader.attachments["справка.txt"] == ["Справка".encode()]
