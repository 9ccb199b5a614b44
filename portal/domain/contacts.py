"""E-mail addresses and phone numbers as the portal stores them."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
_NON_DIGITS = re.compile(r"\D")


def normalize_email(value: str) -> str:
    return value.strip().lower()


def is_valid_email(value: str) -> bool:
    return len(value) <= 254 and bool(_EMAIL.match(value))


def normalize_phone(value: str) -> str | None:
    """ "+7 (912) 345-67-89" or "89123456789" -> "+79123456789"; None when not a number."""
    digits = _NON_DIGITS.sub("", value)
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    if len(digits) == 10 and digits.startswith("9"):
        digits = "7" + digits
    if not 11 <= len(digits) <= 15:
        return None
    return "+" + digits


def looks_like_phone(value: str) -> bool:
    """A sign-in identifier without "@" that is a phone number."""
    return "@" not in value and normalize_phone(value) is not None
