"""Every Russian string of the recording pages, and every label they show, has an English
translation."""

from __future__ import annotations

import re
from pathlib import Path

from portal.domain.recordings import STATE_LABELS
from portal.http.i18n import EN
from portal.services.recordings_composed import KIND_LABELS, MEDIA_LABELS, STAGE_LABELS
from portal.services.recordings_progress import Progress

TEMPLATES = Path(__file__).resolve().parents[4] / "portal" / "web" / "templates"
PAGES = ["receptions/_recordings.html", "receptions/recording.html", "recordings/*.html"]
PATTERNS = [re.compile(r'_\("([^"]+)"\)'), re.compile(r"_\('([^']+)'\)")]


def test_every_template_string_is_translated() -> None:
    strings = {
        russian
        for page in PAGES
        for path in TEMPLATES.glob(page)
        for pattern in PATTERNS
        for russian in pattern.findall(path.read_text(encoding="utf-8"))
    }
    assert len(strings) > 30
    assert sorted(s for s in strings if s not in EN) == []


def test_every_label_is_translated() -> None:
    labels = [
        *STATE_LABELS.values(),
        *STAGE_LABELS.values(),
        *KIND_LABELS.values(),
        *MEDIA_LABELS.values(),
        Progress(1, None, 0.0).label,
    ]
    assert sorted(label for label in labels if label not in EN) == []
