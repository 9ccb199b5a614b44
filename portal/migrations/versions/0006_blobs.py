"""blobs: one row per stored file, so the collector can delete what nothing uses

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_index(op.f("ix_blobs_touched_at"), "blobs", ["touched_at"])
    # Files already attached get their row; files on disk that nothing uses are adopted
    # by the collector when it first sees them.
    op.execute(
        "INSERT INTO blobs (sha256, touched_at) "
        "SELECT DISTINCT sha256, CURRENT_TIMESTAMP FROM attachments"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_blobs_touched_at"), table_name="blobs")
    op.drop_table("blobs")
