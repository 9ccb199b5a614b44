"""Rules of an appeal that need no database: limits, number, the 59-FZ deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

from portal.errors import InvalidInput

MAX_TEXT = 2000
"""Characters of the question (seed 000)."""
MAX_TITLE = 200
MAX_ADDRESS = 300
MAX_FILES_BYTES = 20 * 1024 * 1024
"""All files of one appeal together (seed 000)."""
DEADLINE = timedelta(days=30)
"""59-FZ: the answer is due 30 days after registration ..."""
EXTENSION = timedelta(days=30)
"""... and an official may extend that once by 30 days."""


@dataclass(frozen=True, slots=True)
class AppealDraft:
    """What a citizen submits, checked before anything is stored."""

    topic_id: int
    municipality_id: int
    title: str
    address: str
    text: str
    consent: bool

    def validated(self) -> AppealDraft:
        title, address, text = self.title.strip(), self.address.strip(), self.text.strip()
        if not self.consent:
            raise InvalidInput(
                "Нужно согласие на обработку персональных данных.",
                en="Consent to personal-data processing is required.",
            )
        if not text:
            raise InvalidInput("Введите текст вопроса.", en="The question text is required.")
        if len(text) > MAX_TEXT:
            raise InvalidInput(
                f"Текст вопроса длиннее {MAX_TEXT} символов ({len(text)}).",
                en=f"The question is longer than {MAX_TEXT} characters ({len(text)}).",
            )
        if not title:
            raise InvalidInput("Введите заголовок.", en="The title is required.")
        if len(title) > MAX_TITLE:
            raise InvalidInput(
                f"Заголовок длиннее {MAX_TITLE} символов.",
                en=f"The title is over {MAX_TITLE} characters.",
            )
        if len(address) > MAX_ADDRESS:
            raise InvalidInput(
                f"Адрес длиннее {MAX_ADDRESS} символов.",
                en=f"The address is over {MAX_ADDRESS} characters.",
            )
        return AppealDraft(self.topic_id, self.municipality_id, title, address, text, consent=True)


def appeal_number(appeal_id: int, created_at: datetime) -> str:
    """Year and a zero-padded sequence: unique, sortable and easy to read out on the phone."""
    return f"{created_at.year}-{appeal_id:06d}"


def deadline_for(registered_at: datetime, extended: bool) -> datetime:
    return registered_at + DEADLINE + (EXTENSION if extended else timedelta())


@dataclass(frozen=True, slots=True)
class TimeLeft:
    """What the journals show: "9 дней 14 часов / до 25.01.2025", overdue marked."""

    days: int
    hours: int
    overdue: bool
    deadline: datetime

    @classmethod
    def until(cls, deadline: datetime, now: datetime) -> TimeLeft:
        delta = deadline - now
        overdue = delta < timedelta()
        seconds = int(abs(delta).total_seconds())
        return cls(seconds // 86400, seconds % 86400 // 3600, overdue, deadline)

    def text(self, lang: str = "ru", tz: tzinfo = UTC) -> str:
        """Seed 004: "9 дней 14 часов / до 25.01.2025"; once late, how late and the day
        the term ran out ("Просрочено на 2 дня 3 часа / срок истек 25.01.2025"), the date
        being the deadline's day in the reception's time zone `tz`."""
        date = self.deadline.astimezone(tz).strftime("%d.%m.%Y")
        if lang == "en":
            span = f"{self.days} d {self.hours} h"
            return f"Overdue by {span} / was due {date}" if self.overdue else f"{span} / by {date}"
        span = f"{self.days} {_plural(self.days, 'день', 'дня', 'дней')} "
        span += f"{self.hours} {_plural(self.hours, 'час', 'часа', 'часов')}"
        if self.overdue:
            return f"Просрочено на {span} / срок истек {date}"
        return f"{span} / до {date}"


def _plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


PLACEHOLDERS = ("ФИО", "номер", "дата")
"""What an answer template may say in braces: {ФИО}, {номер}, {дата}."""
ADDRESSEE = "заявитель"
"""{ФИО} of a citizen with no name on record: "Уважаемый(ая) заявитель!", not "Уважаемый(ая) !"."""


class Named(Protocol):
    surname: str
    name: str
    patronymic: str


def full_name(person: Named) -> str:
    """Surname, name, patronymic as written; "" when none is filled in (blanks count as none)."""
    parts = (person.surname, person.name, person.patronymic)
    return " ".join(p.strip() for p in parts if p.strip())


def fill_template(body: str, full_name: str, number: str, filed: datetime, tz: tzinfo = UTC) -> str:
    """Replace the known placeholders and leave every other brace as written, so an
    administrator's template can never break an answer. {дата} is the filing day as the
    citizen knew it: in the reception's time zone `tz`."""
    values = {
        "ФИО": full_name.strip() or ADDRESSEE,
        "номер": number,
        "дата": filed.astimezone(tz).strftime("%d.%m.%Y"),
    }
    for key, value in values.items():
        body = body.replace("{" + key + "}", value)
    return body
