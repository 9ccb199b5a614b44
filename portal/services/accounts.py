"""Citizen accounts: registration, activation, profile and notification settings; the
first administrator from the command line."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.domain.contacts import is_valid_email, normalize_email, normalize_phone
from portal.domain.password_rule import PASSWORDS_DIFFER, password_problems
from portal.domain.roles import Role
from portal.domain.snils import format_snils, is_valid_snils, normalize_snils
from portal.errors import Conflict, FormErrors, InvalidInput, NotFound
from portal.services import throttle
from portal.services.appeals import refresh_search_text
from portal.services.links import VALIDITY, LinkPurpose, link_matches, link_user_id
from portal.text import Text

NAME_MAX = 100
PHONE_HINT = Text(
    "Укажите номер мобильного телефона, например +7 912 345-67-89.",
    "Enter a mobile phone number, for example +7 912 345-67-89.",
)
PHONE_TAKEN = Text(
    "Этот номер телефона уже зарегистрирован.", "This phone number is already registered."
)

SNILS_TAKEN = Text(
    "Этот СНИЛС уже указан в другой учетной записи. Если это ваш СНИЛС, обратитесь в приемную.",
    "This SNILS is already given in another account. If it is yours, contact the reception.",
)


@dataclass(frozen=True)
class Registration:
    surname: str
    name: str
    patronymic: str
    email: str
    phone: str
    password: str
    password_again: str
    consent: bool


def _name_problems(errors: dict[str, list[Text]], field: str, value: str, required: bool) -> None:
    if required and not value:
        errors.setdefault(field, []).append(Text("Заполните это поле.", "Fill in this field."))
    elif len(value) > NAME_MAX:
        errors.setdefault(field, []).append(
            Text("Не более 100 символов.", "At most 100 characters.")
        )


def validate_registration(form: Registration) -> tuple[str, str]:
    """Check every field; returns the normalised (email, phone) or raises FormErrors."""
    errors: dict[str, list[Text]] = {}
    _name_problems(errors, "surname", form.surname, True)
    _name_problems(errors, "name", form.name, True)
    _name_problems(errors, "patronymic", form.patronymic, False)
    email = normalize_email(form.email)
    if not is_valid_email(email):
        errors["email"] = [
            Text(
                "Укажите адрес электронной почты, например ivanov@mail.ru.",
                "Enter an e-mail address, for example ivanov@mail.ru.",
            )
        ]
    phone = normalize_phone(form.phone)
    if phone is None:
        errors["phone"] = [PHONE_HINT]
    if problems := password_problems(form.password):
        errors["password"] = problems
    elif form.password != form.password_again:
        errors["password_again"] = [PASSWORDS_DIFFER]
    if not form.consent:
        errors["consent"] = [
            Text(
                "Необходимо согласие на обработку персональных данных.",
                "Consent to personal data processing is required.",
            )
        ]
    if errors:
        raise FormErrors(errors)
    assert phone is not None
    return email, phone


class Letter(enum.Enum):
    """What a registration sends; the page answers the same whichever it is."""

    ACTIVATION = "activation"
    """A new account, or one still waiting for activation: a (fresh) activation link."""
    ADDRESS_TAKEN = "address_taken"
    """The e-mail belongs to an account: its owner is told someone tried it."""
    PHONE_TAKEN = "phone_taken"
    """The phone belongs to another account: its owner is told."""


@dataclass(frozen=True)
class RegistrationOutcome:
    email: str
    """The normalised address the page names, whoever owns it."""
    letter: Letter | None
    recipient: User | None
    """Whom the letter goes to; None: nothing is sent (the phone waits for another
    registration's activation, whose address is not yet proven)."""


def _pending(user: User) -> bool:
    return not user.is_active and user.login is None and user.oidc_subject is None


def _stale(user: User, now: datetime) -> bool:
    """A pending registration whose every activation link has expired: nobody can
    activate it any more, so it is as if it was never made."""
    created = user.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=now.tzinfo)
    return _pending(user) and now - created > VALIDITY[LinkPurpose.ACTIVATE]


