"""The letters of the account flows (activation, password reset, a registration attempt
with a taken address or phone), in Russian."""

from __future__ import annotations

from datetime import datetime

from portal.adapters.mail import Mailer
from portal.adapters.orm import User
from portal.services.accounts import Letter, RegistrationOutcome
from portal.services.links import LinkPurpose, make_link_token

SIGNATURE = "\n\nИнтерактивная приемная\n"


def greeting(user: User) -> str:
    """«Здравствуйте, Мария!», or without a name for an account that has none (an
    administrator made from the command line), never «Здравствуйте, !»."""
    name = user.name.strip()
    return f"Здравствуйте, {name}!" if name else "Здравствуйте!"


async def send_activation(mailer: Mailer, user: User, link: str) -> None:
    assert user.email is not None
    await mailer.send(
        user.email,
        "Подтверждение регистрации в Интерактивной приемной",
        f"{greeting(user)}\n\n"
        "Для активации Личного кабинета перейдите по ссылке:\n"
        f"{link}\n\n"
        "Ссылка действует трое суток. Если вы не регистрировались, не отвечайте на это "
        "письмо." + SIGNATURE,
    )


async def send_password_reset(mailer: Mailer, user: User, link: str) -> None:
    assert user.email is not None
    await mailer.send(
        user.email,
        "Сброс пароля в Интерактивной приемной",
        f"{greeting(user)}\n\n"
        "Чтобы задать новый пароль, перейдите по ссылке:\n"
        f"{link}\n\n"
        "Ссылка действует 1 час. Если вы не запрашивали сброс пароля, не отвечайте на это "
        "письмо: пароль останется прежним." + SIGNATURE,
    )


async def _send_attempt_notice(mailer: Mailer, user: User, letter: Letter, base_url: str) -> None:
    assert user.email is not None
    what = (
        "с вашим адресом электронной почты"
        if letter is Letter.ADDRESS_TAKEN
        else "с номером телефона из вашей учетной записи"
    )
    if user.login is not None:
        advice = (
            "Этот адрес принадлежит учетной записи сотрудника. Если это были вы, войдите "
            f"через вход для сотрудников: {base_url}/staff/login\n"
            "Для обращений как гражданин укажите при регистрации другой адрес."
        )
    else:
        advice = (
            f"Если это были вы, войдите в Личный кабинет: {base_url}/login\n"
            f"Если вы не помните пароль, восстановите его: {base_url}/password-reset"
        )
    await mailer.send(
        user.email,
        "Попытка регистрации в Интерактивной приемной",
        f"{greeting(user)}\n\n"
        f"Кто-то попытался зарегистрироваться в Интерактивной приемной {what}. "
        "Ваша учетная запись уже есть, в ней ничего не изменилось.\n\n"
        f"{advice}\n\n"
        "Если это были не вы, ничего делать не нужно." + SIGNATURE,
    )


async def send_registration_letter(
    mailer: Mailer, outcome: RegistrationOutcome, link_key: str, base_url: str, now: datetime
) -> None:
    """The one letter a registration sends (see accounts.register_citizen); links start
    with the configured public URL."""
    user, letter = outcome.recipient, outcome.letter
    if user is None or letter is None or user.email is None:
        return
    if letter is Letter.ACTIVATION:
        token = make_link_token(link_key, LinkPurpose.ACTIVATE, user, now)
        await send_activation(mailer, user, f"{base_url}/activate?token={token}")
    else:
        await _send_attempt_notice(mailer, user, letter, base_url)
