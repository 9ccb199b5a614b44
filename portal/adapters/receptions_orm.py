"""SQLAlchemy models of receptions (migration 0009 mirrors them).

A reception is planned by an organizer, takes up to 15 appeals as seats, goes live in the
conference and keeps afterwards who took part, who was on air and what the moderator did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.adapters.appeals_orm import Appeal, UtcDateTime
from portal.adapters.orm import Base, User, utcnow


class Reception(Base):
    __tablename__ = "receptions"
    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 15", name="capacity"),
        CheckConstraint("seats_taken BETWEEN 0 AND capacity", name="seats_taken"),
        # The schedule and the planning page list by start time, newest or soonest first.
        Index("ix_receptions_starts", "starts_at", "id"),
        Index("ix_receptions_state_starts", "state", "starts_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    """Seats of enrolled, invited or confirmed appeals; moved only by conditional UPDATEs,
    so two organizers enrolling at once never pass the capacity."""
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    moderator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(20), default="planned")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    live_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    host: Mapped[User] = relationship(foreign_keys=[host_id], lazy="raise")
    moderator: Mapped[User] = relationship(foreign_keys=[moderator_id], lazy="raise")


class Seat(Base):
    """An appeal enrolled in a reception, and how its citizen's participation went."""

    __tablename__ = "reception_seats"
    __table_args__ = (Index("ix_reception_seats_reception", "reception_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("receptions.id", ondelete="CASCADE"))
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    active_appeal_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    """The appeal while the seat holds it (enrolled, invited, confirmed), else NULL: an
    appeal sits in at most one reception at a time, also under concurrent enrolment."""
    state: Mapped[str] = mapped_column(String(20), default="enrolled")
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    invited_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    appeal: Mapped[Appeal] = relationship(lazy="raise")


class Attendance(Base):
    """Someone who joined the live reception: when, for how long on air, and whether the
    moderator removed them for good («Удалить из конференции»)."""

    __tablename__ = "reception_attendance"
    __table_args__ = (
        Index("ix_reception_attendance_person", "reception_id", "user_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("receptions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    first_joined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    on_air_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    on_air_seconds: Mapped[int] = mapped_column(Integer, default=0)
    banned: Mapped[bool] = mapped_column(default=False)


class ModerationEntry(Base):
    """One line of the reception's moderation log: who did what to whom, when."""

    __tablename__ = "reception_moderation"
    __table_args__ = (Index("ix_reception_moderation_reception", "reception_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("receptions.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
