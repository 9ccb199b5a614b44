"""The password rule of SPEC §2: 8+ characters with lower- and upper-case letters and digits."""

from __future__ import annotations

from portal.text import Text

MIN_LENGTH = 8
MAX_LENGTH = 128
PASSWORDS_DIFFER = Text("Пароли не совпадают.", "The passwords differ.")


def password_problems(password: str) -> list[Text]:
    """What the password lacks, in the words shown to the user; empty when it is fine."""
    problems: list[Text] = []
    if len(password) < MIN_LENGTH:
        problems.append(
            Text(
                "Пароль должен содержать не менее 8 символов.",
                "The password needs at least 8 characters.",
            )
        )
    if len(password) > MAX_LENGTH:
        problems.append(
            Text(
                "Пароль должен содержать не более 128 символов.",
                "The password may have at most 128 characters.",
            )
        )
    if not any(c.islower() for c in password):
        problems.append(
            Text(
                "Пароль должен содержать строчные буквы.", "The password needs lower-case letters."
            )
        )
    if not any(c.isupper() for c in password):
        problems.append(
            Text(
                "Пароль должен содержать заглавные буквы.", "The password needs upper-case letters."
            )
        )
    if not any(c.isdigit() for c in password):
        problems.append(Text("Пароль должен содержать цифры.", "The password needs digits."))
    return problems
