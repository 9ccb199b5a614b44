"""accounts: citizen profile, consent, notification settings, sign-in throttling, audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT_COLUMNS = {
    "postal_index": 6,
    "region": 200,
    "district": 200,
    "city": 200,
    "street": 200,
    "house": 20,
    "building": 20,
    "flat": 20,
}


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        for name, length in _TEXT_COLUMNS.items():
            batch.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
        batch.add_column(sa.Column("snils", sa.String(length=14), nullable=True))
        batch.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        for name, default in (
            ("notify_status", sa.true()),
            ("notify_invitation", sa.true()),
            ("notify_new_appeals", sa.false()),
        ):
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=default))
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("oidc_subject", sa.String(length=400), nullable=True))
        batch.create_unique_constraint(op.f("uq_users_phone"), ["phone"])
        batch.create_unique_constraint(op.f("uq_users_oidc_subject"), ["oidc_subject"])

    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(
        op.f("ix_sign_in_failures_last_failure_at"), "sign_in_failures", ["last_failure_at"]
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_log_actor_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["users.id"],
            name=op.f("fk_audit_log_citizen_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_actor_id"), "audit_log", ["actor_id"])
    op.create_index(op.f("ix_audit_log_citizen_id"), "audit_log", ["citizen_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_citizen_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_actor_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_sign_in_failures_last_failure_at"), table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("uq_users_oidc_subject"), type_="unique")
        batch.drop_constraint(op.f("uq_users_phone"), type_="unique")
        for name in (
            "oidc_subject",
            "session_epoch",
            "notify_new_appeals",
            "notify_invitation",
            "notify_status",
            "consent_at",
            "snils",
            *reversed(_TEXT_COLUMNS),
            "birth_date",
            "phone",
        ):
            batch.drop_column(name)
