"""Profile completeness: a citizen may file an appeal only with a complete profile (seed 002)."""

from __future__ import annotations

from typing import Protocol

from portal.domain.snils import is_valid_snils
from portal.text import Text

REQUIRED_FIELDS: dict[str, Text] = {
    "surname": Text("Фамилия", "Surname"),
    "name": Text("Имя", "Name"),
    "email": Text("Электронная почта", "E-mail"),
    "phone": Text("Мобильный телефон", "Mobile phone"),
    "birth_date": Text("Дата рождения", "Date of birth"),
    "postal_index": Text("Индекс", "Postal code"),
    "region": Text("Регион", "Region"),
    "city": Text("Населенный пункт", "City or town"),
    "street": Text("Улица", "Street"),
    "house": Text("Дом", "House"),
    "snils": Text("СНИЛС", "SNILS"),
}
"""Field -> its label; district, building, flat and patronymic may be empty."""


class ProfileLike(Protocol):
    """The profile fields the rule reads (the User model has them)."""

    surname: str
    name: str
    email: str | None
    phone: str | None
    postal_index: str
    region: str
    city: str
    street: str
    house: str
    snils: str | None

    @property
    def birth_date(self) -> object: ...


def missing_fields(user: ProfileLike) -> list[Text]:
    """Labels of what is still missing or invalid, in form order."""
    missing = [
        label
        for field, label in REQUIRED_FIELDS.items()
        if field != "snils" and not getattr(user, field)
    ]
    if not (user.snils and is_valid_snils(user.snils)):
        missing.append(REQUIRED_FIELDS["snils"])
    return missing


def profile_complete(user: ProfileLike) -> bool:
    return not missing_fields(user)
