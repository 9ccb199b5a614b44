"""SQLAlchemy model of a reception's published recording (migration 0011 mirrors it).

One row per reception: the edited mp4 its staff uploaded, the webm made from it, and
where publishing stands. A new upload replaces the row's files; «Снять с публикации»
keeps the row (who uploaded, when) and drops the files.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.adapters.appeals_orm import UtcDateTime
from portal.adapters.orm import Base


class Recording(Base):
    __tablename__ = "recordings"
    __table_args__ = (
        # The archive lists published recordings by the reception's date, newest first,
        # and narrows by a date range; title words are matched in the rows it bounds.
        Index("ix_recordings_state_held", "state", "held_at", "reception_id"),
    )

    reception_id: Mapped[int] = mapped_column(
        ForeignKey("receptions.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(200))
    """The reception's title when the file was uploaded."""
    search_title: Mapped[str] = mapped_column(String(200))
    """The title case-folded in Python: SQLite's lower() leaves Cyrillic as it is."""
    held_at: Mapped[datetime] = mapped_column(UtcDateTime())
    """When the reception started: the date the archive shows and searches."""
    state: Mapped[str] = mapped_column(String(20))
    mp4_name: Mapped[str | None] = mapped_column(String(64))
    """File names under `<recordings_dir>/<reception_id>/published/`."""
    webm_name: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    job_id: Mapped[str | None] = mapped_column(String(100))
    """The conversion to webm (transcoder job id)."""
    error: Mapped[str | None] = mapped_column(Text)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
