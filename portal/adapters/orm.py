"""SQLAlchemy models of accounts. Migrations in portal/migrations mirror this module.

Other areas put their models in their own modules on the same `Base`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.domain.roles import STAFF_ROLES, Role

_ROLE_CODES = frozenset(r.value for r in Role)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A citizen or a staff member; staff sign in by login, citizens by e-mail or phone."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str | None] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    surname: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(100), default="")
    patronymic: Mapped[str] = mapped_column(String(100), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    birth_date: Mapped[date | None] = mapped_column(Date)
    postal_index: Mapped[str] = mapped_column(String(6), default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    district: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    house: Mapped[str] = mapped_column(String(20), default="")
    building: Mapped[str] = mapped_column(String(20), default="")
    flat: Mapped[str] = mapped_column(String(20), default="")
    snils: Mapped[str | None] = mapped_column(String(14), unique=True, index=True)
    """Stored formatted (123-456-789 01); one account per SNILS (migration 0005)."""

    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When the citizen consented to personal-data processing (152-FZ keeps the time)."""
    notify_status: Mapped[bool] = mapped_column(default=True)
    notify_invitation: Mapped[bool] = mapped_column(default=True)
    notify_new_appeals: Mapped[bool] = mapped_column(default=False)
    """Staff subscription to "new appeal" e-mails."""
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    """Bumped on a password change: every session issued before stops working."""
    oidc_subject: Mapped[str | None] = mapped_column(String(400), unique=True)
    """`issuer|sub` of the OpenID Connect identity linked to this account."""

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p) or (
            self.login or self.email or f"#{self.id}"
        )

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r) for r in self.roles if r in _ROLE_CODES)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_set.intersection(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.role_set & STAFF_ROLES)


class SignInFailures(Base):
    """Failed sign-ins per key ("account:<id>" or "address:<ip>"), for growing delays."""

    __tablename__ = "sign_in_failures"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_failure_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class AuditRecord(Base):
    """One access by a staff member to a citizen's personal data (152-FZ)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(String(300))


class BrowserSession(Base):
    """A signed-in (or anonymous) browser's session; the cookie holds only a random id.

    The row is found by the SHA-256 of that id, so the table never holds a usable cookie.
    """

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    """Sign-in time plus the lifetime; the idle deadline is `last_seen_at` plus the timeout."""
