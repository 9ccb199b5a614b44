"""Profile completeness: a citizen may file an appeal only with a complete profile (seed 002)."""

from __future__ import annotations

from typing import Protocol

from portal.domain.snils import is_valid_snils

REQUIRED_FIELDS: dict[str, str] = {
    "surname": "Фамилия",
    "name": "Имя",
    "email": "Электронная почта",
    "phone": "Мобильный телефон",
    "birth_date": "Дата рождения",
    "postal_index": "Индекс",
    "region": "Регион",
    "city": "Населенный пункт",
    "street": "Улица",
    "house": "Дом",
    "snils": "СНИЛС",
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


def missing_fields(user: ProfileLike) -> list[str]:
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
