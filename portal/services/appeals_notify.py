"""E-mail about appeals: to the citizen on a change they can see, to subscribed staff on a
new appeal. Messages are collected during a transaction and sent after it commits, so a
refused change never mails anyone and a mail server outage never loses an appeal."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.appeals_orm import Appeal
from portal.adapters.orm import User
from portal.adapters.scope_orm import StaffDepartment
from portal.domain.appeals import full_name
from portal.domain.local_time import format_local
from portal.domain.roles import Role
from portal.domain.status import CITIZEN_LABELS, Status, citizen_status

log = logging.getLogger(__name__)


class MailSender(Protocol):
    async def send(self, to: str, subject: str, text: str, html: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Letter:
    to: str
    subject: str
    text: str


class Outgoing:
    """Letters of one unit of work; `deliver()` after the commit."""

    def __init__(self) -> None:
        self.letters: list[Letter] = []

    def add(self, letter: Letter | None) -> None:
        if letter is not None:
            self.letters.append(letter)

    async def deliver(self, mailer: MailSender | None) -> None:
        if mailer is None:
            return
        for letter in self.letters:
            try:
                await mailer.send(letter.to, letter.subject, letter.text)
            except Exception:
                # The change is committed; a mail outage must not turn it into an error page.
                log.exception("could not send a notification", extra={"subject": letter.subject})
        self.letters.clear()


def status_letter(
    appeal: Appeal, citizen: User, source: Status, target: Status, link: str, answer: str = ""
) -> Letter | None:
    """The citizen's letter for a status change, or None when they would see no change
    (recommended looks like in work to them) or asked for no such mail."""
    if citizen_status(source) == citizen_status(target):
        return None
    if not citizen.notify_status or not citizen.email:
        return None
    label = CITIZEN_LABELS[target]
    text = (
        f"{greeting(citizen)}\n\n"
        f"Статус вашей заявки № {appeal.number} «{appeal.title}» изменился: «{label}».\n"
    )
    if answer:
        text += f"\nОтвет на заявку:\n\n{answer}\n\n"
        text += f"Ответ в PDF с приложенными файлами: {link}/answer.pdf\n"
    text += f"\nЗаявка: {link}\n\nИнтерактивная приемная"
    return Letter(citizen.email, f"Заявка № {appeal.number}: {label}", text)


def extension_letter(appeal: Appeal, citizen: User, link: str, tz: tzinfo = UTC) -> Letter | None:
    """59-FZ: the citizen is told when the deadline moves, whatever their mail settings."""
    if not citizen.email:
        return None
    text = (
        f"{greeting(citizen)}\n\n"
        f"Срок рассмотрения вашей заявки № {appeal.number} продлен на 30 дней, "
        f"до {format_local(appeal.deadline_at, tz, '%d.%m.%Y')}.\n\n"
        f"Заявка: {link}\n\nИнтерактивная приемная"
    )
    return Letter(citizen.email, f"Заявка № {appeal.number}: срок рассмотрения продлен", text)


async def new_appeal_letters(session: AsyncSession, appeal: Appeal, link: str) -> list[Letter]:
    """One letter per staff member subscribed to new appeals who may open it: a new appeal
    is seen only by the responsible office (department officers tied to no department)."""
    tied = select(StaffDepartment.user_id).where(StaffDepartment.user_id == User.id)
    rows = await session.execute(
        select(User).where(
            User.notify_new_appeals.is_(True), User.is_active.is_(True), ~tied.exists()
        )
    )
    return [
        Letter(user.email, f"Новая заявка № {appeal.number}", _new_appeal_text(user, appeal, link))
        for user in rows.scalars()
        if user.email and user.has_role(Role.DEPARTMENT)
    ]


def _new_appeal_text(user: User, appeal: Appeal, link: str) -> str:
    return (
        f"{greeting(user)}\n\n"
        f"Поступила новая заявка № {appeal.number} «{appeal.title}».\n\n{link}\n\n"
        "Интерактивная приемная"
    )


def greeting(person: User) -> str:
    """ "Здравствуйте, Иванова Мария Петровна!" — or a plain "Здравствуйте!" when the account
    has no name (a staff login, an identity-provider account without one): never a comma
    before an empty name, never a login or an e-mail address as a name."""
    name = full_name(person)
    return f"Здравствуйте, {name}!" if name else "Здравствуйте!"
