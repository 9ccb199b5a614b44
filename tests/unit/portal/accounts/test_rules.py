"""Pure account rules: SNILS checksum, password rule, contacts, profile completeness."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.contacts import is_valid_email, looks_like_phone, normalize_phone
from portal.domain.password_rule import password_problems
from portal.domain.profile import REQUIRED_FIELDS, missing_fields, profile_complete
from portal.domain.snils import format_snils, is_valid_snils, snils_checksum


@pytest.mark.parametrize(
    ("snils", "valid"),
    [
        ("112-233-445 95", True),
        ("11223344595", True),
        ("112-233-445 94", False),
        ("087-654-303 00", True),  # sum 303 % 101 = 0 -> "00"
        ("001-001-998 00", False),  # numbers this low carry no checksum
        ("112-233-445", False),
        ("1122334459a", False),
        ("", False),
    ],
)
def test_snils_checksum(snils: str, valid: bool) -> None:
    assert is_valid_snils(snils) is valid


@given(st.integers(min_value=1_001_999, max_value=999_999_999))
def test_every_number_with_its_checksum_is_valid_and_no_other(number: int) -> None:
    digits = f"{number:09d}"
    check = snils_checksum(digits)
    assert is_valid_snils(format_snils(f"{digits}{check:02d}"))
    assert not is_valid_snils(f"{digits}{(check + 1) % 100:02d}")


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("Secret123", 0),
        ("secret123", 1),
        ("SECRET123", 1),
        ("SecretSecret", 1),
        ("Se1", 1),
        ("", 4),
        ("Пароль123", 0),
    ],
)
def test_password_rule(password: str, problems: int) -> None:
    assert len(password_problems(password)) == problems


def test_phone_normalisation() -> None:
    assert normalize_phone("8 (912) 345-67-89") == "+79123456789"
    assert normalize_phone("+7 912 345 67 89") == "+79123456789"
    assert normalize_phone("9123456789") == "+79123456789"
    assert normalize_phone("12345") is None
    assert looks_like_phone("+7 912 345-67-89")
    assert not looks_like_phone("user@example.ru")


def test_email_shape() -> None:
    assert is_valid_email("ivanov@mail.ru")
    assert not is_valid_email("ivanov@mail")
    assert not is_valid_email("ivanov mail.ru")


def _profile(**changes: object) -> SimpleNamespace:
    fields: dict[str, object] = {
        "surname": "Иванов",
        "name": "Иван",
        "email": "i@example.ru",
        "phone": "+79123456789",
        "birth_date": date(1980, 1, 1),
        "postal_index": "620000",
        "region": "Свердловская область",
        "city": "Екатеринбург",
        "street": "Ленина",
        "house": "1",
        "snils": "112-233-445 95",
    }
    return SimpleNamespace(**(fields | changes))


def test_profile_completeness_needs_every_required_field_and_a_valid_snils() -> None:
    assert profile_complete(_profile())  # type: ignore[arg-type]
    missing = missing_fields(_profile(house="", snils=None))  # type: ignore[arg-type]
    assert [label.ru for label in missing] == ["Дом", "СНИЛС"]
    assert missing_fields(_profile(snils="112-233-445 96")) == [REQUIRED_FIELDS["snils"]]  # type: ignore[arg-type]
