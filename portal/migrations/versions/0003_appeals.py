"""appeals: reference data, appeals, files, status history, comments, answers

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The answer templates SPEC §3 names; administrators edit them, placeholders are filled per appeal.
TEMPLATES = (
    (
        "Ответ без участия в приеме",
        "Уважаемый(ая) {ФИО}!\n\nВаша заявка № {номер} от {дата} рассмотрена. "
        "По существу поставленного вопроса сообщаем следующее:\n\n",
    ),
    (
        "Обжалование судебного решения",
        "Уважаемый(ая) {ФИО}!\n\nВаша заявка № {номер} от {дата} рассмотрена. "
        "Обжалование судебного решения возможно только в порядке, установленном "
        "процессуальным законодательством Российской Федерации. Органы исполнительной "
        "власти не вправе вмешиваться в деятельность суда.",
    ),
    (
        "Нецензурные выражения",
        "Уважаемый(ая) {ФИО}!\n\nВаша заявка № {номер} от {дата} содержит нецензурные "
        "либо оскорбительные выражения. В соответствии с частью 3 статьи 11 Федерального "
        "закона от 02.05.2006 № 59-ФЗ она оставлена без ответа по существу.",
    ),
)


def upgrade() -> None:
    op.create_table(
        "answer_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_templates")),
        sa.UniqueConstraint("title", name=op.f("uq_answer_templates_title")),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("name", name=op.f("uq_departments_name")),
    )
    op.create_table(
        "municipalities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipalities")),
        sa.UniqueConstraint("name", name=op.f("uq_municipalities_name")),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("name", name=op.f("uq_topics_name")),
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("search_text", sa.String(length=900), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["users.id"],
            name=op.f("fk_appeals_citizen_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_appeals_municipality_id_municipalities"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_appeals_topic_id_topics"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("number", name=op.f("uq_appeals_number")),
    )
    op.create_index("ix_appeals_created", "appeals", ["created_at", "id"])
    op.create_index("ix_appeals_deadline", "appeals", ["deadline_at", "id"])
    op.create_index(op.f("ix_appeals_municipality_id"), "appeals", ["municipality_id"])
    op.create_index("ix_appeals_status_created", "appeals", ["status", "created_at", "id"])
    op.create_index("ix_appeals_citizen_created", "appeals", ["citizen_id", "created_at", "id"])
    op.create_index("ix_appeals_topic_created", "appeals", ["topic_id", "created_at", "id"])
    op.create_index("ix_appeals_search", "appeals", ["status", "search_text"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_answers_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_answers_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["answer_templates.id"],
            name=op.f("fk_answers_template_id_answer_templates"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("appeal_id", name=op.f("uq_answers_appeal_id")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("by_staff", sa.Boolean(), nullable=False),
        sa.Column("attach_to_answer", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_attachments_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_attachments_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index(op.f("ix_attachments_appeal_id"), "attachments", ["appeal_id"])
    op.create_index(op.f("ix_attachments_sha256"), "attachments", ["sha256"])
    op.create_table(
        "executing_departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("sed_number", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_executing_departments_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_executing_departments_department_id_departments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_executing_departments")),
        sa.UniqueConstraint(
            "appeal_id", "department_id", name=op.f("uq_executing_departments_appeal_id")
        ),
    )
    op.create_index(
        op.f("ix_executing_departments_appeal_id"), "executing_departments", ["appeal_id"]
    )
    op.create_table(
        "service_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_service_comments_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_service_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_comments")),
    )
    op.create_index(op.f("ix_service_comments_appeal_id"), "service_comments", ["appeal_id"])
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=True),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_status_changes_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_status_changes_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_changes")),
    )
    op.create_index(op.f("ix_status_changes_appeal_id"), "status_changes", ["appeal_id"])

    templates = sa.table(
        "answer_templates",
        sa.column("title", sa.String),
        sa.column("body", sa.Text),
        sa.column("is_active", sa.Boolean),
    )
    op.bulk_insert(templates, [{"title": t, "body": b, "is_active": True} for t, b in TEMPLATES])


def downgrade() -> None:
    op.drop_table("status_changes")
    op.drop_table("service_comments")
    op.drop_table("executing_departments")
    op.drop_table("attachments")
    op.drop_table("answers")
    op.drop_table("appeals")
    op.drop_table("topics")
    op.drop_table("municipalities")
    op.drop_table("departments")
    op.drop_table("answer_templates")
