"""How the audit page words what a staff member saw. Records keep a short stored wording
(older ones in English); the page shows it in the reader's language."""

from __future__ import annotations

import re

from portal.text import Text

_LABELS: list[tuple[re.Pattern[str], Text]] = [
    (re.compile(r"^file of (?P<n>.+)$"), Text("Файл заявки {n}", "File of appeal {n}")),
    (re.compile(r"^archive of (?P<n>.+)$"), Text("Архив заявки {n}", "Archive of appeal {n}")),
    (re.compile(r"^pdf of (?P<n>.+)$"), Text("PDF заявки {n}", "PDF of appeal {n}")),
    (re.compile(r"^appeal (?P<n>.+)$"), Text("Заявка {n}", "Appeal {n}")),
    (re.compile(r"^профиль гражданина$"), Text("Профиль гражданина", "Citizen profile")),
]


def audit_label(what: str) -> Text | str:
    """The bilingual wording of a stored record; an unknown one is shown as stored."""
    for pattern, label in _LABELS:
        match = pattern.match(what)
        if match:
            values = match.groupdict()
            return Text(label.ru.format(**values), label.en.format(**values))
    return what