async def register_citizen(
    db: Database, form: Registration, now: datetime, address: str
) -> RegistrationOutcome:
    """Create an inactive citizen account; the caller sends `outcome.letter`.

    An address or phone already registered is answered exactly like a new one (the page
    must not tell who is registered) and changes nothing: a pending registration keeps its
    password and phone, its owner gets a fresh activation link instead (else anyone could
    register a waiting address again with their own password and have the owner activate
    it), and an owner of an active account a notice. Registrations are limited per client
    address (TooManyAttempts).
    """
    email, phone = validate_registration(form)
    password_hash = hash_password(form.password)  # on every path: the time tells nothing
    for attempt in range(2):
        try:
            return await _register(db, form, email, phone, password_hash, now, address)
        except IntegrityError:
            # A registration of the same address or phone committed meanwhile: look again.
            if attempt:
                raise
    raise AssertionError("unreachable")


async def _register(
    db: Database,
    form: Registration,
    email: str,
    phone: str,
    password_hash: str,
    now: datetime,
    address: str,
) -> RegistrationOutcome:
    async with db.session() as session, session.begin():
        await throttle.count_form_submission(session, address, now)
        holders = (
            await session.execute(select(User).where(or_(User.email == email, User.phone == phone)))
        ).scalars()
        for holder in list(holders):
            if _stale(holder, now):
                await session.delete(holder)
        await session.flush()
        by_email = (
            await session.execute(select(User).where(User.email == email))
        ).scalar_one_or_none()
        if by_email is not None:
            letter = Letter.ACTIVATION if _pending(by_email) else Letter.ADDRESS_TAKEN
            return RegistrationOutcome(email, letter, by_email)
        by_phone = (
            await session.execute(select(User).where(User.phone == phone))
        ).scalar_one_or_none()
        if by_phone is not None:
            if _pending(by_phone) or by_phone.email is None:
                return RegistrationOutcome(email, None, None)
            return RegistrationOutcome(email, Letter.PHONE_TAKEN, by_phone)
        user = User(
            roles=[Role.CITIZEN.value],
            surname=form.surname.strip(),
            name=form.name.strip(),
            patronymic=form.patronymic.strip(),
            email=email,
            phone=phone,
            password_hash=password_hash,
            is_active=False,
            consent_at=now,
            created_at=now,
        )
        session.add(user)
    return RegistrationOutcome(email, Letter.ACTIVATION, user)


async def activate_account(db: Database, key: str, token: str, now: datetime) -> User:
    uid = link_user_id(key, LinkPurpose.ACTIVATE, token, now)
    problem = InvalidInput(
        "Ссылка активации недействительна или устарела (она действует 3 дня). "
        "Зарегистрируйтесь заново.",
        en="The activation link is invalid or has expired (it is valid for 3 days). "
        "Register again.",
    )
    if uid is None:
        raise problem
    async with db.session() as session, session.begin():
        user = await session.get(User, uid)
        if user is None or not link_matches(key, LinkPurpose.ACTIVATE, token, user, now):
            raise problem
        user.is_active = True
    return user


@dataclass(frozen=True)
class ProfileForm:
    surname: str
    name: str
    patronymic: str
    birth_date: str
    phone: str
    postal_index: str
    region: str
    district: str
    city: str
    street: str
    house: str
    building: str
    flat: str
    snils: str


_ADDRESS_LIMITS = {
    "region": 200,
    "district": 200,
    "city": 200,
    "street": 200,
    "house": 20,
    "building": 20,
    "flat": 20,
}


def _parse_birth_date(value: str, today: date, errors: dict[str, list[Text]]) -> date | None:
    if not value:
        return None
    try:
        born = date.fromisoformat(value)
    except ValueError:
        errors["birth_date"] = [
            Text("Укажите дату в формате ГГГГ-ММ-ДД.", "Enter the date as YYYY-MM-DD.")
        ]
        return None
    if not date(1900, 1, 1) <= born <= today:
        errors["birth_date"] = [
            Text("Дата рождения вне допустимого диапазона.", "The date of birth is out of range.")
        ]
        return None
    return born


