"""Words shown to people, in both languages of the portal.

Russian is the default; English is chosen per request (portal.http.i18n). Messages made
deep in the services (errors above all) carry both wordings, so whoever finally shows
them picks one without knowing where they came from.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"


@dataclass(frozen=True, slots=True)
class Text:
    """One message: its Russian and its English wording."""

    ru: str
    en: str

    def in_language(self, lang: str) -> str:
        return self.en if lang == "en" else self.ru
