"""The portal account behind an OpenID Connect identity: linked once, then found by it."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select

from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.domain.contacts import is_valid_email, normalize_email
from portal.domain.roles import Role
from portal.errors import Forbidden

log = logging.getLogger(__name__)


def _text(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip()[:100] if isinstance(value, str) else ""


async def account_for_identity(
    db: Database, issuer: str, claims: dict[str, Any], now: datetime
) -> User:
    """The citizen linked to `issuer|sub`; else the citizen with the same verified e-mail
    (linked now); else a new active citizen account (the consent was given on the sign-in
    page). Staff accounts are never reached this way."""
    subject = f"{issuer}|{claims['sub']}"[:400]
    email = normalize_email(_text(claims, "email"))
    verified = claims.get("email_verified") is True and is_valid_email(email)
    async with db.session() as session, session.begin():
        user = (
            await session.execute(select(User).where(User.oidc_subject == subject))
        ).scalar_one_or_none()
        if user is None and verified:
            user = (
                await session.execute(select(User).where(User.email == email))
            ).scalar_one_or_none()
            if user is not None:
                user.oidc_subject = subject
                user.is_active = True
        if user is None:
            user = User(
                email=email if verified else None,
                password_hash=hash_password(secrets.token_urlsafe(32)),
                roles=[Role.CITIZEN.value],
                surname=_text(claims, "family_name"),
                name=_text(claims, "given_name"),
                patronymic=_text(claims, "middle_name"),
                is_active=True,
                consent_at=now,
                oidc_subject=subject,
            )
            session.add(user)
            log.info("account created from an OpenID Connect identity")
        if not user.has_role(Role.CITIZEN) or not user.is_active:
            raise Forbidden(
                "Эта учетная запись не может войти через внешнего провайдера.",
                en="This account cannot sign in through an external provider.",
            )
        if user.consent_at is None:
            user.consent_at = now
    return user
