"""requests to residents: a message's task, and more private links to a case

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 06:30:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.add_column(sa.Column("task_id", sa.String(length=36), nullable=True))
    op.create_table(
        "resident_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_resident_links_case_id", "resident_links", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_resident_links_case_id", table_name="resident_links")
    op.drop_table("resident_links")
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.drop_column("task_id")
