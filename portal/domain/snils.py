"""SNILS (the pension insurance number): format and checksum.

The check number is the sum of the first nine digits weighted 9..1, taken modulo 101,
with 100 (and 101) written as 00. Numbers up to 001-001-998 carry no checksum.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D")
_NO_CHECKSUM_UP_TO = 1_001_998


def normalize_snils(value: str) -> str:
    """Only the digits: "112-233-445 95" -> "11223344595"."""
    return _DIGITS.sub("", value)


def format_snils(digits: str) -> str:
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def snils_checksum(nine_digits: str) -> int:
    total = sum(int(d) * w for d, w in zip(nine_digits, range(9, 0, -1), strict=True))
    return total % 101 % 100


def is_valid_snils(value: str) -> bool:
    digits = normalize_snils(value)
    if len(digits) != 11 or len(value.strip()) > 14:
        return False
    number, check = digits[:9], int(digits[9:])
    if int(number) <= _NO_CHECKSUM_UP_TO:
        return False
    return snils_checksum(number) == check
