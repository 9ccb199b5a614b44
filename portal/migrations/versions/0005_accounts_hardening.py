"""accounts hardening: one SNILS belongs to one account (a unique index)

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A SNILS already on several accounts stays with the earliest one; the others are
    # asked for it again (the profile reports it missing), since which one is right
    # cannot be told here and the index cannot be built over duplicates.
    op.execute(
        "UPDATE users SET snils = NULL WHERE snils IS NOT NULL AND id > "
        "(SELECT MIN(u.id) FROM users u WHERE u.snils = users.snils)"
    )
    op.create_index(op.f("ix_users_snils"), "users", ["snils"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_users_snils"), table_name="users")
