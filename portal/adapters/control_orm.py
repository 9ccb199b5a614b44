"""The control officer's instructions on an appeal («Контроль выполнения заявки», seed 002).

Kept in tables of their own (migration 0008): an appeal gets a control record only once it
is put on control, and the executing departments of the instructions are not the ones the
responsible department chose while processing the appeal (`executing_departments`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.adapters.appeals_orm import Department, UtcDateTime
from portal.adapters.orm import Base


class AppealControl(Base):
    """The form of one appeal on control: planned and actual dates, a comment, and
    whether it is saved as it stands (the departments are `ControlDepartment` rows)."""

    __tablename__ = "appeal_controls"

    appeal_id: Mapped[int] = mapped_column(
        ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True
    )
    planned_on: Mapped[date | None] = mapped_column(Date)
    """«Плановая дата»: when the instruction is expected to be executed (a calendar day)."""
    executed_on: Mapped[date | None] = mapped_column(Date)
    """«Дата выполнения»: when it actually was (a calendar day)."""
    comment: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    """When the appeal was put on control."""
    saved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """The last «Сохранить»; None while the form has changes that were not saved (a
    department added or removed since): «Исполнено» needs the form saved as it stands."""
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ControlDepartment(Base):
    """One executing department of the instructions, with its «СЭД Дело» number."""

    __tablename__ = "control_departments"
    __table_args__ = (UniqueConstraint("appeal_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(
        ForeignKey("appeal_controls.appeal_id", ondelete="CASCADE")
    )
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"))
    sed_number: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())

    department: Mapped[Department] = relationship(lazy="raise")
