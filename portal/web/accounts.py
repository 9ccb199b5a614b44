"""Citizen account pages: registration, activation, sign-in and out, password reset."""

from __future__ import annotations

from aiohttp import web

from portal.errors import FieldErrors, FormErrors, InvalidInput, TooManyAttempts
from portal.http import human_check
from portal.http.access import PUBLIC, SIGNED_IN, allow
from portal.http.auth import sign_in, sign_out
from portal.http.client_address import client_address
from portal.http.context import absolute, clock_of, database_of, link_key_of, mailer_of, settings_of
from portal.http.human_check import HUMAN_CHECK_ERROR
from portal.services import auth as auth_service
from portal.services.account_mail import send_password_reset, send_registration_letter
from portal.services.accounts import Registration, activate_account, register_citizen
from portal.services.links import LinkPurpose, make_link_token
from portal.text import Text
from portal.web.forms import checked, flash, render, safe_next, text

REGISTRATION_FIELDS = ("surname", "name", "patronymic", "email", "phone")


def _too_many(page: web.Response, exc: TooManyAttempts) -> web.Response:
    """The form again with the reason, and when to try again."""
    page.headers["Retry-After"] = str(exc.retry_after)
    return page


def _register_page(
    request: web.Request,
    values: dict[str, str],
    errors: FieldErrors,
    status: int = 200,
    notice: Text | None = None,
) -> web.Response:
    context = {
        "values": values,
        "errors": errors,
        "notice": notice,
        "question": human_check.new_challenge(request),
    }
    return render(request, "accounts/register.html", context, status)


@allow(PUBLIC)
async def register_form(request: web.Request) -> web.Response:
    return _register_page(request, {}, {})


@allow(PUBLIC)
async def register(request: web.Request) -> web.Response:
    form = await request.post()
    values = {name: text(form, name, 254) for name in REGISTRATION_FIELDS}
    if not human_check.passes(request, text(form, "human_check")):
        return _register_page(request, values, {"human_check": [HUMAN_CHECK_ERROR]}, 422)
    registration = Registration(
        **values,
        password=text(form, "password", 200),
        password_again=text(form, "password_again", 200),
        consent=checked(form, "consent"),
    )
    now = clock_of(request).now()
    try:
        outcome = await register_citizen(
            database_of(request), registration, now, client_address(request)
        )
    except FormErrors as exc:
        return _register_page(request, values, exc.fields, 422)
    except TooManyAttempts as exc:
        return _too_many(_register_page(request, values, {}, 429, exc.text), exc)
    await send_registration_letter(
        mailer_of(request), outcome, link_key_of(request), absolute(request, ""), now
    )
    # The same page whoever owns the address: the letter alone differs.
    return render(request, "accounts/registered.html", {"email": outcome.email})


@allow(PUBLIC)
async def activation_page(request: web.Request) -> web.Response:
    """Mail scanners follow links: the GET only shows a «Далее» button, the POST activates."""
    return render(request, "accounts/activate.html", {"token": request.query.get("token", "")})


