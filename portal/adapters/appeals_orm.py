"""SQLAlchemy models of appeals and their reference data (migration 0003 mirrors them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from portal.adapters.orm import Base, User, utcnow


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend: SQLite keeps no offset, so values are stored
    as UTC and read back with it attached (comparisons with `now()` then just work)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the portal stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Department(Base):
    """An executing department (ОИВ); appeals are sent to it under a СЭД number."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class Municipality(Base):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class AnswerTemplate(Base):
    """Answer text with placeholders ({ФИО}, {номер}, {дата}) filled in for each appeal."""

    __tablename__ = "answer_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300), unique=True)
    body: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)


class Appeal(Base):
    __tablename__ = "appeals"
    __table_args__ = (
        # The journals: every list is ordered by (date, id), newest first, so each index
        # ends in both and a page is read in order instead of sorting the whole table.
        Index("ix_appeals_created", "created_at", "id"),
        Index("ix_appeals_deadline", "deadline_at", "id"),
        Index("ix_appeals_status_created", "status", "created_at", "id"),
        Index("ix_appeals_citizen_created", "citizen_id", "created_at", "id"),
        Index("ix_appeals_topic_created", "topic_id", "created_at", "id"),
        # The planning page lists `preparing` appeals oldest in the queue first (0010).
        Index("ix_appeals_status_changed", "status", "status_changed_at", "id"),
        # Search counts scan this narrow index (status first: the counts group by it)
        # instead of the rows with their long texts.
        Index("ix_appeals_search", "status", "search_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="RESTRICT"))
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="new")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime())
    extended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the deadline was extended (59-FZ allows it once)."""
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    search_text: Mapped[str] = mapped_column(String(900), default="")
    """Lower-cased number, title, citizen's name and address: what the journal search matches."""

    citizen: Mapped[User] = relationship(lazy="raise")
    topic: Mapped[Topic] = relationship(lazy="raise")
    municipality: Mapped[Municipality] = relationship(lazy="raise")


class Attachment(Base):
    """A file of an appeal: the citizen's (with the appeal) or staff's («Документы»)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    display_name: Mapped[str] = mapped_column(String(255))
    """The sender's file name, for showing only: the bytes live under their hash."""
    by_staff: Mapped[bool] = mapped_column(default=False)
    attach_to_answer: Mapped[bool] = mapped_column(default=False)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Blob(Base):
    """A stored file's claim on the disk. Touched whenever an upload stores or attaches the
    content; the collector deletes a file only together with its row, when no attachment
    uses it and nobody has touched it for a grace period (migration 0006)."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    touched_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class StatusChange(Base):
    """One row of the timeline: when, who, from, to, comment."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(20))
    """None for the first row, when the appeal is filed."""
    target: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text, default="")


class ServiceComment(Base):
    """«Служебные комментарии»: seen by every staff member, never by the citizen."""

    __tablename__ = "service_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class ExecutingDepartment(Base):
    """A department working on the appeal, with its document-system («СЭД Дело») number."""

    __tablename__ = "executing_departments"
    __table_args__ = (UniqueConstraint("appeal_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"))
    sed_number: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    department: Mapped[Department] = relationship(lazy="raise")


class Answer(Base):
    """The answer given without a reception; its files are the flagged attachments."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(
        ForeignKey("appeals.id", ondelete="CASCADE"), unique=True
    )
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("answer_templates.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
