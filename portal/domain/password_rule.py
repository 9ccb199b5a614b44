"""The password rule of SPEC §2: 8+ characters with lower- and upper-case letters and digits."""

from __future__ import annotations

MIN_LENGTH = 8
MAX_LENGTH = 128


def password_problems(password: str) -> list[str]:
    """What the password lacks, in the words shown to the user; empty when it is fine."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append("Пароль должен содержать не менее 8 символов.")
    if len(password) > MAX_LENGTH:
        problems.append("Пароль должен содержать не более 128 символов.")
    if not any(c.islower() for c in password):
        problems.append("Пароль должен содержать строчные буквы.")
    if not any(c.isupper() for c in password):
        problems.append("Пароль должен содержать заглавные буквы.")
    if not any(c.isdigit() for c in password):
        problems.append("Пароль должен содержать цифры.")
    return problems
