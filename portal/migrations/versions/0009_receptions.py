"""receptions: planned receptions, their seats, who took part and the moderation log

Revision ID: 0009
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "receptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("live_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("capacity BETWEEN 1 AND 15", name=op.f("ck_receptions_capacity")),
        sa.CheckConstraint(
            "seats_taken BETWEEN 0 AND capacity", name=op.f("ck_receptions_seats_taken")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_receptions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["host_id"], ["users.id"], name=op.f("fk_receptions_host_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["users.id"],
            name=op.f("fk_receptions_moderator_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receptions")),
    )
    with op.batch_alter_table("receptions", schema=None) as batch_op:
        batch_op.create_index("ix_receptions_starts", ["starts_at", "id"], unique=False)
        batch_op.create_index(
            "ix_receptions_state_starts", ["state", "starts_at", "id"], unique=False
        )

    op.create_table(
        "reception_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reception_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("first_joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_air_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_air_seconds", sa.Integer(), nullable=False),
        sa.Column("banned", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reception_id"],
            ["receptions.id"],
            name=op.f("fk_reception_attendance_reception_id_receptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reception_attendance_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_attendance")),
    )
    with op.batch_alter_table("reception_attendance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reception_attendance_person", ["reception_id", "user_id"], unique=True
        )

    op.create_table(
        "reception_moderation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reception_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_reception_moderation_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reception_id"],
            ["receptions.id"],
            name=op.f("fk_reception_moderation_reception_id_receptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["users.id"],
            name=op.f("fk_reception_moderation_target_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_moderation")),
    )
    with op.batch_alter_table("reception_moderation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reception_moderation_reception", ["reception_id", "at"], unique=False
        )

    op.create_table(
        "reception_seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reception_id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("active_appeal_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_reception_seats_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reception_id"],
            ["receptions.id"],
            name=op.f("fk_reception_seats_reception_id_receptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_seats")),
        sa.UniqueConstraint("active_appeal_id", name=op.f("uq_reception_seats_active_appeal_id")),
    )
    with op.batch_alter_table("reception_seats", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reception_seats_appeal_id"), ["appeal_id"], unique=False
        )
        batch_op.create_index("ix_reception_seats_reception", ["reception_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reception_seats", schema=None) as batch_op:
        batch_op.drop_index("ix_reception_seats_reception")
        batch_op.drop_index(batch_op.f("ix_reception_seats_appeal_id"))

    op.drop_table("reception_seats")
    with op.batch_alter_table("reception_moderation", schema=None) as batch_op:
        batch_op.drop_index("ix_reception_moderation_reception")

    op.drop_table("reception_moderation")
    with op.batch_alter_table("reception_attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_reception_attendance_person")

    op.drop_table("reception_attendance")
    with op.batch_alter_table("receptions", schema=None) as batch_op:
        batch_op.drop_index("ix_receptions_state_starts")
        batch_op.drop_index("ix_receptions_starts")

    op.drop_table("receptions")