async def update_profile(db: Database, user_id: int, form: ProfileForm, today: date) -> User:
    """Save what is valid together or nothing: every problem is reported at once.

    Fields may stay empty (completeness is checked when an appeal is filed), but what is
    filled must be well-formed."""
    errors: dict[str, list[Text]] = {}
    _name_problems(errors, "surname", form.surname.strip(), True)
    _name_problems(errors, "name", form.name.strip(), True)
    _name_problems(errors, "patronymic", form.patronymic.strip(), False)
    born = _parse_birth_date(form.birth_date.strip(), today, errors)
    phone = normalize_phone(form.phone) if form.phone.strip() else None
    if form.phone.strip() and phone is None:
        errors["phone"] = [PHONE_HINT]
    index = form.postal_index.strip()
    if index and not (index.isdigit() and len(index) == 6):
        errors["postal_index"] = [Text("Индекс — 6 цифр.", "A postal code has 6 digits.")]
    snils = form.snils.strip()
    if snils and not is_valid_snils(snils):
        errors["snils"] = [
            Text(
                "СНИЛС указан неверно: проверьте цифры (контрольное число не сходится).",
                "The SNILS is wrong: check the digits (the check number does not match).",
            )
        ]
    for field, limit in _ADDRESS_LIMITS.items():
        if len(getattr(form, field).strip()) > limit:
            errors[field] = [Text("Слишком длинное значение.", "The value is too long.")]
    if errors:
        raise FormErrors(errors)
    stored_snils = format_snils(normalize_snils(snils)) if snils else None
    try:
        return await _save_profile(db, user_id, form, born, phone, index, stored_snils)
    except IntegrityError:
        # Another account took the phone or SNILS between the check and the commit.
        async with db.session() as session:
            if stored_snils and await _snils_holder(session, stored_snils, user_id):
                raise FormErrors({"snils": [SNILS_TAKEN]}) from None
            if phone and await _phone_taken(session, phone, user_id):
                raise FormErrors({"phone": [PHONE_TAKEN]}) from None
        raise


async def _save_profile(
    db: Database,
    user_id: int,
    form: ProfileForm,
    born: date | None,
    phone: str | None,
    index: str,
    snils: str | None,
) -> User:
    async with db.session() as session, session.begin():
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("Учетная запись не найдена.", en="Account not found.")
        if phone and phone != user.phone and await _phone_taken(session, phone, user_id):
            raise FormErrors({"phone": [PHONE_TAKEN]})
        if snils and snils != user.snils and await _snils_taken(session, snils, user_id):
            raise FormErrors({"snils": [SNILS_TAKEN]})
        old_name = user.display_name
        user.surname, user.name = form.surname.strip(), form.name.strip()
        user.patronymic = form.patronymic.strip()
        if user.display_name != old_name:
            await refresh_search_text(session, user)
        user.birth_date = born
        user.phone = phone
        user.postal_index = index
        for field in _ADDRESS_LIMITS:
            setattr(user, field, getattr(form, field).strip())
        user.snils = snils
    return user


async def _snils_holder(session: AsyncSession, snils: str, user_id: int) -> int | None:
    found = await session.execute(select(User.id).where(User.snils == snils, User.id != user_id))
    return found.scalar_one_or_none()


async def _snils_taken(session: AsyncSession, snils: str, user_id: int) -> bool:
    """The check before saving; the unique index settles a race past it."""
    return await _snils_holder(session, snils, user_id) is not None


async def _phone_taken(session: AsyncSession, phone: str, user_id: int) -> bool:
    found = await session.execute(select(User.id).where(User.phone == phone, User.id != user_id))
    return found.first() is not None


async def update_notifications(
    db: Database, user_id: int, *, status: bool, invitation: bool, new_appeals: bool | None = None
) -> User:
    """E-mail on status change / invitation (citizens); "new appeal" e-mails (staff)."""
    async with db.session() as session, session.begin():
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("Учетная запись не найдена.", en="Account not found.")
        user.notify_status = status
        user.notify_invitation = invitation
        if new_appeals is not None and user.is_staff:
            user.notify_new_appeals = new_appeals
    return user


async def create_admin(db: Database, login: str, password: str, email: str | None = None) -> User:
    """Create the first administrator (or another one); refuses a taken login or e-mail."""
    login = login.strip()
    if not login:
        raise InvalidInput("Укажите логин.", en="The login must not be empty.")
    if password_problems(password):
        raise InvalidInput(
            "Пароль должен содержать не менее 8 символов, строчные и заглавные буквы и цифры.",
            en="The password must be at least 8 characters long with lower- and upper-case "
            "letters and digits.",
        )
    async with db.session() as session, session.begin():
        clash = or_(User.login == login, User.email == email) if email else User.login == login
        if (await session.execute(select(User.id).where(clash))).first():
            raise Conflict(
                f"Учетная запись с логином «{login}» или этим адресом уже есть.",
                en=f"An account with login {login!r} or this e-mail already exists.",
            )
        user = User(
            login=login,
            email=email,
            password_hash=hash_password(password),
            roles=[Role.ADMIN.value],
            is_active=True,
        )
        session.add(user)
    return user
