"""Which departments a staff account works for (SPEC §7: staff see what their role needs).

Kept in its own table rather than on `users`: an officer may serve several executing
departments, and an officer with none is the responsible office that routes new appeals.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from portal.adapters.orm import Base


class StaffDepartment(Base):
    """One department a staff account works for; appeals of other departments stay hidden."""

    __tablename__ = "staff_departments"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
