"""The letters of the account flows (activation, password reset), in Russian."""

from __future__ import annotations

from portal.adapters.mail import Mailer
from portal.adapters.orm import User

SIGNATURE = "\n\nИнтерактивная приемная\n"


async def send_activation(mailer: Mailer, user: User, link: str) -> None:
    assert user.email is not None
    await mailer.send(
        user.email,
        "Подтверждение регистрации в Интерактивной приемной",
        f"Здравствуйте, {user.name}!\n\n"
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
        f"Здравствуйте, {user.name}!\n\n"
        "Чтобы задать новый пароль, перейдите по ссылке:\n"
        f"{link}\n\n"
        "Ссылка действует 1 час. Если вы не запрашивали сброс пароля, не отвечайте на это "
        "письмо: пароль останется прежним." + SIGNATURE,
    )
