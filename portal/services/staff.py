"""Staff accounts managed by an administrator."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.appeals_orm import Department
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.adapters.scope_orm import StaffDepartment
from portal.domain.contacts import is_valid_email, normalize_email
from portal.domain.password_rule import password_problems
from portal.domain.roles import STAFF_ROLES, Role
from portal.errors import FormErrors, InvalidInput, NotFound
from portal.services.audit import record_access
from portal.text import Text

log = logging.getLogger(__name__)
LOGIN_MAX = 64
PASSWORD_RESET = "сброс пароля сотрудника администратором"
PASSWORD_SET = "новый пароль сотрудника задан администратором"
_TEMPORARY_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class StaffForm:
    login: str
    surname: str
    name: str
    patronymic: str
    email: str
    roles: frozenset[Role]
    is_active: bool
    password: str
    """Empty when editing and the password stays."""
    department_ids: frozenset[int] = frozenset()
    """The departments a department officer works for; none: the responsible office that
    routes new appeals and sees them all (`portal.services.appeals.visible_to`)."""


def _validate(form: StaffForm, creating: bool) -> dict[str, list[Text]]:
    errors: dict[str, list[Text]] = {}
    login = form.login.strip()
    if not login or len(login) > LOGIN_MAX or any(c.isspace() for c in login):
        errors["login"] = [
            Text(
                "Логин: от 1 до 64 символов без пробелов.",
                "Login: 1 to 64 characters without spaces.",
            )
        ]
    if not form.surname.strip() or not form.name.strip():
        errors["name"] = [Text("Укажите фамилию и имя.", "Enter the surname and name.")]
    if form.email.strip() and not is_valid_email(normalize_email(form.email)):
        errors["email"] = [
            Text("Адрес электронной почты указан неверно.", "The e-mail address is wrong.")
        ]
    if not form.roles or not form.roles <= STAFF_ROLES:
        errors["roles"] = [
            Text("Выберите хотя бы одну роль сотрудника.", "Choose at least one staff role.")
        ]
    if (creating or form.password) and (problems := password_problems(form.password)):
        errors["password"] = problems
    return errors


async def list_staff(db: Database) -> list[User]:
    async with db.session() as session:
        rows = await session.execute(
            select(User).where(User.login.is_not(None)).order_by(User.surname, User.login)
        )
        return list(rows.scalars())


async def get_staff(db: Database, user_id: int) -> User:
    async with db.session() as session:
        user = await session.get(User, user_id)
    if user is None or user.login is None:
        raise NotFound("Сотрудник не найден.", en="Staff member not found.")
    return user


async def _clash(db: Database, login: str, email: str | None, user_id: int | None) -> None:
    async with db.session() as session:
        taken = await session.execute(select(User.id).where(User.login == login))
        if any(uid != user_id for (uid,) in taken):
            raise FormErrors({"login": [Text("Этот логин уже занят.", "This login is taken.")]})
        if email:
            taken = await session.execute(select(User.id).where(User.email == email))
            if any(uid != user_id for (uid,) in taken):
                raise FormErrors(
                    {
                        "email": [
                            Text("Этот адрес уже используется.", "This address is already in use.")
                        ]
                    }
                )


async def save_staff(db: Database, form: StaffForm, user_id: int | None, actor: User) -> User:
    """Create (user_id None) or update a staff account. An administrator cannot take the
    admin role from, or block, their own account: the portal must keep an administrator."""
    if errors := _validate(form, creating=user_id is None):
        raise FormErrors(errors)
    login = form.login.strip()
    email = normalize_email(form.email) or None
    if user_id == actor.id and (Role.ADMIN not in form.roles or not form.is_active):
        raise FormErrors(
            {
                "roles": [
                    Text(
                        "Нельзя снять с себя роль администратора или заблокировать себя.",
                        "You cannot take the administrator role from yourself or block yourself.",
                    )
                ]
            }
        )
    await _clash(db, login, email, user_id)
    async with db.session() as session, session.begin():
        await _check_departments(session, form.department_ids)
        if user_id is None:
            user = User(password_hash="")
            session.add(user)
        else:
            found = await session.get(User, user_id)
            if found is None or found.login is None:
                raise NotFound("Сотрудник не найден.", en="Staff member not found.")
            user = found
        user.login = login
        user.email = email
        user.surname, user.name = form.surname.strip(), form.name.strip()
        user.patronymic = form.patronymic.strip()
        user.roles = sorted(r.value for r in form.roles)
        if user.is_active != form.is_active or form.password:
            user.session_epoch = (user.session_epoch or 0) + 1
        user.is_active = form.is_active
        if form.password:
            user.password_hash = hash_password(form.password)
            if user_id is not None:
                await record_access(session, actor, user_id, PASSWORD_SET)
        await session.flush()
        tied = form.department_ids if Role.DEPARTMENT in form.roles else frozenset()
        await tie_departments(session, user.id, tied)
    log.info("staff account saved", extra={"staff_id": user.id, "by": actor.id})
    return user


async def _check_departments(session: AsyncSession, department_ids: frozenset[int]) -> None:
    if not department_ids:
        return
    found = await session.execute(select(Department.id).where(Department.id.in_(department_ids)))
    if set(found.scalars()) != department_ids:
        raise FormErrors(
            {
                "departments": [
                    Text("Выберите ведомства из списка.", "Choose departments from the list.")
                ]
            }
        )


async def tie_departments(
    session: AsyncSession, user_id: int, department_ids: Iterable[int]
) -> None:
    """Replace the departments a staff account works for (none: the responsible office)."""
    await session.execute(delete(StaffDepartment).where(StaffDepartment.user_id == user_id))
    for department_id in sorted(set(department_ids)):
        session.add(StaffDepartment(user_id=user_id, department_id=department_id))


async def set_departments(db: Database, user_id: int, department_ids: Iterable[int]) -> None:
    async with db.session() as session, session.begin():
        await tie_departments(session, user_id, department_ids)


async def departments_of(session: AsyncSession, user_id: int) -> list[int]:
    rows = await session.execute(
        select(StaffDepartment.department_id).where(StaffDepartment.user_id == user_id)
    )
    return sorted(rows.scalars())


async def departments_by_staff(db: Database) -> dict[int, list[int]]:
    """Every staff account's departments at once, for the staff list."""
    tied: dict[int, list[int]] = {}
    async with db.session() as session:
        rows = await session.execute(
            select(StaffDepartment.user_id, StaffDepartment.department_id).order_by(
                StaffDepartment.user_id, StaffDepartment.department_id
            )
        )
        for user_id, department_id in rows:
            tied.setdefault(user_id, []).append(department_id)
    return tied


