"""Staff accounts created from the command line."""

from __future__ import annotations

from sqlalchemy import or_, select

from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.passwords import hash_password
from portal.domain.roles import Role
from portal.errors import Conflict, InvalidInput

MIN_PASSWORD = 8


async def create_admin(db: Database, login: str, password: str, email: str | None = None) -> User:
    """Create the first administrator (or another one); refuses a taken login or e-mail."""
    login = login.strip()
    if not login:
        raise InvalidInput("login must not be empty")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD} characters long")
    async with db.session() as session, session.begin():
        clash = or_(User.login == login, User.email == email) if email else User.login == login
        if (await session.execute(select(User.id).where(clash))).first():
            raise Conflict(f"an account with login {login!r} or this e-mail already exists")
        user = User(
            login=login,
            email=email,
            password_hash=hash_password(password),
            roles=[Role.ADMIN.value],
            is_active=True,
        )
        session.add(user)
    return user
