"""Account operations of the JSON API: the same use cases as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, Field

from portal.adapters.mail import list_outbox
from portal.adapters.orm import User
from portal.api.kernel import SessionInfo, get_session
from portal.api.registry import ApiRegistry
from portal.domain.profile import missing_fields
from portal.domain.roles import Role
from portal.errors import FormErrors
from portal.http import human_check
from portal.http.auth import require_user, sign_in, sign_out, sign_out_everywhere
from portal.http.client_address import client_address
from portal.http.context import absolute, clock_of, database_of, link_key_of, mailer_of, settings_of
from portal.http.human_check import HUMAN_CHECK_ERROR
from portal.http.i18n import language_of
from portal.services import auth as auth_service
from portal.services.account_mail import send_password_reset, send_registration_letter
from portal.services.accounts import (
    ProfileForm,
    Registration,
    activate_account,
    register_citizen,
    update_notifications,
    update_profile,
)
from portal.services.links import LinkPurpose, make_link_token
from portal.services.staff import (
    StaffForm,
    departments_by_staff,
    list_staff,
    parse_roles,
    save_staff,
    staff_departments,
)

api = ApiRegistry()
ACCOUNTS = ["accounts"]
ADMIN = ["administration"]


class HumanCheck(BaseModel):
    question: str = Field(
        description="Send the sum as `human_check` from the same session (cookie); "
        "an answer is spent by its first use."
    )


class RegistrationIn(BaseModel):
    surname: str = Field(max_length=100)
    name: str = Field(max_length=100)
    patronymic: str = Field(default="", max_length=100)
    email: str = Field(max_length=254)
    phone: str = Field(max_length=30)
    password: str = Field(max_length=200)
    password_again: str = Field(max_length=200)
    consent: bool = Field(description="Consent to personal-data processing (152-FZ).")
    human_check: str = Field(max_length=10)


class Accepted(BaseModel):
    detail: str


class TokenIn(BaseModel):
    token: str = Field(max_length=500)


class Credentials(BaseModel):
    login: str = Field(max_length=254, description="E-mail or phone (citizens), login (staff)")
    password: str = Field(max_length=200)


class ResetRequestIn(BaseModel):
    email: str = Field(max_length=254)
    human_check: str = Field(max_length=10)


class ResetConfirmIn(BaseModel):
    token: str = Field(max_length=500)
    password: str = Field(max_length=200)
    password_again: str = Field(max_length=200)
    human_check: str = Field(max_length=10)


class ProfileIn(BaseModel):
    surname: str = Field(max_length=100)
    name: str = Field(max_length=100)
    patronymic: str = Field(default="", max_length=100)
    birth_date: date | None = None
    phone: str = Field(default="", max_length=30)
    postal_index: str = Field(default="", max_length=6)
    region: str = Field(default="", max_length=200)
    district: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=200)
    street: str = Field(default="", max_length=200)
    house: str = Field(default="", max_length=20)
    building: str = Field(default="", max_length=20)
    flat: str = Field(default="", max_length=20)
    snils: str = Field(default="", max_length=14)


class ProfileOut(ProfileIn):
    id: int
    email: str | None
    complete: bool = Field(description="A citizen may file an appeal only when true.")
    missing: list[str] = Field(description="Labels of what is missing, in the answer's language.")
    consent_at: datetime | None
    notify_status: bool
    notify_invitation: bool


class NotificationsIn(BaseModel):
    notify_status: bool
    notify_invitation: bool


class StaffSettingsIn(BaseModel):
    notify_new_appeals: bool


class StaffIn(BaseModel):
    login: str = Field(max_length=64)
    surname: str = Field(max_length=100)
    name: str = Field(max_length=100)
    patronymic: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=254)
    roles: list[Role]
    is_active: bool = True
    password: str = Field(default="", max_length=200, description="Empty keeps the password.")
    department_ids: list[Annotated[int, Field(gt=0, lt=2**31)]] = Field(
        default_factory=list,
        max_length=500,
        description="Departments a department officer works for; none: the responsible office.",
    )


class StaffOut(BaseModel):
    id: int
    login: str
    display_name: str
    email: str | None
    roles: list[str]
    is_active: bool
    department_ids: list[int] = Field(default_factory=list)


class StaffList(BaseModel):
    items: list[StaffOut]


class OutboxMailOut(BaseModel):
    name: str
    to: str
    subject: str
    sent_at: datetime | None
    text: str


class Outbox(BaseModel):
    items: list[OutboxMailOut]


def _profile(user: User, lang: str) -> ProfileOut:
    return ProfileOut(
        id=user.id,
        email=user.email,
        surname=user.surname,
        name=user.name,
        patronymic=user.patronymic,
        birth_date=user.birth_date,
        phone=user.phone or "",
        postal_index=user.postal_index,
        region=user.region,
        district=user.district,
        city=user.city,
        street=user.street,
        house=user.house,
        building=user.building,
        flat=user.flat,
        snils=user.snils or "",
        complete=not missing_fields(user),
        missing=[label.in_language(lang) for label in missing_fields(user)],
        consent_at=user.consent_at,
        notify_status=user.notify_status,
        notify_invitation=user.notify_invitation,
    )


def _staff(user: User, department_ids: list[int] | None = None) -> StaffOut:
    return StaffOut(
        id=user.id,
        login=user.login or "",
        display_name=user.display_name,
        email=user.email,
        roles=list(user.roles),
        is_active=user.is_active,
        department_ids=department_ids or [],
    )


def _check_human(request: web.Request, answer: str) -> None:
    if not human_check.passes(request, answer):
        raise FormErrors({"human_check": [HUMAN_CHECK_ERROR]})


@api.route(
    "GET",
    "/api/v1/human-check",
    summary="A new human-check question for registration or password reset",
    tags=ACCOUNTS,
    response_model=HumanCheck,
    public=True,
)
async def new_human_check(request: web.Request) -> HumanCheck:
    return HumanCheck(question=human_check.new_challenge(request))


@api.route(
    "POST",
    "/api/v1/accounts/register",
    summary="Register a citizen; the activation link (valid 3 days) is e-mailed",
    tags=ACCOUNTS,
    request_model=RegistrationIn,
    response_model=Accepted,
    public=True,
    status=201,
)
async def register(request: web.Request, body: RegistrationIn) -> Accepted:
    _check_human(request, body.human_check)
    form = Registration(**body.model_dump(exclude={"human_check"}))
    now = clock_of(request).now()
    outcome = await register_citizen(database_of(request), form, now, client_address(request))
    await send_registration_letter(
        mailer_of(request), outcome, link_key_of(request), absolute(request, ""), now
    )
    return Accepted(detail="activation link sent")


@api.route(
    "POST",
    "/api/v1/accounts/activate",
    summary="Activate a registration with the token from the e-mailed link",
    tags=ACCOUNTS,
    request_model=TokenIn,
    response_model=Accepted,
    public=True,
)
async def activate(request: web.Request, body: TokenIn) -> Accepted:
    now = clock_of(request).now()
    await activate_account(database_of(request), link_key_of(request), body.token, now)
    return Accepted(detail="activated")


async def _login(request: web.Request, body: Credentials, staff: bool) -> SessionInfo:
    user = await auth_service.authenticate(
        database_of(request),
        body.login,
        body.password,
        client_address(request),
        clock_of(request).now(),
        staff=staff,
    )
    response = web.Response()
    await sign_in(request, response, user)
    return await get_session(request)


@api.route(
    "POST",
    "/api/v1/auth/login",
    summary="Citizen sign-in by e-mail or phone; returns the new session and CSRF token",
    tags=ACCOUNTS,
    request_model=Credentials,
    response_model=SessionInfo,
    public=True,
)
async def login(request: web.Request, body: Credentials) -> SessionInfo:
    """Repeated failures are slowed down: 429 with Retry-After."""
    return await _login(request, body, staff=False)


@api.route(
    "POST",
    "/api/v1/auth/staff-login",
    summary="Staff sign-in by login; returns the new session and CSRF token",
    tags=ACCOUNTS,
    request_model=Credentials,
    response_model=SessionInfo,
    public=True,
)
async def staff_login(request: web.Request, body: Credentials) -> SessionInfo:
    return await _login(request, body, staff=True)


@api.route(
    "POST", "/api/v1/auth/logout", summary="Sign out: the session ends on the server", tags=ACCOUNTS
)
async def logout(request: web.Request) -> None:
    await sign_out(request, web.Response())


@api.route(
    "POST",
    "/api/v1/auth/logout-everywhere",
    summary="End every session of the signed-in user, this one included",
    tags=ACCOUNTS,
)
async def logout_everywhere(request: web.Request) -> None:
    await sign_out_everywhere(request, web.Response())


@api.route(
    "POST",
    "/api/v1/auth/password-reset",
    summary="E-mail a password-reset link (valid 1 hour) if the address is registered",
    tags=ACCOUNTS,
    request_model=ResetRequestIn,
    response_model=Accepted,
    public=True,
    status=202,
)
async def password_reset(request: web.Request, body: ResetRequestIn) -> Accepted:
    _check_human(request, body.human_check)
    now = clock_of(request).now()
    user = await auth_service.user_for_reset(
        database_of(request), body.email, client_address(request), now
    )
    if user is not None:
        token = make_link_token(link_key_of(request), LinkPurpose.RESET, user, now)
        link = absolute(request, f"/password-reset/confirm?token={token}")
        await send_password_reset(mailer_of(request), user, link)
    return Accepted(detail="if the address is registered, a link was sent")


@api.route(
    "POST",
    "/api/v1/auth/password-reset/confirm",
    summary="Set a new password with the token from the reset link",
    tags=ACCOUNTS,
    request_model=ResetConfirmIn,
    response_model=Accepted,
    public=True,
)
async def password_reset_confirm(request: web.Request, body: ResetConfirmIn) -> Accepted:
    _check_human(request, body.human_check)
    await auth_service.reset_password(
        database_of(request),
        link_key_of(request),
        body.token,
        body.password,
        body.password_again,
        clock_of(request).now(),
    )
    return Accepted(detail="password changed")


@api.route(
    "GET",
    "/api/v1/profile",
    summary="The citizen's profile with its completeness",
    tags=ACCOUNTS,
    response_model=ProfileOut,
    roles=(Role.CITIZEN,),
)
async def get_profile(request: web.Request) -> ProfileOut:
    return _profile(await require_user(request), language_of(request))


@api.route(
    "PUT",
    "/api/v1/profile",
    summary="Update the citizen's profile (SNILS is checked by its checksum)",
    tags=ACCOUNTS,
    request_model=ProfileIn,
    response_model=ProfileOut,
    roles=(Role.CITIZEN,),
)
async def put_profile(request: web.Request, body: ProfileIn) -> ProfileOut:
    user = await require_user(request)
    values = body.model_dump()
    values["birth_date"] = body.birth_date.isoformat() if body.birth_date else ""
    today = clock_of(request).now().date()
    updated = await update_profile(database_of(request), user.id, ProfileForm(**values), today)
    return _profile(updated, language_of(request))


@api.route(
    "PUT",
    "/api/v1/profile/notifications",
    summary="E-mail on status change and on invitation: on or off",
    tags=ACCOUNTS,
    request_model=NotificationsIn,
    response_model=ProfileOut,
    roles=(Role.CITIZEN,),
)
async def put_notifications(request: web.Request, body: NotificationsIn) -> ProfileOut:
    user = await require_user(request)
    updated = await update_notifications(
        database_of(request),
        user.id,
        status=body.notify_status,
        invitation=body.notify_invitation,
    )
    return _profile(updated, language_of(request))


@api.route(
    "PUT",
    "/api/v1/staff/settings",
    summary="Staff subscription to new-appeal e-mails",
    tags=ACCOUNTS,
    request_model=StaffSettingsIn,
    response_model=StaffOut,
    roles=tuple(r for r in Role if r is not Role.CITIZEN),
)
async def put_staff_settings(request: web.Request, body: StaffSettingsIn) -> StaffOut:
    user = await require_user(request)
    updated = await update_notifications(
        database_of(request),
        user.id,
        status=user.notify_status,
        invitation=user.notify_invitation,
        new_appeals=body.notify_new_appeals,
    )
    return _staff(updated)


@api.route(
    "GET",
    "/api/v1/admin/staff",
    summary="Staff accounts",
    tags=ADMIN,
    response_model=StaffList,
    roles=(Role.ADMIN,),
)
async def get_staff_list(request: web.Request) -> StaffList:
    db = database_of(request)
    tied = await departments_by_staff(db)
    return StaffList(items=[_staff(u, tied.get(u.id)) for u in await list_staff(db)])


def _staff_form(body: StaffIn) -> StaffForm:
    return StaffForm(
        login=body.login,
        surname=body.surname,
        name=body.name,
        patronymic=body.patronymic,
        email=body.email,
        roles=parse_roles(r.value for r in body.roles),
        is_active=body.is_active,
        password=body.password,
        department_ids=frozenset(body.department_ids),
    )


@api.route(
    "POST",
    "/api/v1/admin/staff",
    summary="Create a staff account with one or several roles",
    tags=ADMIN,
    request_model=StaffIn,
    response_model=StaffOut,
    roles=(Role.ADMIN,),
    status=201,
)
async def create_staff(request: web.Request, body: StaffIn) -> StaffOut:
    actor = await require_user(request)
    saved = await save_staff(database_of(request), _staff_form(body), None, actor)
    return _staff(saved, await staff_departments(database_of(request), saved.id))


@api.route(
    "PUT",
    r"/api/v1/admin/staff/{id:\d+}",
    summary="Update a staff account (roles, block, password)",
    tags=ADMIN,
    request_model=StaffIn,
    response_model=StaffOut,
    roles=(Role.ADMIN,),
)
async def update_staff(request: web.Request, body: StaffIn) -> StaffOut:
    actor = await require_user(request)
    account_id = int(request.match_info["id"])
    saved = await save_staff(database_of(request), _staff_form(body), account_id, actor)
    return _staff(saved, await staff_departments(database_of(request), saved.id))


@api.route(
    "GET",
    "/api/v1/admin/outbox",
    summary="Mail written to the outbox (when no SMTP server is configured)",
    tags=ADMIN,
    response_model=Outbox,
    roles=(Role.ADMIN,),
)
async def get_outbox(request: web.Request) -> Outbox:
    mails = list_outbox(settings_of(request).outbox_dir)
    return Outbox(items=[OutboxMailOut(**vars(m)) for m in mails])