async def staff_departments(db: Database, user_id: int) -> list[int]:
    async with db.session() as session:
        return await departments_of(session, user_id)


def temporary_password() -> str:
    """Twelve characters that meet the password rule, without look-alikes (0/O, 1/l/I)
    since it is read out or copied by hand."""
    while True:
        candidate = "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(12))
        if not password_problems(candidate):
            return candidate


async def reset_staff_password(
    db: Database, staff_id: int, actor: User, now: datetime
) -> tuple[User, str]:
    """Give a staff member a new temporary password; returns it for the administrator to
    hand over. Staff cannot reset by e-mail (a mailbox alone must not open staff powers),
    so this is their way back in. Every session of the account ends, and the reset is
    written to the audit log."""
    if staff_id == actor.id:
        raise InvalidInput(
            "Свой пароль меняйте в настройках.", en="Change your own password in the settings."
        )
    temporary = temporary_password()
    async with db.session() as session, session.begin():
        user = await session.get(User, staff_id)
        if user is None or user.login is None:
            raise NotFound("Сотрудник не найден.", en="Staff member not found.")
        user.password_hash = hash_password(temporary)
        user.session_epoch = (user.session_epoch or 0) + 1
        await record_access(session, actor, user.id, PASSWORD_RESET, now)
    log.info("staff password reset", extra={"staff_id": staff_id, "by": actor.id})
    return user, temporary


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Roles from form values; unknown ones are ignored (and then fail validation)."""
    known = {r.value: r for r in STAFF_ROLES}
    return frozenset(known[v] for v in values if v in known)
