"""Sign-in with slowing down of failures, and the password-reset flow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password, verify_password
from portal.domain.contacts import looks_like_phone, normalize_email, normalize_phone
from portal.domain.password_rule import PASSWORDS_DIFFER, password_problems
from portal.domain.roles import STAFF_ROLES, Role
from portal.errors import FormErrors, InvalidInput
from portal.services import throttle
from portal.services.links import LinkPurpose, link_matches, link_user_id
from portal.text import Text

_DUMMY_HASH = hash_password("a password nobody has: timing stays the same")


async def session_user(db: Database, user_id: int, epoch: object) -> User | None:
    """The user a session names, if still active and the session is of the current
    `session_epoch` (a password change or reset ends the older ones)."""
    async with db.session() as session:
        found = (await session.execute(select(User).where(User.id == user_id))).scalar_one_or_none()
    if found is not None and found.is_active and found.session_epoch == epoch:
        return found
    return None


async def _citizen_by_identifier(session: AsyncSession, identifier: str) -> User | None:
    if looks_like_phone(identifier):
        condition = User.phone == normalize_phone(identifier)
    else:
        condition = User.email == normalize_email(identifier)
    return (await session.execute(select(User).where(condition))).scalar_one_or_none()


async def _staff_by_login(session: AsyncSession, login: str) -> User | None:
    found = await session.execute(select(User).where(User.login == login.strip()))
    return found.scalar_one_or_none()


def _normal_identifier(identifier: str, staff: bool) -> str:
    """One spelling per identifier, so writing it differently is the same attempt."""
    if staff:
        return identifier.strip()
    if looks_like_phone(identifier):
        return normalize_phone(identifier) or identifier
    return normalize_email(identifier)


async def authenticate(
    db: Database, identifier: str, password: str, address: str, now: datetime, *, staff: bool
) -> User:
    """The user these credentials open, or an error; failures slow further attempts down.

    Citizens sign in by e-mail or phone, staff by login (the «Для сотрудников» entrance).
    Failures count per account (its e-mail and every spelling of its phone are one), or
    per normalised identifier when it names no account, and per client address.
    An inactive (unactivated or blocked) account fails like a wrong password, but says so
    once the password was right.
    """
    async with db.session() as session, session.begin():
        if staff:
            user = await _staff_by_login(session, identifier)
        else:
            user = await _citizen_by_identifier(session, identifier)
        account = (
            throttle.user_key(user.id)
            if user is not None
            else throttle.account_key(_normal_identifier(identifier, staff))
        )
        keys = [account, throttle.address_key(address)]
        await throttle.check_allowed(session, keys, now)
        right_kind = user is not None and (
            bool(user.role_set & STAFF_ROLES) if staff else user.has_role(Role.CITIZEN)
        )
        if user is None or not right_kind:
            verify_password(_DUMMY_HASH, password)
            ok = False
        else:
            ok = verify_password(user.password_hash, password)
        if not ok:
            await throttle.record_failure(session, keys[0], throttle.ACCOUNT_POLICY, now)
            await throttle.record_failure(session, keys[1], throttle.ADDRESS_POLICY, now)
        else:
            await throttle.clear(session, keys[0])
    if not ok or user is None:
        raise InvalidInput("Неверный логин или пароль.", en="Wrong login or password.")
    if not user.is_active and staff:
        raise InvalidInput("Учетная запись заблокирована.", en="The account is blocked.")
    if not user.is_active:
        raise InvalidInput(
            "Учетная запись не активирована: перейдите по ссылке из письма или "
            "зарегистрируйтесь заново.",
            en="The account is not activated: follow the link in the letter or register again.",
        )
    return user


def _resettable(user: User | None) -> bool:
    """Only active citizens reset their own password by e-mail: a staff account is reset
    by an administrator (services.staff), so a mailbox alone never opens staff powers."""
    return (
        user is not None
        and user.is_active
        and user.has_role(Role.CITIZEN)
        and not user.is_staff
        and user.login is None
    )


async def user_for_reset(db: Database, email: str, address: str, now: datetime) -> User | None:
    """The active citizen to send a reset link to; None (and the same answer) otherwise,
    so the form does not reveal who is registered. Requests are limited per client
    address (TooManyAttempts), since each one may send a letter."""
    async with db.session() as session, session.begin():
        await throttle.count_form_submission(session, address, now)
        user = (
            await session.execute(select(User).where(User.email == normalize_email(email)))
        ).scalar_one_or_none()
    return user if _resettable(user) else None


async def reset_password(
    db: Database, key: str, token: str, password: str, password_again: str, now: datetime
) -> User:
    """Set a new password from a reset link; every existing session of the user ends."""
    problem = InvalidInput(
        "Ссылка для сброса пароля недействительна или устарела (она действует 1 час). "
        "Запросите новую.",
        en="The password reset link is invalid or has expired (it is valid for 1 hour). "
        "Request a new one.",
    )
    uid = link_user_id(key, LinkPurpose.RESET, token, now)
    if uid is None:
        raise problem
    if problems := password_problems(password):
        raise FormErrors({"password": problems})
    if password != password_again:
        raise FormErrors({"password_again": [PASSWORDS_DIFFER]})
    async with db.session() as session, session.begin():
        user = await session.get(User, uid)
        if (
            user is None
            or not _resettable(user)
            or not link_matches(key, LinkPurpose.RESET, token, user, now)
        ):
            raise problem
        user.password_hash = hash_password(password)
        user.session_epoch += 1
        await throttle.clear(session, throttle.user_key(user.id))
    return user


async def change_password(
    db: Database, user_id: int, current: str, password: str, password_again: str
) -> User:
    """Change the password knowing the current one; other sessions end (the caller signs
    this one in again)."""
    if problems := password_problems(password):
        raise FormErrors({"password": problems})
    if password != password_again:
        raise FormErrors({"password_again": [PASSWORDS_DIFFER]})
    async with db.session() as session, session.begin():
        user = await session.get(User, user_id)
        if user is None or not verify_password(user.password_hash, current):
            raise FormErrors(
                {
                    "current_password": [
                        Text("Текущий пароль указан неверно.", "The current password is wrong.")
                    ]
                }
            )
        user.password_hash = hash_password(password)
        user.session_epoch += 1
    return user
