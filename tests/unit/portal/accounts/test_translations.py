"""Every Russian string of the account pages has an English translation."""

from __future__ import annotations

import re
from pathlib import Path

from portal.http.i18n import EN, translator

TEMPLATES = Path(__file__).resolve().parents[4] / "portal" / "web" / "templates"
AREAS = ["base.html", "error.html", "a11y.html", "accounts", "staff", "admin"]
PATTERNS = [
    re.compile(r'_\("([^"]+)"\)'),
    re.compile(r"_\('([^']+)'\)"),
    re.compile(r'field\("\w+", "([^"]+)"'),
    re.compile(r'hint="([^"]+)"'),
]


def _templates() -> list[Path]:
    found: list[Path] = []
    for area in AREAS:
        path = TEMPLATES / area
        found += sorted(path.glob("*.html")) if path.is_dir() else [path]
    return found


def test_every_template_string_is_translated() -> None:
    missing = []
    checked = 0
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for pattern in PATTERNS:
            for russian in pattern.findall(text):
                checked += 1
                if russian not in EN:
                    missing.append(f"{path.name}: {russian}")
    assert checked > 100
    assert not missing, missing


def test_server_messages_are_translated() -> None:
    from portal.domain.password_rule import password_problems
    from portal.domain.profile import REQUIRED_FIELDS
    from portal.web.labels import ROLE_LABELS

    english = translator("en")
    for label in ROLE_LABELS.values():
        assert english(label) != label, label
    for text in [*password_problems(""), *REQUIRED_FIELDS.values()]:
        assert english(text) == text.en != text.ru, text
