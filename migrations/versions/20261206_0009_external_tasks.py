"""external tasks: the topic of a task a worker does, and its lock

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 22:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "external_tasks",
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("worker_id", sa.String(length=255), nullable=True),
        sa.Column("lock_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("task_id"),
    )
    op.create_index("ix_external_tasks_topic", "external_tasks",
                    ["topic", "lock_expires_at"])


def downgrade() -> None:
    op.drop_index("ix_external_tasks_topic", table_name="external_tasks")
    op.drop_table("external_tasks")