@allow(PUBLIC)
async def activate(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    now = clock_of(request).now()
    await activate_account(database_of(request), link_key_of(request), text(form, "token"), now)
    flash(request, "Личный кабинет активирован. Войдите с адресом электронной почты и паролем.")
    raise web.HTTPSeeOther("/login")


def _login_page(
    request: web.Request,
    staff: bool,
    error: Text | None = None,
    status: int = 200,
    login: str = "",
    retry_after: int | None = None,
) -> web.Response:
    context = {
        "retry_after": retry_after,
        "staff": staff,
        "error": error,
        "login": login,
        "next": safe_next(request.query.get("next"), ""),
        "oidc": settings_of(request).oidc.enabled,
        "oidc_label": settings_of(request).oidc.button_label,
    }
    return render(request, "accounts/login.html", context, status)


@allow(PUBLIC)
async def login_form(request: web.Request) -> web.Response:
    return _login_page(request, staff=False)


@allow(PUBLIC)
async def staff_login_form(request: web.Request) -> web.Response:
    return _login_page(request, staff=True)


async def _login(request: web.Request, staff: bool) -> web.StreamResponse:
    form = await request.post()
    identifier, password = text(form, "login", 254), text(form, "password", 200)
    try:
        user = await auth_service.authenticate(
            database_of(request),
            identifier,
            password,
            client_address(request),
            clock_of(request).now(),
            staff=staff,
        )
    except TooManyAttempts as exc:
        page = _login_page(request, staff, exc.text, 429, identifier, exc.retry_after)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except InvalidInput as exc:
        return _login_page(request, staff, exc.text, 422, identifier)
    fallback = "/staff" if staff else "/appeals"
    response = web.HTTPSeeOther(safe_next(request.query.get("next"), fallback))
    await sign_in(request, response, user)
    raise response


@allow(PUBLIC)
async def login(request: web.Request) -> web.StreamResponse:
    return await _login(request, staff=False)


@allow(PUBLIC)
async def staff_login(request: web.Request) -> web.StreamResponse:
    return await _login(request, staff=True)


@allow(SIGNED_IN)
async def logout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/")
    await sign_out(request, response)
    raise response


def _reset_page(
    request: web.Request, email: str = "", error: Text | None = None, status: int = 200
) -> web.Response:
    context = {"email": email, "error": error, "question": human_check.new_challenge(request)}
    return render(request, "accounts/reset_request.html", context, status)


@allow(PUBLIC)
async def reset_request_form(request: web.Request) -> web.Response:
    return _reset_page(request)


@allow(PUBLIC)
async def reset_request(request: web.Request) -> web.Response:
    form = await request.post()
    email = text(form, "email", 254)
    if not human_check.passes(request, text(form, "human_check")):
        return _reset_page(request, email, HUMAN_CHECK_ERROR, 422)
    now = clock_of(request).now()
    try:
        user = await auth_service.user_for_reset(
            database_of(request), email, client_address(request), now
        )
    except TooManyAttempts as exc:
        return _too_many(_reset_page(request, email, exc.text, 429), exc)
    if user is not None:
        token = make_link_token(link_key_of(request), LinkPurpose.RESET, user, now)
        link = absolute(request, f"/password-reset/confirm?token={token}")
        await send_password_reset(mailer_of(request), user, link)
    return render(request, "accounts/reset_sent.html", {"email": email})


def _new_password_page(
    request: web.Request, token: str, errors: FieldErrors, status: int = 200
) -> web.Response:
    context = {"token": token, "errors": errors, "question": human_check.new_challenge(request)}
    return render(request, "accounts/reset_confirm.html", context, status)


@allow(PUBLIC)
async def reset_confirm_form(request: web.Request) -> web.Response:
    return _new_password_page(request, request.query.get("token", ""), {})


@allow(PUBLIC)
async def reset_confirm(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    token = text(form, "token")
    if not human_check.passes(request, text(form, "human_check")):
        return _new_password_page(request, token, {"human_check": [HUMAN_CHECK_ERROR]}, 422)
    try:
        await auth_service.reset_password(
            database_of(request),
            link_key_of(request),
            token,
            text(form, "password", 200),
            text(form, "password_again", 200),
            clock_of(request).now(),
        )
    except FormErrors as exc:
        return _new_password_page(request, token, exc.fields, 422)
    flash(request, "Пароль изменен. Войдите с новым паролем.")
    raise web.HTTPSeeOther("/login")


@allow(PUBLIC)
async def policy(request: web.Request) -> web.Response:
    return render(request, "accounts/policy.html", {})


def setup_accounts(app: web.Application) -> None:
    add = app.router
    add.add_get("/register", register_form, name="register")
    add.add_post("/register", register)
    add.add_get("/activate", activation_page, name="activate")
    add.add_post("/activate", activate)
    add.add_get("/login", login_form, name="login")
    add.add_post("/login", login)
    add.add_get("/staff/login", staff_login_form, name="staff_login")
    add.add_post("/staff/login", staff_login)
    add.add_post("/logout", logout, name="logout")
    add.add_get("/password-reset", reset_request_form, name="password_reset")
    add.add_post("/password-reset", reset_request)
    add.add_get("/password-reset/confirm", reset_confirm_form, name="password_reset_confirm")
    add.add_post("/password-reset/confirm", reset_confirm)
    add.add_get("/policy", policy, name="policy")
